// Package audit evaluates cluster snapshots with the engine at every scope
// (object, cluster, fleet), applies exceptions, scores the frameworks'
// controls and returns one Result. It neither fetches nor formats.
package audit

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

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

// cluster is one snapshot with what the audit derived from it. The
// snapshot and its views are released once the cluster is evaluated; what
// the fleet scope needs is kept in summary.
type cluster struct {
	src     Source
	snap    *snapshot.Snapshot
	name    string
	labels  map[string]string
	digest  string
	views   *snapshot.Views
	status  engine.ClusterStatus
	summary map[string]any // fleet-scope summary; nil when unreachable
	result  *engine.Result // the cluster's findings and counts, merged at the end
	packed  packed         // the cluster's findings, packed once it is evaluated
	errs    []engine.InputError
	loadErr error
}

// Source supplies one cluster's snapshot when the audit is ready for it, so
// that a fleet larger than memory is audited a few clusters at a time.
// Name identifies the source in errors (a file path, a context). Load gives
// the snapshot and, when the source has it at hand, its snapshot.Digest;
// with "" the audit computes it.
type Source struct {
	Name string
	Load func() (snap *snapshot.Snapshot, digest string, err error)
}

// FromFiles reads each snapshot file when the audit is ready for it. A
// file that Save wrote is not encoded again for its digest
// (snapshot.LoadDigest).
func FromFiles(paths []string) []Source {
	out := make([]Source, len(paths))
	for i, p := range paths {
		out[i] = Source{Name: p, Load: func() (*snapshot.Snapshot, string, error) { return snapshot.LoadDigest(p) }}
	}
	return out
}

// FromSnapshots wraps snapshots already in memory as sources.
func FromSnapshots(snaps []*snapshot.Snapshot) []Source {
	out := make([]Source, len(snaps))
	for i, s := range snaps {
		out[i] = Source{Name: s.Cluster.Name, Load: func() (*snapshot.Snapshot, string, error) { return s, "", nil }}
	}
	return out
}

// Run audits the snapshots: object policies over every object, cluster
// policies over each cluster's derived views, fleet policies over all
// clusters. An unreachable cluster is reported, never evaluated, and never
// counted as compliant. Run is safe to call concurrently.
func Run(ctx context.Context, eng *engine.Engine, snaps []*snapshot.Snapshot, opts Options) (*engine.Result, error) {
	return RunSources(ctx, eng, FromSnapshots(snaps), opts)
}

// RunSources is Run over snapshots loaded on demand: at most Options.Workers
// are held at once, and each is released once evaluated. A source that
// fails to load fails the audit with an error naming it.
func RunSources(ctx context.Context, eng *engine.Engine, srcs []Source, opts Options) (*engine.Result, error) {
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
	codec := newCodec(eng.Policies())
	clusters := make([]*cluster, len(srcs))
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	for i, src := range srcs {
		c := &cluster{src: src}
		clusters[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if c.snap, c.digest, c.loadErr = src.Load(); c.loadErr != nil {
				return
			}
			c.name, c.labels = c.snap.Cluster.Name, c.snap.Cluster.Labels
			progress(c.name, "evaluating")
			c.result = &engine.Result{OmitPasses: !opts.KeepPasses, Stats: map[string]engine.PolicyStats{}}
			c.evaluate(ctx, eng, opts)
			c.snap, c.views = nil, nil // release the cluster's objects
			// Until the merge, the findings wait packed (see packed);
			// should packing fail, they wait as they are.
			if p, err := codec.pack(c.result.Findings); err == nil {
				c.packed, c.result.Findings = p, nil
			}
			if len(c.errs) > 0 {
				progress(c.name, "failed")
			} else {
				progress(c.name, "done")
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	seen := map[string]string{}
	for _, c := range clusters {
		if c.loadErr != nil {
			return nil, fmt.Errorf("loading %s: %w", c.src.Name, c.loadErr)
		}
		if other, dup := seen[c.name]; dup {
			return nil, fmt.Errorf("%s and %s are both cluster %q: give each cluster once", other, c.src.Name, c.name)
		}
		seen[c.name] = c.src.Name
	}
	sort.Slice(clusters, func(i, j int) bool { return clusters[i].name < clusters[j].name })

	r := eng.NewResult()
	// A fleet has millions of passing checks: count them, do not list them.
	r.OmitPasses = !opts.KeepPasses
	r.Provenance.Time = opts.Now().UTC()
	r.Provenance.SnapshotDigests = map[string]string{}
	// The fleet scope reads only the clusters' summaries; evaluated first, its
	// findings count in the one allocation of every finding below.
	var fleet engine.ScopeVerdict
	var fleetErr error
	if rc := reachable(clusters); len(rc) > 0 {
		fleet, fleetErr = eng.EvalFleet(ctx, fleetInput(rc, opts))
	}
	if err := unpackAll(codec, clusters, r, len(fleet.Findings), workers); err != nil {
		return nil, err
	}
	labels := map[string]map[string]string{}
	for _, c := range clusters {
		labels[c.name] = c.labels
		r.Provenance.SnapshotDigests[c.name] = c.digest
		r.Clusters = append(r.Clusters, c.status)
		r.Merge(c.result) // counts and passes; the findings are in place
		c.result = nil
		r.Errors = append(r.Errors, c.errs...)
	}
	if fleetErr != nil {
		r.Errors = append(r.Errors, engine.InputError{Message: "fleet policies: " + fleetErr.Error()})
	} else {
		r.AddScope(fleet, "")
	}
	opts.Exceptions.Apply(r, labels, opts.Now())
	scoreControls(r, eng.Data("frameworks"))
	return r, nil
}

// unpackAll puts every cluster's findings, in cluster order, into one
// allocation of r.Findings with room for extra more, unpacking clusters on
// workers goroutines. Each cluster's findings leave it.
func unpackAll(codec *codec, clusters []*cluster, r *engine.Result, extra, workers int) error {
	n := 0
	for _, c := range clusters {
		n += c.packed.n + len(c.result.Findings)
	}
	all := make([]engine.Finding, n, n+extra)
	errs := make([]error, len(clusters))
	type job struct {
		i   int
		dst []engine.Finding // the cluster's part of all
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			in := newInterner()
			for j := range jobs {
				i, dst, c := j.i, j.dst, clusters[j.i]
				if c.packed.n > 0 {
					if err := codec.unpack(c.packed, dst, in); err != nil {
						errs[i] = fmt.Errorf("cluster %s: %w", c.name, err)
					}
				} else {
					copy(dst, c.result.Findings) // packing failed: they waited as they were
				}
				c.packed, c.result.Findings = packed{}, nil
			}
		})
	}
	offset := 0
	for i, c := range clusters {
		end := offset + c.packed.n + len(c.result.Findings)
		jobs <- job{i, all[offset:end]}
		offset = end
	}
	close(jobs)
	wg.Wait()
	r.Findings = all
	return errors.Join(errs...)
}

func (c *cluster) evaluate(ctx context.Context, eng *engine.Engine, opts Options) {
	c.evaluateScopes(ctx, eng, opts)
	c.status = status(c)
	if c.views != nil {
		c.summary = summary(c.snap, c.views, systemSet(opts))
	}
}

func (c *cluster) evaluateScopes(ctx context.Context, eng *engine.Engine, opts Options) {
	s := c.snap
	if c.digest == "" {
		digest, err := snapshot.Digest(s)
		if err != nil {
			c.errs = append(c.errs, engine.InputError{Cluster: s.Cluster.Name, Message: "snapshot digest: " + err.Error()})
		}
		c.digest = digest
	}
	if s.Status.State == snapshot.StateUnreachable {
		return
	}
	c.views = s.Derive()
	// The objects of the kinds cluster policies read are converted to OPA
	// values once, for both scopes; the object scope converts only what its
	// policies read of the others.
	p := eng.Projection(engine.ScopeCluster)
	vals := objectValues(s, func(kind string) bool { return p.Reads("snapshot", "objects", kind) })
	ins, err := objectInputs(eng, s, vals)
	if err != nil {
		c.errs = append(c.errs, engine.InputError{Cluster: s.Cluster.Name, Message: err.Error()})
	}
	for _, in := range ins {
		v, err := eng.EvalObject(ctx, in)
		if err != nil {
			c.errs = append(c.errs, engine.InputError{Cluster: s.Cluster.Name, Object: v.Resource.String(), Message: err.Error()})
			continue
		}
		if len(v.Findings)+len(v.Passed) > 0 {
			c.result.Add(v, nil, s.Cluster.Name)
		}
	}
	if !hasScope(eng, engine.ScopeCluster) {
		return // the cluster input costs a conversion; skip it when nothing reads it
	}
	v, err := eng.EvalCluster(ctx, s.Cluster.Name, clusterInput(s, c.views, vals, opts, p))
	if err != nil {
		c.errs = append(c.errs, engine.InputError{Cluster: s.Cluster.Name, Message: "cluster policies: " + err.Error()})
		return
	}
	c.result.AddScope(v, s.Cluster.Name)
}

func reachable(cs []*cluster) []*cluster {
	var out []*cluster
	for _, c := range cs {
		if c.summary != nil {
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

// ObjectInputs makes the object-scope inputs of a snapshot, as the audit
// evaluates them: the cluster's name and labels, each object's Namespace,
// the audit enforcement point and, when a referential Gatekeeper template
// reads it, the cluster's objects as data.inventory (built once). An
// inventory error is returned beside inputs that lack it.
func ObjectInputs(eng *engine.Engine, s *snapshot.Snapshot) ([]*engine.ObjectInput, error) {
	return objectInputs(eng, s, nil)
}

// objectInputs is ObjectInputs with each object's OPA value from vals
// (objectValues), where it has one.
func objectInputs(eng *engine.Engine, s *snapshot.Snapshot, vals map[string][]ast.Value) ([]*engine.ObjectInput, error) {
	all := s.All()
	tmpl := engine.ObjectInput{
		Cluster:          engine.Cluster{Name: s.Cluster.Name, Labels: s.Cluster.Labels},
		EnforcementPoint: gatekeeper.PointAudit,
	}
	var err error
	if eng.UsesInventory() {
		if tmpl.Inventory, err = gatekeeper.Collect(all); err != nil {
			err = fmt.Errorf("Gatekeeper inventory: %w", err)
		}
	}
	ins := engine.Inputs(all, tmpl)
	if vals != nil {
		// s.All is every kind's objects, in s.Kinds order.
		i := 0
		for _, k := range s.Kinds() {
			for j := range s.Objects[k] {
				if j < len(vals[k]) {
					ins[i].Value = vals[k][j]
				}
				i++
			}
		}
	}
	return ins, err
}

// objectValues converts the objects of s of each kind keep accepts to OPA
// values, by kind and in order (with value: faster than
// ast.InterfaceToValue, to the same value). An object that fails to convert
// has no value (nil): it is converted, and its error reported, where it is
// evaluated.
func objectValues(s *snapshot.Snapshot, keep func(kind string) bool) map[string][]ast.Value {
	out := make(map[string][]ast.Value, len(s.Objects))
	c := newConverter()
	for k, objs := range s.Objects {
		if !keep(k) {
			continue
		}
		vs := make([]ast.Value, len(objs))
		for i, o := range objs {
			vs[i], _ = c.value(o)
		}
		out[k] = vs
	}
	return out
}
