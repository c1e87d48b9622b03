package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
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
	keys     []string // children's keys, sorted, for hashing in one order
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
	r.keys = r.keys[:0]
	for k, c := range r.children {
		r.keys = append(r.keys, k)
		c.finish()
	}
	slices.Sort(r.keys)
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

// nondeterministic built-ins give different results for the same input.
var nondeterministic = map[string]bool{
	"http.send": true, "time.now_ns": true, "rand.intn": true, "uuid.rfc4122": true,
	"opa.runtime": true, "net.lookup_ip_addr": true, "trace": true, "print": true,
}

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
	for len(queue) > 0 && ok {
		r := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		if seen[r] {
			continue
		}
		seen[r] = true
		ast.WalkWiths(r, func(*ast.With) bool { ok = false; return true })
		ast.WalkExprs(r, func(x *ast.Expr) bool {
			if x.IsCall() && nondeterministic[x.Operator().String()] {
				ok = false
			}
			return false
		})
		vis := ast.NewGenericVisitor(func(x any) bool {
			switch x := x.(type) {
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
			return false
		})
		vis.Walk(r)
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

// memoisable reports whether a policy with these reads is worth memoising.
func memoisable(rs *readSet) bool {
	for _, p := range identityPaths {
		if rs.reads(p) {
			return false
		}
	}
	return true
}

// memoKey hashes the projection of input onto rs, with the query's key, so
// that two inputs with the same key give the memoised policies the same
// values to read.
func memoKey(query string, input ast.Value, rs *readSet) [sha256.Size]byte {
	h := sha256.New()
	writeString(h, query)
	project(h, input, rs)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

func project(h hash.Hash, v ast.Value, rs *readSet) {
	obj, isObj := v.(ast.Object)
	if rs.all || !isObj {
		writeValue(h, v)
		return
	}
	h.Write([]byte{'p'})
	for _, k := range rs.keys {
		writeString(h, k)
		if t := obj.Get(ast.InternedTerm(k)); t != nil {
			h.Write([]byte{1})
			project(h, t.Value, rs.children[k])
		} else {
			h.Write([]byte{0})
		}
	}
}

// writeValue writes a canonical, self-delimiting encoding of v: equal
// values (up to the spelling of numbers) write the same bytes.
func writeValue(h hash.Hash, v ast.Value) {
	switch x := v.(type) {
	case ast.Null:
		h.Write([]byte{'n'})
	case ast.Boolean:
		if x {
			h.Write([]byte{'t'})
		} else {
			h.Write([]byte{'f'})
		}
	case ast.Number:
		h.Write([]byte{'#'})
		writeString(h, string(x))
	case ast.String:
		h.Write([]byte{'s'})
		writeString(h, string(x))
	case *ast.Array:
		h.Write([]byte{'['})
		writeLen(h, x.Len())
		for i := range x.Len() {
			writeValue(h, x.Elem(i).Value)
		}
	case ast.Set:
		h.Write([]byte{'{'})
		writeLen(h, x.Len())
		arr := x.Sorted()
		for i := range arr.Len() {
			writeValue(h, arr.Elem(i).Value)
		}
	case ast.Object:
		h.Write([]byte{'o'})
		keys := x.Keys() // sorted
		writeLen(h, len(keys))
		for _, k := range keys {
			writeValue(h, k.Value)
			writeValue(h, x.Get(k).Value)
		}
	default: // refs, vars, calls: not in a converted input, but keep them apart
		h.Write([]byte{'?'})
		writeString(h, v.String())
	}
}

func writeLen(h hash.Hash, n int) {
	var b [binary.MaxVarintLen64]byte
	h.Write(b[:binary.PutUvarint(b[:], uint64(n))])
}

func writeString(h hash.Hash, s string) {
	writeLen(h, len(s))
	h.Write([]byte(s))
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
	mu sync.Mutex
	m  map[[sha256.Size]byte]*memoVerdict
}

func (m *memo) get(k [sha256.Size]byte) *memoVerdict {
	m.mu.Lock()
	defer m.mu.Unlock()
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
