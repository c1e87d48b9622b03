package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"slices"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Verdict memoisation. A fleet's workloads are a few pod templates
// instantiated many times (replicas, the same chart in every namespace and
// cluster), and most object policies read only the pod spec and the
// containers, never the object's name. For such a policy the verdict is a
// function of the parts of the input it can read, so the engine evaluates
// it once per distinct projection of the input onto those parts and reuses
// the findings for every object with the same projection.
//
// What a policy can read is found statically, over the compiled rules it
// depends on, and over-approximated wherever the analysis cannot be exact:
// a ref with a variable reads the whole subtree before the variable; a bare
// input reads everything; a policy that calls a non-deterministic built-in,
// uses with, or reads input.object.metadata (or a part that holds an
// object's identity) is evaluated per object as before.

// readSet is a trie of the input paths a group of policies can read. A node
// with all set is read whole; otherwise only its children are.
type readSet struct {
	all      bool
	children map[string]*readSet
	keys     []string    // children's keys, sorted, for hashing in one order
	terms    []*ast.Term // keys as terms, for looking them up
}

func (r *readSet) add(path []string) {
	n := r
	for _, k := range path {
		if n.all {
			return
		}
		if n.children == nil {
			n.children = map[string]*readSet{}
		}
		c := n.children[k]
		if c == nil {
			c = &readSet{}
			n.children[k] = c
		}
		n = c
	}
	n.all, n.children = true, nil
}

func (r *readSet) merge(o *readSet) {
	if o.all {
		r.all, r.children = true, nil
		return
	}
	for k, c := range o.children {
		if r.all {
			return
		}
		if r.children == nil {
			r.children = map[string]*readSet{}
		}
		if r.children[k] == nil {
			r.children[k] = &readSet{}
		}
		r.children[k].merge(c)
	}
}

// finish sorts every node's keys; call it once the set is complete.
func (r *readSet) finish() {
	r.keys = slices.Sorted(maps.Keys(r.children))
	r.terms = make([]*ast.Term, len(r.keys))
	for i, k := range r.keys {
		r.terms[i] = ast.StringTerm(k)
		r.children[k].finish()
	}
}

// reads reports whether the set reads any part of path (a prefix of it, or
// something below it).
func (r *readSet) reads(path []string) bool {
	n := r
	for _, k := range path {
		if n.all {
			return true
		}
		if n = n.children[k]; n == nil {
			return false
		}
	}
	return true
}

// identityPaths hold what tells one object from another of the same
// template: a policy that reads any of them gains nothing from memoisation.
var identityPaths = [][]string{
	{"object", "metadata", "name"},
	{"object", "metadata", "uid"},
	{"object", "metadata", "generateName"},
	{"object", "metadata", "resourceVersion"},
	{"object", "metadata", "creationTimestamp"},
	{"object", "metadata", "managedFields"},
	{"oldObject"},
	{"userInfo"},
}

// sideEffects are the built-ins whose effect, not their result, would be
// lost on a memoised verdict; OPA marks the non-deterministic ones itself
// (Builtin.Nondeterministic: http.send, time.now_ns, rand.intn, ...).
var sideEffects = map[string]bool{"print": true, "trace": true}

// policyReads returns the input paths policy p can read, and false when
// its verdict may depend on more than its input (see above).
func policyReads(c *ast.Compiler, p *regoPolicy) (*readSet, bool) {
	rs := &readSet{}
	ok := true
	seen := map[*ast.Rule]bool{}
	// A new ref: Append could write into the package path's array.
	ref := append(append(make(ast.Ref, 0, len(p.pkg)+1), p.pkg...), ast.StringTerm(violationRule))
	// A copy: the compiler returns its own rule tree's slice.
	queue := slices.Clone(c.GetRulesExact(ref))
	vis := ast.NewGenericVisitor(func(x any) bool {
		switch x := x.(type) {
		case *ast.With:
			ok = false
		case *ast.Expr:
			if x.IsCall() {
				op := x.Operator().String()
				if b := ast.BuiltinMap[op]; sideEffects[op] || (b != nil && b.Nondeterministic) {
					ok = false
				}
			}
		case ast.Ref:
			if x.HasPrefix(ast.InputRootRef) {
				rs.add(constantPath(x[1:]))
				return true
			}
			if x.HasPrefix(ast.DefaultRootRef) {
				queue = append(queue, c.GetRulesDynamicWithOpts(x, ast.RulesOptions{IncludeHiddenModules: true})...)
			}
		case ast.Var:
			if x == ast.InputRootDocument.Value {
				rs.add(nil)
			}
		}
		return !ok
	})
	for len(queue) > 0 && ok {
		r := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if !seen[r] {
			seen[r] = true
			vis.Walk(r)
		}
	}
	return rs, ok
}

// constantPath is the leading run of string keys of a ref's tail.
func constantPath(ts []*ast.Term) []string {
	var path []string
	for _, t := range ts {
		s, ok := t.Value.(ast.String)
		if !ok {
			break
		}
		path = append(path, string(s))
	}
	return path
}

// groupPaths are what sets one object's verdicts apart from those of the
// same template elsewhere, for policies that read them: its namespace, the
// Namespace object, the cluster. A memo query's key covers what any of its
// policies reads, so a policy that reads one of them is memoised apart from
// those that read none: otherwise every verdict of the kind would be keyed
// per namespace or per cluster, and a fleet's replicas would share far
// fewer of them.
var groupPaths = [...][]string{
	{"object", "metadata", "namespace"},
	{"namespace"},
	{"cluster"},
}

// memoGroup is the memo group of a policy with these reads: which of
// groupPaths it reads, as bits.
func memoGroup(rs *readSet) int {
	g := 0
	for i, p := range groupPaths {
		if rs.reads(p) {
			g |= 1 << i
		}
	}
	return g
}

// memoisable reports whether a policy with these reads is worth memoising.
func memoisable(rs *readSet) bool {
	for _, p := range identityPaths {
		if rs.reads(p) {
			return false
		}
	}
	return true
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// memoVerdict is what object policies concluded about one input (for the
// memoised ones, about one projection): findings without their resource,
// cluster or source, and passes.
type memoVerdict struct {
	findings []Finding
	passed   []string
}

// memoLimit bounds the memo; when it is full it starts again empty, which
// keeps a long-running webhook's memory flat.
const memoLimit = 1 << 16

// memo holds verdicts by memoKey. Safe for concurrent use.
type memo struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]*memoVerdict
}

func (m *memo) get(k [sha256.Size]byte) *memoVerdict {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.m[k]
}

func (m *memo) put(k [sha256.Size]byte, v *memoVerdict) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= memoLimit {
		m.m = make(map[[sha256.Size]byte]*memoVerdict)
	}
	m.m[k] = v
}
