package main

import (
	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/snapshot"
)

// fleetFlags select live clusters: shared by snapshot and audit.
type fleetFlags struct {
	kubeconfig  string
	contexts    []string
	allContexts bool
	config      string
}

func (f *fleetFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
	fl.StringArrayVar(&f.contexts, "context", nil, "kubeconfig context to audit (repeatable)")
	fl.BoolVar(&f.allContexts, "all-contexts", false, "audit every context in the kubeconfig")
	fl.StringVar(&f.config, "config", "", "fleet config YAML: clusters, their contexts and labels, system namespaces")
}

func (f *fleetFlags) selected() bool {
	return len(f.contexts) > 0 || f.allContexts || f.config != ""
}

func (f *fleetFlags) systemNamespaces() []string { return nil }

// fetch snapshots the selected clusters. TODO: wired to fetchers.
func (f *fleetFlags) fetch(cmd *cobra.Command, prog *progress) ([]*snapshot.Snapshot, error) {
	return nil, usageErr("live audits need the fetchers")
}
