package main

import (
	"fmt"
	"regexp"

	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/gatekeeper"
)

func newVerify() *cobra.Command {
	var (
		output  string
		run     string
		verbose bool
	)
	cmd := &cobra.Command{
		Use:   "verify [PATH...]",
		Short: "Run Gatekeeper Suite files, as gator verify does",
		Long: `verify runs Gatekeeper test suites (kind: Suite, apiVersion:
test.gatekeeper.sh/v1alpha1) with gator verify's semantics. A PATH is a suite
file, a directory (the YAML files directly in it) or DIR/... (every YAML file
below DIR); files of other kinds are ignored. Paths inside a suite are
relative to the suite file. Each template is compiled once and every case
starts from fresh state: its constraint and its own inventory.

It prints one ok or FAIL line per suite file, as go test does, then a
summary. Exit codes: 0 all cases passed; 1 some case failed; 2 usage error.`,
		Example: `  policy verify testdata/gatekeeper/...
  policy verify -v --run 'required-labels' library/general/...
  policy verify -o junit library/... > verify.xml`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			if len(paths) == 0 {
				paths = []string{"."}
			}
			v := gatekeeper.NewVerifier()
			if run != "" {
				re, err := regexp.Compile(run)
				if err != nil {
					return usageErr("--run %q: %w", run, err)
				}
				v.Run = re
			}
			files, err := gatekeeper.FindSuites(paths)
			if err != nil {
				return usageErr("verify: %w", err)
			}
			if len(files) == 0 {
				return usageErr("verify: no Suite files found in %v", paths)
			}
			results := v.Verify(cmd.Context(), files)
			out := cmd.OutOrStdout()
			switch output {
			case "text", "":
				err = gatekeeper.WriteText(out, results, verbose)
			case "json":
				err = gatekeeper.WriteJSON(out, results)
			case "junit":
				err = gatekeeper.WriteJUnit(out, results)
			default:
				return usageErr("-o %s: want text, json or junit", output)
			}
			if err != nil {
				return err
			}
			if s := gatekeeper.Summarize(results); s.Failed > 0 {
				return &exitError{code: exitFindings, err: fmt.Errorf("%d of %d cases failed", s.Failed, s.Passed+s.Failed)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "text", "output format: text, json or junit")
	f.StringVar(&run, "run", "", "run only tests and cases whose name (test or test/case) matches this regular expression")
	f.BoolVarP(&verbose, "verbose", "v", false, "list every test and case, passed or not")
	return cmd
}
