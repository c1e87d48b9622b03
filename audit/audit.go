// Package audit evaluates cluster snapshots with the engine at every scope
// (object, cluster, fleet), applies exceptions, scores the frameworks'
// controls and returns one Result. It neither fetches nor formats.
package audit

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/gatekeeper"
	"github.com/fleetguard/fleetguard/snapshot"
)

// Options tunes Run. The zero value is usable.
type Options struct {
	// Exceptions, when set, mark the findings they cover as excepted.
	Exceptions *engine.Exceptions
	// SystemNamespaces are namespaces policies treat as the platform's own
	// (default: kube-system, kube-public, kube-node-lease).
	SystemNamespaces []string
	// Now is the audit time (default time.Now); it decides exception expiry.
	Now func() time.Time
	// Workers bounds how many clusters are evaluated at once (default GOMAXPROCS).
	Workers int
	// KeepPasses records every passing resource in Result.Passes (for JUnit
	// or OpenReports pass entries); by default only PassCounts are kept.
	KeepPasses bool
	// Progress, when set, is called as each cluster changes state
	// ("evaluating", "done", "failed").
	Progress func(cluster, state string)
}

// DefaultSystemNamespaces are used when Options.SystemNamespaces is empty.
var DefaultSystemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

// cluster is one snapshot with what the audit derived from it.
type cluster struct {
	snap    *snapshot.Snapshot
	digest  string
	views   *snapshot.Views
	objects []engine.ObjectVerdict
	scope   engine.ScopeVerdict
	errs    []engine.InputError
}

// Run audits the snapshots: object policies over every object, cluster
// policies over each cluster's derived views, fleet policies over all
// clusters. An unreachable cluster is reported, never evaluated, and never
// counted as compliant. Run is safe to call concurrently.
func Run(ctx context.Context, eng *engine.Engine, snaps []*snapshot.Snapshot, opts Options) (*engine.Result, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.SystemNamespaces) == 0 {
		opts.SystemNamespaces = DefaultSystemNamespaces
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	progress := func(c, s string) {
		if opts.Progress != nil {
			opts.Progress(c, s)
		}
	}
	seen := map[string]bool{}
	for _, s := range snaps {
		if seen[s.Cluster.Name] {
			return nil, fmt.Errorf("two snapshots for cluster %q: give each cluster once", s.Cluster.Name)
		}
		seen[s.Cluster.Name] = true
	}
	sorted := append([]*snapshot.Snapshot(nil), snaps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Cluster.Name < sorted[j].Cluster.Name })

	clusters := make([]*cluster, len(sorted))
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, s := range sorted {
		c := &cluster{snap: s}
		clusters[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			progress(s.Cluster.Name, "evaluating")
			c.evaluate(ctx, eng, opts)
			if len(c.errs) > 0 {
				progress(s.Cluster.Name, "failed")
			} else {
				progress(s.Cluster.Name, "done")
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	r := eng.NewResult()
	// A fleet has millions of passing checks: count them, do not list them.
	r.OmitPasses = !opts.KeepPasses
	r.Provenance.Time = opts.Now().UTC()
	r.Provenance.SnapshotDigests = map[string]string{}
	labels := map[string]map[string]string{}
	for _, c := range clusters {
		s := c.snap
		labels[s.Cluster.Name] = s.Cluster.Labels
		r.Provenance.SnapshotDigests[s.Cluster.Name] = c.digest
		r.Clusters = append(r.Clusters, status(c))
		for _, v := range c.objects {
			r.Add(v, nil, s.Cluster.Name)
		}
		r.AddScope(c.scope, s.Cluster.Name)
		r.Errors = append(r.Errors, c.errs...)
	}
	if fleet := reachable(clusters); len(fleet) > 0 {
		v, err := eng.EvalFleet(ctx, fleetInput(fleet, opts))
		if err != nil {
			r.Errors = append(r.Errors, engine.InputError{Message: "fleet policies: " + err.Error()})
		} else {
			r.AddScope(v, "")
		}
	}
	opts.Exceptions.Apply(r, labels, opts.Now())
	scoreControls(r, eng.Data("frameworks"))
	return r, nil
}

func (c *cluster) evaluate(ctx context.Context, eng *engine.Engine, opts Options) {
	s := c.snap
	digest, err := snapshot.Digest(s)
	if err != nil {
		c.errs = append(c.errs, engine.InputError{Cluster: s.Cluster.Name, Message: "snapshot digest: " + err.Error()})
	}
	c.digest = digest
	if s.Status.State == snapshot.StateUnreachable {
		return
	}
	c.views = s.Derive()
	info := engine.Cluster{Name: s.Cluster.Name, Labels: s.Cluster.Labels}
	namespaces := map[string]map[string]any{}
	for _, ns := range s.Objects["Namespace"] {
		if md, ok := ns["metadata"].(map[string]any); ok {
			if name, _ := md["name"].(string); name != "" {
				namespaces[name] = ns
			}
		}
	}
	all := s.All()
	// Referential Gatekeeper templates read the cluster's objects as
	// data.inventory: built once per cluster, and only when one reads it.
	var inv *gatekeeper.Inventory
	if eng.UsesInventory() {
		if inv, err = gatekeeper.Collect(all); err != nil {
			c.errs = append(c.errs, engine.InputError{Cluster: s.Cluster.Name, Message: "Gatekeeper inventory: " + err.Error()})
		}
	}
	for _, obj := range all {
		in := &engine.ObjectInput{Object: obj, Cluster: info, EnforcementPoint: gatekeeper.PointAudit, Inventory: inv}
		if md, ok := obj["metadata"].(map[string]any); ok {
			if ns, _ := md["namespace"].(string); ns != "" {
				in.Namespace = namespaces[ns]
			}
		}
		v, err := eng.EvalObject(ctx, in)
		if err != nil {
			c.errs = append(c.errs, engine.InputError{Cluster: s.Cluster.Name, Object: v.Resource.String(), Message: err.Error()})
			continue
		}
		if len(v.Findings)+len(v.Passed) > 0 {
			c.objects = append(c.objects, v)
		}
	}
	if !hasScope(eng, engine.ScopeCluster) {
		return // the cluster input costs a conversion; skip it when nothing reads it
	}
	v, err := eng.EvalCluster(ctx, s.Cluster.Name, clusterInput(s, c.views, opts))
	if err != nil {
		c.errs = append(c.errs, engine.InputError{Cluster: s.Cluster.Name, Message: "cluster policies: " + err.Error()})
		return
	}
	c.scope = v
}

func reachable(cs []*cluster) []*cluster {
	var out []*cluster
	for _, c := range cs {
		if c.views != nil {
			out = append(out, c)
		}
	}
	return out
}

func status(c *cluster) engine.ClusterStatus {
	s := c.snap
	st := engine.ClusterStatus{
		Name: s.Cluster.Name, Context: s.Cluster.Context, Labels: s.Cluster.Labels, State: s.Status.State,
		MissingKinds: s.Status.MissingKinds, SnapshotDigest: c.digest,
	}
	if s.ServerVersion != nil {
		st.ServerVersion = s.ServerVersion.GitVersion
	}
	for _, e := range s.Status.Errors {
		if e.Kind != "" {
			st.Errors = append(st.Errors, e.Kind+": "+e.Message)
		} else {
			st.Errors = append(st.Errors, e.Message)
		}
	}
	for _, objs := range s.Objects {
		st.Objects += len(objs)
	}
	if len(c.errs) > 0 && st.State == snapshot.StateComplete {
		st.State = snapshot.StatePartial
		for _, e := range c.errs {
			st.Errors = append(st.Errors, e.Error())
		}
	}
	return st
}

// hasScope reports whether the engine evaluates any policy of the scope.
func hasScope(eng *engine.Engine, scope string) bool {
	for _, p := range eng.Policies() {
		if p.Scope == scope {
			return true
		}
	}
	return false
}
