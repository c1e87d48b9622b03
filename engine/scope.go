package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Policy scopes, as declared in METADATA custom.scope.
const (
	ScopeObject  = "object"
	ScopeCluster = "cluster"
	ScopeFleet   = "fleet"
)

// scopeQuery returns the query of every policy of scope.
func (e *Engine) scopeQuery(ctx context.Context, scope string) (*policyQuery, error) {
	return e.prepared(ctx, e.byScope, scope, false, func(p *regoPolicy) bool { return p.Scope == scope })
}

// Projection is what the policies of a scope can read of their input (memo.go
// says how this is found, erring on the side of reading): the input paths
// they read, as a tree. A caller may leave out of a scope's input what none
// of its policies reads; the audit so converts of the cluster input only
// what cluster policies read.
type Projection struct{ rs *readSet }

// Projection returns what the policies of scope can read of their input.
func (e *Engine) Projection(scope string) Projection {
	if rs := e.scopeReads[scope]; rs != nil {
		return Projection{rs}
	}
	return Projection{&readSet{}} // no policy: nothing is read
}

// WholeInput is the projection that keeps the whole input.
func WholeInput() Projection { return Projection{&readSet{all: true}} }

// Whole reports whether everything below this point is read.
func (p Projection) Whole() bool { return p.rs.all }

// Child is what is read below key, and false when nothing is.
func (p Projection) Child(key string) (Projection, bool) {
	if p.rs.all {
		return p, true
	}
	c := p.rs.children[key]
	return Projection{c}, c != nil
}

// Reads reports whether something at path (a prefix of it, or something
// below it) is read.
func (p Projection) Reads(path ...string) bool { return p.rs.reads(path) }

// ScopeVerdict is what the cluster or fleet policies concluded.
type ScopeVerdict struct {
	Findings []Finding
	// Passed and Failed hold the ids of the scope's policies that found
	// nothing and something, for counting.
	Passed []string
	Failed []string
}

// EvalCluster evaluates every cluster-scope policy against one cluster's
// input (see policies/README.md, "Cluster scope"). input must be JSON-able;
// it is converted once, or used as is when it is already an ast.Value.
// Findings carry the cluster's name.
func (e *Engine) EvalCluster(ctx context.Context, cluster string, input any) (ScopeVerdict, error) {
	return e.evalScope(ctx, ScopeCluster, cluster, input)
}

// EvalFleet evaluates every fleet-scope policy against the fleet input (all
// clusters, see policies/README.md, "Fleet scope"). A violation names the
// cluster it is about with a "cluster" field; without it the finding is
// about the fleet as a whole.
func (e *Engine) EvalFleet(ctx context.Context, input any) (ScopeVerdict, error) {
	return e.evalScope(ctx, ScopeFleet, "", input)
}

func (e *Engine) evalScope(ctx context.Context, scope, cluster string, input any) (ScopeVerdict, error) {
	var v ScopeVerdict
	q, err := e.scopeQuery(ctx, scope)
	if err != nil {
		return v, fmt.Errorf("preparing %s policies: %w", scope, err)
	}
	if len(q.policies) == 0 {
		return v, nil
	}
	value, err := ast.InterfaceToValue(input)
	if err != nil {
		return v, fmt.Errorf("converting %s input: %w", scope, err)
	}
	r, err := evalOnce(ctx, q.query, value)
	if err != nil {
		return v, fmt.Errorf("evaluating %s policies: %w", scope, err)
	}
	e.eachPolicy(r, q.policies, func(p *regoPolicy, vs []*ast.Term) {
		if len(vs) == 0 {
			v.Passed = append(v.Passed, p.ID)
			return
		}
		v.Failed = append(v.Failed, p.ID)
		v.Findings = slices.Grow(v.Findings, len(vs))
		for _, raw := range vs {
			f := p.finding(raw, scope)
			f.Cluster = cluster
			if m, ok := raw.Value.(ast.Object); ok {
				f.Resource = resourceOfValue(valueAt(m, resourceKey))
				if c := stringAt(m, clusterKey); c != "" {
					f.Cluster = c
				}
			}
			v.Findings = append(v.Findings, f)
		}
	})
	return v, nil
}

// AddScope records a cluster or fleet verdict in the Result. Each policy
// counts one evaluation per cluster (or one for the fleet).
func (r *Result) AddScope(v ScopeVerdict, cluster string) {
	r.Findings = append(r.Findings, v.Findings...)
	r.count(v.Failed, v.Passed, Resource{}, nil, cluster)
}

// Data returns the bundle data document at a slash-separated path (for
// example "frameworks"), or nil. The value is shared: do not modify it.
func (e *Engine) Data(path string) any {
	var cur any = e.bundle.OPA.Data
	for _, k := range strings.Split(strings.Trim(path, "/"), "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}
