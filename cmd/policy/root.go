package main

import (
	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/engine"
)

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "policy",
		Short: "Policy-as-code compliance for fleets of Kubernetes clusters",
		Long: `policy checks Kubernetes manifests, clusters and whole fleets against one
policy bundle (Rego and Gatekeeper ConstraintTemplates), in CI, at admission
and in scheduled audits, with the same verdicts everywhere.`,
		Version:       engine.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%w", err) })
	root.AddCommand(newScan(), newTest(), newWebhook(), newBundle(), newAudit(), newVerify(), newSnapshot(), newHistory(), newDiff(), newServe())
	return root
}
