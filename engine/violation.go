package engine

import (
	"encoding/json"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// Violations are read from OPA's terms as evaluated, not from the generic
// Go values (maps of interfaces) rego makes of every result by default: a
// finding needs only its message, its details as JSON and, at the cluster
// and fleet scopes, its resource and cluster, so building the generic form
// of thousands of violations first is wasted work.

// termResults keeps query results as OPA made them, made once for every
// evaluation.
var termResults = rego.EvalGenerateJSON(func(t *ast.Term, _ *rego.EvalContext) (any, error) { return t, nil })

// violationsOf lists the violations a policy's binding holds: the members
// of its violation set (or array); none when the binding is anything else.
func violationsOf(binding any) []*ast.Term {
	t, _ := binding.(*ast.Term)
	if t == nil {
		return nil
	}
	switch v := t.Value.(type) {
	case ast.Set:
		return v.Slice()
	case *ast.Array:
		out := make([]*ast.Term, v.Len())
		for i := range out {
			out[i] = v.Elem(i)
		}
		return out
	}
	return nil
}

// violationParts reads a violation: {"msg": string, "details": object}, or
// a bare string. A violation without a message is described by its JSON.
func violationParts(raw *ast.Term) (string, Details) {
	switch x := raw.Value.(type) {
	case ast.String:
		return string(x), nil
	case ast.Object:
		msg := stringAt(x, msgKey)
		if msg == "" {
			msg = fmt.Sprint(generic(x))
		}
		var details Details
		if d, ok := valueAt(x, detailsKey).(ast.Object); ok && d.Len() > 0 {
			details = appendJSON(nil, d)
		}
		return msg, details
	}
	return fmt.Sprint(generic(raw.Value)), nil
}

// The keys violations are read by, made once.
var (
	msgKey      = ast.StringTerm("msg")
	detailsKey  = ast.StringTerm("details")
	resourceKey = ast.StringTerm("resource")
	clusterKey  = ast.StringTerm("cluster")
	// resourceKeys are the keys of a resource object, in Resource's order.
	resourceKeys = [...]*ast.Term{ast.StringTerm("apiVersion"), ast.StringTerm("kind"), ast.StringTerm("namespace"), ast.StringTerm("name")}
)

// valueAt is o's value at key, nil when o has none.
func valueAt(o ast.Object, key *ast.Term) ast.Value {
	if t := o.Get(key); t != nil {
		return t.Value
	}
	return nil
}

// stringAt is o's string at key, "" when it has none.
func stringAt(o ast.Object, key *ast.Term) string {
	s, _ := valueAt(o, key).(ast.String)
	return string(s)
}

// resourceOfValue reads a violation's "resource" object; missing or
// non-string fields are empty.
func resourceOfValue(v ast.Value) Resource {
	var r Resource
	o, ok := v.(ast.Object)
	if !ok {
		return r
	}
	for i, dst := range [...]*string{&r.APIVersion, &r.Kind, &r.Namespace, &r.Name} {
		if t := o.Get(resourceKeys[i]); t != nil {
			if s, ok := t.Value.(ast.String); ok {
				*dst = string(s)
			}
		}
	}
	return r
}

// generic is v as the Go value rego would have made of it.
func generic(v ast.Value) any {
	x, err := ast.JSON(v)
	if err != nil {
		return v.String()
	}
	return x
}

// appendJSON appends v encoded as encoding/json encodes the Go value rego
// would have made of it (object keys sorted, sets as arrays in their
// order, HTML characters escaped), without building that value: nulls,
// booleans, numbers, strings, arrays, sets and objects with string keys are
// written directly; anything else goes through the generic form.
func appendJSON(b []byte, v ast.Value) []byte {
	switch x := v.(type) {
	case ast.Null:
		return append(b, "null"...)
	case ast.Boolean:
		if x {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case ast.Number:
		if json.Valid([]byte(x)) {
			return append(b, x...)
		}
	case ast.String:
		return appendJSONString(b, string(x))
	case *ast.Array:
		b = append(b, '[')
		for i := range x.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, x.Elem(i).Value)
		}
		return append(b, ']')
	case ast.Set:
		b = append(b, '[')
		for i, t := range x.Slice() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, t.Value)
		}
		return append(b, ']')
	case ast.Object:
		if stringKeys(x) {
			b = append(b, '{')
			first := true
			x.Foreach(func(k, v *ast.Term) { // in key order, as encoding/json sorts
				if !first {
					b = append(b, ',')
				}
				first = false
				b = appendJSONString(b, string(k.Value.(ast.String)))
				b = append(b, ':')
				b = appendJSON(b, v.Value)
			})
			return append(b, '}')
		}
	}
	raw, err := json.Marshal(generic(v))
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, raw...)
}

func stringKeys(o ast.Object) bool {
	return !o.Until(func(k, _ *ast.Term) bool {
		_, ok := k.Value.(ast.String)
		return !ok
	})
}

// appendJSONString appends s as a JSON string: plain ASCII directly, anything
// that encoding/json escapes through it.
func appendJSONString(b []byte, s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			raw, _ := json.Marshal(s)
			return append(b, raw...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
