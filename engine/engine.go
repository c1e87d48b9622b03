// Package engine loads a policy bundle, compiles it once, and evaluates it
// against Kubernetes objects (object scope), one cluster's snapshot (cluster
// scope) or many clusters (fleet scope). It produces plain-data Results and
// never formats them.
package engine

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/fleetguard/fleetguard/gatekeeper"
)

// Version is the engine version recorded in provenance. Builds may set it
// with -ldflags "-X github.com/fleetguard/fleetguard/engine.Version=...".
var Version = "0.1.0-dev"

// Engine evaluates one compiled bundle. It is safe for concurrent use by
// multiple goroutines: all state is built by New and read-only afterwards,
// except a cache of prepared queries guarded by a mutex.
type Engine struct {
	bundle   *Bundle
	compiler *ast.Compiler
	store    storage.Store
	policies []regoPolicy // every policy kept by the filters, sorted by id
	// constraints are the bundle's Gatekeeper constraints (gatekeeper.go).
	constraints *constraintSet
	// scopeReads is what each scope's policies can read of their input.
	scopeReads map[string]*readSet

	mu      sync.Mutex
	byKind  map[string]*policyQuery // "group/Kind" -> its object policies
	byScope map[string]*policyQuery // cluster or fleet -> its policies
	timeNow func() time.Time
	memo    *memo // nil with WithoutMemo: no memo and no projection
}

type config struct {
	bundleSrc string
	bundle    *Bundle
	load      LoadOptions
	include   map[string]bool
	skip      map[string]bool
	noMemo    bool
}

// Option configures New.
type Option func(*config)

// WithBundleSource loads the bundle from src (see LoadBundle). The default
// is the embedded bundle.
func WithBundleSource(src string) Option { return func(c *config) { c.bundleSrc = src } }

// WithBundle uses an already loaded bundle.
func WithBundle(b *Bundle) Option { return func(c *config) { c.bundle = b } }

// WithLoadOptions sets how the bundle source is loaded (signature check, HTTP client).
func WithLoadOptions(o LoadOptions) Option { return func(c *config) { c.load = o } }

// WithoutMemo makes the engine evaluate every object afresh instead of
// reusing the verdicts of policies that read only what another object
// already showed them (see memo.go). Verdicts are the same either way; the
// option exists to compare the two.
func WithoutMemo() Option { return func(c *config) { c.noMemo = true } }

// WithPolicies keeps only the policies with these ids. Empty keeps all.
func WithPolicies(ids ...string) Option {
	return func(c *config) {
		for _, id := range ids {
			c.include[id] = true
		}
	}
}

// WithoutPolicies drops the policies with these ids.
func WithoutPolicies(ids ...string) Option {
	return func(c *config) {
		for _, id := range ids {
			c.skip[id] = true
		}
	}
}

// New loads and compiles a bundle. Compilation and metadata errors name the
// file, the line and the rule.
func New(ctx context.Context, opts ...Option) (*Engine, error) {
	cfg := &config{include: map[string]bool{}, skip: map[string]bool{}}
	for _, o := range opts {
		o(cfg)
	}
	b := cfg.bundle
	if b == nil {
		var err error
		if b, err = LoadBundle(ctx, cfg.bundleSrc, cfg.load); err != nil {
			return nil, err
		}
	}
	modules := make(map[string]*ast.Module, len(b.OPA.Modules))
	for _, m := range b.OPA.Modules {
		modules[m.Path] = m.Parsed
	}
	c := ast.NewCompiler()
	if c.Compile(modules); c.Failed() {
		return nil, fmt.Errorf("compiling bundle %s: %w", b.Source, c.Errors)
	}
	all, err := policiesFromModules(c)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", b.Source, err)
	}
	// Gatekeeper hook: templates and constraints under gatekeeper/ in the bundle.
	gk, err := loadConstraints(ctx, b)
	if err != nil {
		return nil, err
	}
	for id := range cfg.include {
		if !hasPolicy(all, id) && !gk.has(id) {
			return nil, fmt.Errorf("--policy %s: no such policy in bundle %s", id, b.Source)
		}
	}
	for id := range cfg.skip {
		if !hasPolicy(all, id) && !gk.has(id) {
			return nil, fmt.Errorf("--skip-policy %s: no such policy in bundle %s", id, b.Source)
		}
	}
	e := &Engine{
		bundle:     b,
		compiler:   c,
		store:      inmem.NewFromObject(b.OPA.Data),
		byKind:     map[string]*policyQuery{},
		byScope:    map[string]*policyQuery{},
		scopeReads: map[string]*readSet{},
		timeNow:    time.Now,
	}
	if !cfg.noMemo {
		e.memo = &memo{}
	}
	e.constraints = gk.filter(cfg.include, cfg.skip)
	for _, p := range all {
		if (len(cfg.include) > 0 && !cfg.include[p.ID]) || cfg.skip[p.ID] {
			continue
		}
		rs, ok := policyReads(c, &p)
		if !ok {
			rs = &readSet{all: true}
		}
		if p.Scope == ScopeObject && ok {
			p.project = rs
			if memoisable(rs) {
				p.reads = rs
			}
		}
		if e.scopeReads[p.Scope] == nil {
			e.scopeReads[p.Scope] = &readSet{}
		}
		e.scopeReads[p.Scope].merge(rs)
		e.policies = append(e.policies, p)
	}
	return e, nil
}

func hasPolicy(ps []regoPolicy, id string) bool {
	for _, p := range ps {
		if p.ID == id {
			return true
		}
	}
	return false
}

// Policies returns the metadata of every policy the engine evaluates, sorted by id.
func (e *Engine) Policies() []Policy {
	out := make([]Policy, len(e.policies))
	for i, p := range e.policies {
		out[i] = p.Policy
	}
	if e.constraints != nil && len(e.constraints.policies) > 0 { // Gatekeeper hook
		out = append(out, e.constraints.policies...)
		sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	}
	return out
}

// Bundle returns the bundle the engine was built from.
func (e *Engine) Bundle() *Bundle { return e.bundle }

// Provenance returns the engine version and bundle identity, stamped now.
func (e *Engine) Provenance() Provenance {
	return Provenance{
		EngineVersion:  Version,
		BundleDigest:   e.bundle.Digest,
		BundleRevision: e.bundle.Revision(),
		Time:           e.timeNow().UTC(),
	}
}

// policyQuery evaluates a set of policies (the object policies of one kind,
// or the policies of one scope) in a single prepared query, so an input is
// evaluated once, not once per policy.
type policyQuery struct {
	policies []int // indexes into Engine.policies, in binding order
	query    rego.PreparedEvalQuery
	// parts, for an object kind, are the queries evaluated for an object:
	// one per memo group of the policies whose verdicts are memoised
	// (memo.go), then the query itself if it has policies. On a memo query,
	// reads is what its policies can read of the input and key names it in
	// memo keys.
	parts []*policyQuery
	reads *readSet
	key   string
	// project, for an object kind, is what the query's policies can read
	// of the input: it is evaluated on that projection (project.go). nil
	// means the whole input.
	project *readSet
	ready   chan struct{} // closed once policies, query and err are set
	err     error
}

// prepared returns the query cached under key, preparing it on first use
// from the policies for which applies is true. With split, the policies
// whose verdicts can be memoised (memo.go) go into q.parts instead, a
// query per memo group.
// Concurrent callers of a new key wait for the first one to prepare it.
func (e *Engine) prepared(ctx context.Context, cache map[string]*policyQuery, key string, split bool, applies func(*regoPolicy) bool) (*policyQuery, error) {
	e.mu.Lock()
	q, ok := cache[key]
	if !ok {
		q = &policyQuery{ready: make(chan struct{})}
		cache[key] = q
	}
	e.mu.Unlock()
	if ok {
		<-q.ready
		return q, q.err
	}
	defer close(q.ready)
	var memoised [1 << len(groupPaths)][]int // by memo group
	for i := range e.policies {
		p := &e.policies[i]
		switch {
		case !applies(p):
		case split && e.memo != nil && p.reads != nil:
			g := memoGroup(p.reads)
			memoised[g] = append(memoised[g], i)
		default:
			q.policies = append(q.policies, i)
		}
	}
	if split && e.memo != nil {
		q.project = e.projection(q.policies)
	}
	if q.query, q.err = e.prepare(ctx, q.policies); q.err != nil {
		return q, q.err
	}
	for g, policies := range memoised {
		if len(policies) == 0 {
			continue
		}
		// The group is part of the key: two groups' projections can be equal.
		m := &policyQuery{policies: policies, reads: e.projection(policies), key: key + "#" + strconv.Itoa(g)}
		m.project = m.reads
		if m.query, q.err = e.prepare(ctx, policies); q.err != nil {
			return q, q.err
		}
		q.parts = append(q.parts, m)
	}
	if len(q.policies) > 0 {
		q.parts = append(q.parts, q)
	}
	return q, nil
}

// projection is what the policies can read of their input, merged, or nil
// when that is not known for one of them.
func (e *Engine) projection(policies []int) *readSet {
	rs := &readSet{}
	for _, i := range policies {
		p := e.policies[i].project
		if p == nil {
			return nil
		}
		rs.merge(p)
	}
	rs.finish()
	return rs
}

// prepare compiles one query that binds every policy's violations to x0,
// x1, ... in the order of policies (indexes into e.policies).
func (e *Engine) prepare(ctx context.Context, policies []int) (rego.PreparedEvalQuery, error) {
	if len(policies) == 0 {
		return rego.PreparedEvalQuery{}, nil
	}
	terms := make([]string, len(policies))
	for j, i := range policies {
		terms[j] = fmt.Sprintf("%s = %s.%s", bindingName(j), e.policies[i].pkg, violationRule)
	}
	return rego.New(
		rego.Query(strings.Join(terms, "; ")),
		rego.Compiler(e.compiler),
		rego.Store(e.store),
	).PrepareForEval(ctx)
}

// queryFor returns the query of every object policy that applies to kind.
func (e *Engine) queryFor(ctx context.Context, group, kind string) (*policyQuery, error) {
	return e.prepared(ctx, e.byKind, group+"/"+kind, true, func(p *regoPolicy) bool {
		return p.Scope == ScopeObject && appliesTo(p.Kinds, group, kind)
	})
}

// appliesTo matches declared kinds ("Pod", "apps/Deployment", "*") against
// an object's group and kind.
func appliesTo(kinds []string, group, kind string) bool {
	for _, k := range kinds {
		if k == "*" {
			return true
		}
		if g, n, ok := strings.Cut(k, "/"); ok {
			if g == group && n == kind {
				return true
			}
		} else if k == kind {
			return true
		}
	}
	return false
}

// ObjectVerdict is what the object policies concluded about one object.
type ObjectVerdict struct {
	Resource Resource
	Findings []Finding
	// Passed holds the ids of applicable policies that found nothing.
	Passed []string
}

// EvalObject evaluates every applicable object policy and Gatekeeper
// constraint against one object. The same call serves the webhook, the scan
// and the audit, so they agree for the same object and enforcement point.
// It converts the object to OPA's value form once.
func (e *Engine) EvalObject(ctx context.Context, in *ObjectInput) (ObjectVerdict, error) {
	return e.evalObject(ctx, in, in.Inventory)
}

// evalObject is EvalObject with data.inventory given (Scan's default).
func (e *Engine) evalObject(ctx context.Context, in *ObjectInput, inv *gatekeeper.Inventory) (ObjectVerdict, error) {
	res := in.resource()
	v := ObjectVerdict{Resource: res}
	group, _, grouped := strings.Cut(res.APIVersion, "/")
	if !grouped {
		group = "" // the core group: apiVersion is just "v1"
	}
	q, err := e.queryFor(ctx, group, res.Kind)
	if err != nil {
		return v, fmt.Errorf("preparing policies for kind %s: %w", res.Kind, err)
	}
	if len(q.parts) == 0 {
		return v, e.evalConstraints(ctx, in, inv, nil, in.nsValue, &v) // Gatekeeper hook
	}
	// With constraints in the bundle, convert the object and its Namespace
	// once for both (gatekeeper.Value reports when its form differs from ours).
	obj, gkObj := in.Value, ast.Value(nil)
	ns := in.nsValue
	if e.hasConstraints() {
		gkv, plain, err := gatekeeper.Value(in.Object)
		if err != nil {
			return v, fmt.Errorf("%s: converting object for evaluation: %w", res, err)
		}
		if gkObj = gkv; plain {
			obj = gkv
		}
		if ns == nil && in.Namespace != nil {
			if nsv, plain, err := gatekeeper.Value(in.Namespace); err == nil && plain {
				ns = nsv
			}
		}
	}
	// Each query sees the projection of the input onto what its policies
	// can read (project.go), or the whole input when that is not known.
	var doc map[string]any
	if e.memo != nil && (q.parts[0] != q || q.project != nil) { // a memo query, or a projection
		doc = in.doc() // what a memo key and a projection are made of
	}
	var whole ast.Value
	input := func(rs *readSet) (ast.Value, error) {
		if rs != nil && doc != nil {
			v, err := projectValue(doc, rs)
			if err != nil {
				return nil, fmt.Errorf("converting input for evaluation: %w", err)
			}
			return v, nil
		}
		if whole == nil {
			var err error
			whole, err = in.value(obj, ns)
			return whole, err
		}
		return whole, nil
	}
	for _, part := range q.parts {
		// A memo query's verdict is memoised by the projection's key; a
		// hit converts nothing.
		var k [sha256.Size]byte
		memoised := false
		if part.reads != nil && doc != nil {
			k, memoised = memoKey(part.key, doc, part.reads)
		}
		var mv *memoVerdict
		if memoised {
			mv = e.memo.get(k)
		}
		if mv == nil {
			value, err := input(part.project)
			if err != nil {
				return v, fmt.Errorf("%s: %w", res, err)
			}
			if mv, err = e.verdict(ctx, part, value); err != nil {
				return v, fmt.Errorf("evaluating %s: %w", res, err)
			}
			if memoised {
				e.memo.put(k, mv)
			}
		}
		for _, f := range mv.findings {
			f.Resource, f.Cluster, f.Source = res, in.Cluster.Name, in.Source
			v.Findings = append(v.Findings, f)
		}
		v.Passed = append(v.Passed, mv.passed...)
	}
	if len(q.parts) > 1 {
		slices.Sort(v.Passed) // in id order, as from one query
	}
	if err := e.evalConstraints(ctx, in, inv, gkObj, ns, &v); err != nil { // Gatekeeper hook
		return v, err
	}
	sort.SliceStable(v.Findings, func(i, j int) bool {
		a, b := &v.Findings[i], &v.Findings[j]
		if a.PolicyID != b.PolicyID {
			return a.PolicyID < b.PolicyID
		}
		return a.Message < b.Message
	})
	return v, nil
}

// verdict evaluates q's object policies on input: their findings, without
// resource, cluster or source, and their passes.
func (e *Engine) verdict(ctx context.Context, q *policyQuery, input ast.Value) (*memoVerdict, error) {
	r, err := evalOnce(ctx, q.query, input)
	if err != nil {
		return nil, err
	}
	mv := &memoVerdict{}
	e.eachPolicy(r, q.policies, func(p *regoPolicy, vs []*ast.Term) {
		if len(vs) == 0 {
			mv.passed = append(mv.passed, p.ID)
			return
		}
		for _, raw := range vs {
			mv.findings = append(mv.findings, p.finding(raw, ScopeObject))
		}
	})
	return mv, nil
}

// evalOnce evaluates a combined policy query, which has exactly one result
// when every policy's violation set is defined.
func evalOnce(ctx context.Context, q rego.PreparedEvalQuery, input ast.Value) (rego.Result, error) {
	rs, err := q.Eval(ctx, rego.EvalParsedInput(input), termResults)
	if err != nil {
		return rego.Result{}, err
	}
	if len(rs) == 0 {
		// A policy package whose violation rule failed to produce a set
		// (for example a conflict) makes the conjunction undefined.
		return rego.Result{}, fmt.Errorf("a policy produced no result")
	}
	return rs[0], nil
}

// eachPolicy calls fn with each policy of a combined query and the
// violations its binding holds (none for a pass).
func (e *Engine) eachPolicy(r rego.Result, policies []int, fn func(p *regoPolicy, violations []*ast.Term)) {
	for j, pi := range policies {
		fn(&e.policies[pi], violationsOf(r.Bindings[bindingName(j)]))
	}
}

// bindingNames are the query variables x0, x1, ... that hold each policy's
// violations, made once rather than for every evaluation.
var bindingNames = func() []string {
	names := make([]string, 512)
	for i := range names {
		names[i] = fmt.Sprintf("x%d", i)
	}
	return names
}()

func bindingName(j int) string {
	if j < len(bindingNames) {
		return bindingNames[j]
	}
	return fmt.Sprintf("x%d", j)
}

// finding builds the Finding for one violation of p, without its resource.
func (p *regoPolicy) finding(raw *ast.Term, scope string) Finding {
	msg, details := violationParts(raw)
	return Finding{
		PolicyID: p.ID, Title: p.Title, Severity: p.Severity, Controls: p.Controls,
		Message: msg, Details: details, Scope: scope, Enforcement: enforcementOf(p.Enforcement),
	}
}

func enforcementOf(s string) string {
	if s == "" {
		return "deny"
	}
	return s
}

// Scan evaluates objects concurrently with one worker per CPU and gathers
// the verdicts into a Result, in input order. Objects that fail to evaluate
// are recorded as input errors; the rest of the scan goes on.
func (e *Engine) Scan(ctx context.Context, objs []*ObjectInput) *Result {
	inv := e.scanInventory(objs) // Gatekeeper hook: data.inventory holds the scanned objects
	verdicts := make([]ObjectVerdict, len(objs))
	errs := make([]error, len(objs))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				in := objs[i]
				if in.Inventory != nil {
					verdicts[i], errs[i] = e.evalObject(ctx, in, in.Inventory)
				} else {
					verdicts[i], errs[i] = e.evalObject(ctx, in, inv)
				}
			}
		}()
	}
	for i := range objs {
		next <- i
	}
	close(next)
	wg.Wait()

	r := e.NewResult()
	for i, v := range verdicts {
		if errs[i] != nil {
			ie := InputError{Object: v.Resource.String(), Message: errs[i].Error(), Cluster: objs[i].Cluster.Name}
			if s := objs[i].Source; s != nil {
				ie.File, ie.Line = s.File, s.Line
			}
			r.Errors = append(r.Errors, ie)
			continue
		}
		r.Add(v, objs[i].Source, objs[i].Cluster.Name)
	}
	return r
}

// NewResult returns an empty Result carrying this engine's policies and provenance.
func (e *Engine) NewResult() *Result {
	r := &Result{Policies: e.Policies(), Stats: map[string]PolicyStats{}, Provenance: e.Provenance()}
	for _, p := range r.Policies {
		r.Stats[p.ID] = PolicyStats{}
	}
	if e.constraints != nil { // Gatekeeper hook: CEL-only templates are reported
		r.Errors = append(r.Errors, e.constraints.warnings...)
	}
	return r
}

// Add records one object's verdict in the Result and updates the counts.
func (r *Result) Add(v ObjectVerdict, src *Source, cluster string) {
	r.Findings = append(r.Findings, v.Findings...)
	var failed []string // an object has few findings: a slice beats a map here
	for _, f := range v.Findings {
		if !slices.Contains(failed, f.PolicyID) {
			failed = append(failed, f.PolicyID)
		}
	}
	r.count(failed, v.Passed, v.Resource, src, cluster)
}

// count records one evaluation of each failed and passed policy: the stats
// behind every score, the pass counts and, unless omitted, the passes.
func (r *Result) count(failed, passed []string, res Resource, src *Source, cluster string) {
	for _, id := range failed {
		s := r.Stats[id]
		s.Evaluated++
		s.Failed++
		r.Stats[id] = s
	}
	for _, id := range passed {
		s := r.Stats[id]
		s.Evaluated++
		r.Stats[id] = s
		r.countPasses(cluster, id, 1)
		if !r.OmitPasses {
			r.Passes = append(r.Passes, Pass{PolicyID: id, Resource: res, Source: src, Cluster: cluster})
		}
	}
}
