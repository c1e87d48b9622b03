// Package schema compiles the JSON Schemas embedded in Fleetguard and turns
// validation failures into plain, sorted problems with their JSON pointers,
// so every document users hand us fails the same readable way.
package schema

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// Problem is one leaf validation failure: where (a JSON pointer, "/" for the
// root) and what.
type Problem struct {
	Pointer string
	Message string
}

// String formats the problem as "at /path: message".
func (p Problem) String() string { return fmt.Sprintf("at %s: %s", p.Pointer, p.Message) }

// Compiled returns a function that compiles the schema once, on first use.
// url is the schema's identity; assertFormat enables "format" assertions.
func Compiled(url string, raw []byte, assertFormat bool) func() (*jsonschema.Schema, error) {
	return sync.OnceValues(func() (*jsonschema.Schema, error) {
		c := jsonschema.NewCompiler()
		c.AssertFormat = assertFormat
		if err := c.AddResource(url, bytes.NewReader(raw)); err != nil {
			return nil, fmt.Errorf("loading schema %s: %w", url, err)
		}
		s, err := c.Compile(url)
		if err != nil {
			return nil, fmt.Errorf("compiling schema %s: %w", url, err)
		}
		return s, nil
	})
}

// sortedNames is e's message, with the property names of an
// additionalProperties or unevaluatedProperties failure sorted: the
// validator lists them in map order, so the same document would otherwise
// give a different message from one run to the next.
func sortedNames(e *jsonschema.ValidationError) string {
	for _, kw := range []string{"additionalProperties", "unevaluatedProperties"} {
		if !strings.HasSuffix(e.KeywordLocation, "/"+kw) {
			continue
		}
		list, ok := strings.CutPrefix(e.Message, kw+" ")
		if list, ok2 := strings.CutSuffix(list, " not allowed"); ok && ok2 {
			names := strings.Split(list, ", ")
			sort.Strings(names)
			return kw + " " + strings.Join(names, ", ") + " not allowed"
		}
	}
	return e.Message
}

// Problems returns the leaf failures of a validation error, sorted and
// without duplicates; nil when err is not a validation error.
func Problems(err error) []Problem {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	seen := map[Problem]bool{}
	var out []Problem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			p := Problem{Pointer: e.InstanceLocation, Message: sortedNames(e)}
			if p.Pointer == "" {
				p.Pointer = "/"
			}
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}
