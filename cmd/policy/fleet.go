package main

import (
	"context"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"

	"github.com/fleetguard/fleetguard/audit"
	"github.com/fleetguard/fleetguard/fetchers"
	"github.com/fleetguard/fleetguard/snapshot"
)

// clusterFlags select clusters from a kubeconfig or a fleet config, and
// how they are read: shared by snapshot and, through fleetFlags, audit and serve.
type clusterFlags struct {
	kubeconfig  string
	contexts    []string
	allContexts bool
	config      string
	timeout     time.Duration
	workers     int

	cfg *fetchers.Config // loaded --config
}

func (f *clusterFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default: the fleet config's, then $KUBECONFIG, then ~/.kube/config)")
	fl.StringArrayVar(&f.contexts, "context", nil, "kubeconfig context to read (repeatable); a fleet config cluster name works too")
	fl.BoolVar(&f.allContexts, "all-contexts", false, "read every context in the kubeconfig")
	fl.StringVar(&f.config, "config", "", "fleet config YAML: clusters, their contexts and labels, system namespaces")
	fl.DurationVar(&f.timeout, "timeout", 2*time.Minute, "time allowed to read one cluster")
	fl.IntVar(&f.workers, "workers", 4, "clusters read at once")
}

// targets resolves the selected clusters, loading --config once.
func (f *clusterFlags) targets() ([]fetchers.Target, error) {
	sel := fetchers.Selection{Kubeconfig: f.kubeconfig, Contexts: f.contexts, All: f.allContexts}
	if f.config != "" && f.cfg == nil {
		c, err := fetchers.LoadConfig(f.config)
		if err != nil {
			return nil, usageErr("%w", err)
		}
		f.cfg = c
	}
	sel.Config = f.cfg
	ts, err := fetchers.Targets(sel)
	if err != nil {
		return nil, usageErr("%w", err)
	}
	return ts, nil
}

// fleetFlags select live clusters, or the cluster the agent runs in: shared
// by audit and serve.
type fleetFlags struct {
	clusterFlags
	inCluster   bool
	clusterName string
	labels      map[string]string

	configs map[string]*rest.Config // each fetched cluster's client config, by name
}

func (f *fleetFlags) register(cmd *cobra.Command) {
	f.clusterFlags.register(cmd)
	fl := cmd.Flags()
	fl.BoolVar(&f.inCluster, "in-cluster", false, "audit the cluster this pod runs in, with its service account (the in-cluster agent)")
	fl.StringVar(&f.clusterName, "cluster-name", "", "with --in-cluster: the cluster's name in results (default $FLEETGUARD_CLUSTER_NAME)")
	fl.StringToStringVar(&f.labels, "cluster-labels", nil, "with --in-cluster: the cluster's labels, e.g. env=prod,region=eu-west-1")
}

func (f *fleetFlags) selected() bool {
	return len(f.contexts) > 0 || f.allContexts || f.config != "" || f.inCluster || f.kubeconfig != ""
}

// systemNamespaces are the fleet config's, or the defaults.
func (f *fleetFlags) systemNamespaces() []string {
	if f.cfg != nil && len(f.cfg.SystemNamespaces) > 0 {
		return f.cfg.SystemNamespaces
	}
	return fetchers.DefaultSystemNamespaces
}

func (f *fleetFlags) targets() ([]fetchers.Target, error) {
	if !f.inCluster {
		return f.clusterFlags.targets()
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return nil, usageErr("--in-cluster: %w", err)
	}
	name := f.clusterName
	if name == "" {
		name = os.Getenv("FLEETGUARD_CLUSTER_NAME")
	}
	if name == "" {
		return nil, usageErr("--in-cluster: name the cluster with --cluster-name or FLEETGUARD_CLUSTER_NAME")
	}
	return []fetchers.Target{{Cluster: snapshot.Cluster{Name: name, Server: cfg.Host, Labels: f.labels}, Config: cfg}}, nil
}

// sources returns one audit source per selected cluster. Each reads its
// cluster when the audit is ready for it, so a live fleet is held in memory
// a few clusters at a time (audit with Workers = --workers) and a cluster is
// evaluated as soon as it is read, while others are still being read. A
// cluster that cannot be read is still a source: its snapshot says so.
func (f *fleetFlags) sources(ctx context.Context, prog *progress) ([]audit.Source, error) {
	ts, err := f.targets()
	if err != nil {
		return nil, err
	}
	opts := fetchers.Options{Timeout: f.timeout, Workers: f.workers}
	f.configs = map[string]*rest.Config{}
	srcs := make([]audit.Source, len(ts))
	for i, t := range ts {
		f.configs[t.Cluster.Name] = t.Config
		srcs[i] = audit.Source{Name: t.Cluster.Name, Load: func() (*snapshot.Snapshot, string, error) {
			prog.set(t.Cluster.Name, "fetching")
			return fetchers.Collect(ctx, t, opts), "", nil
		}}
	}
	return srcs, nil
}
