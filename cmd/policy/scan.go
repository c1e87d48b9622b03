package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/manifest"
	"github.com/fleetguard/fleetguard/reports"
)

func newScan() *cobra.Command {
	var (
		bundle  string
		outputs []string
		failOn  string
		include []string
		skip    []string
	)
	cmd := &cobra.Command{
		Use:   "scan [PATH...|-]",
		Short: "Check Kubernetes manifests against the policy bundle",
		Long: `scan reads YAML and JSON manifests (files, directories recursively, or "-"
for standard input), evaluates every object against the bundle's object
policies and Gatekeeper constraints, and reports the findings.

Exit codes: 0 no finding at or above --fail-on; 1 some finding at or above
--fail-on; 2 usage or input error (a malformed document, an unreadable
path), which wins over 1.`,
		Example: `  policy scan deploy/
  kustomize build overlays/prod | policy scan -
  policy scan -o table -o sarif=results.sarif -o junit=junit.xml --fail-on high k8s/
  policy scan --bundle ./my-bundle --skip-policy FG-POD-007 manifests.yaml`,
		RunE: func(cmd *cobra.Command, paths []string) error {
			if len(paths) == 0 {
				return usageErr("scan: give at least one PATH, or - for standard input")
			}
			min, ok := engine.ParseSeverity(failOn)
			if !ok {
				return usageErr("--fail-on %q: want critical, high, medium, low or info", failOn)
			}
			outs, err := parseOutputs(outputs, "table")
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			// Compile the bundle while the manifests are read: both take CPU,
			// and neither needs the other.
			type built struct {
				eng *engine.Engine
				err error
			}
			ready := make(chan built, 1)
			go func() {
				eng, err := engine.New(ctx, engine.WithBundleSource(bundle), engine.WithPolicies(include...), engine.WithoutPolicies(skip...))
				ready <- built{eng, err}
			}()
			objs, inputErrs := manifest.Read(paths, cmd.InOrStdin())
			b := <-ready
			if b.err != nil {
				return &exitError{code: exitUsage, err: b.err}
			}
			eng := b.eng
			r := eng.Scan(ctx, scanInputs(objs))
			r.Errors = append(inputErrs, r.Errors...)
			for _, e := range r.Errors {
				if tableOnStdout(outs) {
					break // the table lists them
				}
				label := "error"
				if e.Warning {
					label = "warning"
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", label, e.Error())
			}
			if err := writeOutputs(outs, r, cmd.OutOrStdout()); err != nil {
				return err
			}
			switch {
			case r.HasErrors():
				return &exitError{code: exitUsage}
			case r.Count(min) > 0:
				return &exitError{code: exitFindings}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&bundle, "bundle", "", "policy bundle: a directory, an OPA bundle .tar.gz or an http(s) URL (default: the embedded bundle)")
	f.StringArrayVarP(&outputs, "output", "o", nil, "output FORMAT[=FILE], repeatable; formats: "+strings.Join(reports.Formats(), ", ")+" (default table)")
	f.StringVar(&failOn, "fail-on", "low", "exit 1 when a finding is at or above this severity: critical, high, medium, low, info")
	f.StringArrayVar(&include, "policy", nil, "evaluate only this policy id (repeatable)")
	f.StringArrayVar(&skip, "skip-policy", nil, "do not evaluate this policy id (repeatable)")
	return cmd
}

// scanInputs turns manifests into engine inputs. A Namespace found among
// the manifests is attached to the objects in it, as the webhook would.
func scanInputs(objs []manifest.Object) []*engine.ObjectInput {
	maps := make([]map[string]any, len(objs))
	for i := range objs {
		maps[i] = objs[i].Object
	}
	ins := engine.Inputs(maps, engine.ObjectInput{})
	for i := range ins {
		ins[i].Source = &objs[i].Source
	}
	return ins
}
