package fetchers

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/fleetguard/fleetguard/snapshot"
)

// Target is one cluster to collect: who it is and how to reach it.
type Target struct {
	// Cluster is the identity written into the snapshot (name, context,
	// server, labels).
	Cluster snapshot.Cluster
	// Config reaches the cluster's apiserver; Collect copies it, never
	// changes it.
	Config *rest.Config
}

// Selection says which kubeconfig contexts to collect.
type Selection struct {
	// Kubeconfig is an explicit kubeconfig path. When empty, the fleet
	// config's kubeconfig, then the usual client-go rules (KUBECONFIG, a
	// colon-separated list, then ~/.kube/config).
	Kubeconfig string
	// Contexts to collect. A name that is not a context but is a cluster
	// name of the fleet config selects that cluster's context.
	Contexts []string
	// All selects every context of the kubeconfig.
	All bool
	// Config, when set, gives names and labels to the contexts it lists,
	// and is the selection when neither Contexts nor All is set.
	Config *Config
}

// Targets resolves a selection against the kubeconfig into targets, in a
// stable order: the order of Contexts, of the fleet config, or sorted
// context names with All. The current context is the default. Unknown
// contexts, broken contexts and two targets with one name are errors.
func Targets(sel Selection) ([]Target, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	switch {
	case sel.Kubeconfig != "":
		rules.ExplicitPath = sel.Kubeconfig
	case sel.Config != nil && sel.Config.Kubeconfig != "":
		rules.ExplicitPath = sel.Config.Kubeconfig
	}
	raw, err := rules.Load()
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig: %w", err)
	}
	where := rules.ExplicitPath
	if where == "" {
		where = fmt.Sprint(rules.GetLoadingPrecedence())
	}
	var contexts []string
	switch {
	case len(sel.Contexts) > 0:
		for _, c := range sel.Contexts {
			if _, ok := raw.Contexts[c]; !ok {
				if cl := sel.Config.byName(c); cl != nil {
					c = cl.Context
				}
			}
			contexts = append(contexts, c)
		}
	case sel.All:
		contexts = slices.Sorted(maps.Keys(raw.Contexts))
	case sel.Config != nil:
		for _, cl := range sel.Config.Clusters {
			contexts = append(contexts, cl.Context)
		}
	default:
		if raw.CurrentContext == "" {
			return nil, fmt.Errorf("kubeconfig %s has no current context: use --context, --all-contexts or --config", where)
		}
		contexts = []string{raw.CurrentContext}
	}
	if len(contexts) == 0 {
		return nil, fmt.Errorf("kubeconfig %s has no contexts", where)
	}
	var out []Target
	names := map[string]string{}
	var errs []error
	for _, ctx := range contexts {
		if _, ok := raw.Contexts[ctx]; !ok {
			errs = append(errs, fmt.Errorf("context %q is not in kubeconfig %s", ctx, where))
			continue
		}
		rc, err := clientcmd.NewNonInteractiveClientConfig(*raw, ctx, &clientcmd.ConfigOverrides{}, rules).ClientConfig()
		if err != nil {
			errs = append(errs, fmt.Errorf("context %q: %w", ctx, err))
			continue
		}
		cl := snapshot.Cluster{Name: ctx, Context: ctx, Server: rc.Host}
		if cc := sel.Config.ByContext(ctx); cc != nil {
			cl.Name = cc.Name
			cl.Labels = maps.Clone(cc.Labels)
		}
		if other, dup := names[cl.Name]; dup {
			if other == ctx {
				continue // the same context asked for twice
			}
			errs = append(errs, fmt.Errorf("contexts %q and %q both name cluster %q", other, ctx, cl.Name))
			continue
		}
		names[cl.Name] = ctx
		out = append(out, Target{Cluster: cl, Config: rc})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// byName returns the cluster of that name, or nil.
func (c *Config) byName(name string) *ClusterConfig {
	if c == nil {
		return nil
	}
	for i := range c.Clusters {
		if c.Clusters[i].Name == name {
			return &c.Clusters[i]
		}
	}
	return nil
}
