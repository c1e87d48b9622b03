package engine

import (
	"encoding/json"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// appendJSON must write exactly what encoding/json writes for the generic
// value rego makes of a term, since Details are compared and stored as bytes.
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for _, src := range []string{
		`{"secret": "db", "via": "env", "path": "spec.containers[0].env[1]", "key": ""}`,
		`{"b": 1, "a": [1, 2.5, -3e10], "c": {"z": null, "y": true, "x": false}}`,
		`{"html": "<a href=\"x\">&amp;</a>", "ctl": "tab\there\nnew", "uni": "naïve ☃ \u2028 \u2029", "bs": "a\\b"}`,
		`{"perms": {"get", "list", "watch"}, "empty": {}, "none": [], "nested": [{"k": {"v"}}]}`,
		`{1: "number key", "s": "string key"}`,
		`{"deep": {"set": {{"a": 1}, {"a": 0}}}}`,
	} {
		v := ast.MustParseTerm(src).Value
		x, err := ast.JSON(v)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSON(nil, v); string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", src, got, want)
		}
	}
}

func TestViolationParts(t *testing.T) {
	for _, c := range []struct {
		src, msg, details string
	}{
		{`"plain message"`, "plain message", ""},
		{`{"msg": "with details", "details": {"b": 2, "a": "x"}}`, "with details", `{"a":"x","b":2}`},
		{`{"msg": "empty details", "details": {}}`, "empty details", ""},
		{`{"msg": "details not an object", "details": "x"}`, "details not an object", ""},
		{`{"details": {"a": 1}}`, "map[details:map[a:1]]", `{"a":1}`},
		{`42`, "42", ""},
	} {
		msg, d := violationParts(ast.MustParseTerm(c.src))
		if msg != c.msg || string(d) != c.details {
			t.Errorf("%s: got %q, %q; want %q, %q", c.src, msg, d, c.msg, c.details)
		}
	}
}

func TestResourceOfValue(t *testing.T) {
	got := resourceOfValue(ast.MustParseTerm(`{"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop", "name": "web", "extra": 1}`).Value)
	want := Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := resourceOfValue(ast.MustParseTerm(`{"kind": 3, "name": "n"}`).Value); got != (Resource{Name: "n"}) {
		t.Errorf("non-string kind: got %+v", got)
	}
	if got := resourceOfValue(ast.String("x")); got != (Resource{}) {
		t.Errorf("not an object: got %+v", got)
	}
}
