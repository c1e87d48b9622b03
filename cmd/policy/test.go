package main

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/engine"
)

func newTest() *cobra.Command {
	var (
		run     string
		verbose bool
	)
	cmd := &cobra.Command{
		Use:   "test [DIR]",
		Short: "Run the Rego unit tests of a policy directory",
		Long: `test runs the Rego tests (rules named test_*) beside the policies, in the
style of "opa test", through OPA's tester. Without DIR it tests the embedded
default bundle. It exits 1 when a test fails or errors.`,
		Example: `  policy test policies/
  policy test --run privileged -v policies/`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := ""
			if len(args) == 1 {
				dir = args[0]
			}
			results, err := engine.RunTests(cmd.Context(), dir, engine.TestOptions{Run: run})
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if len(results) == 0 {
				return usageErr("no tests found in %s", orEmbedded(dir))
			}
			ch := make(chan *tester.Result, len(results))
			failed := 0
			for _, r := range results {
				if !r.Pass() && !r.Skip {
					failed++
				}
				ch <- r
			}
			close(ch)
			rep := tester.PrettyReporter{Output: cmd.OutOrStdout(), Verbose: verbose, FailureLine: true}
			if err := rep.Report(ch); err != nil {
				return err
			}
			if failed > 0 {
				return &exitError{code: exitFindings, err: fmt.Errorf("%d of %d tests failed", failed, len(results))}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&run, "run", "", "run only tests whose names match this regular expression")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every test, passed or not")
	return cmd
}

func orEmbedded(dir string) string {
	if dir == "" {
		return "the embedded bundle"
	}
	return dir
}
