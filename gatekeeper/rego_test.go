package gatekeeper

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestValue(t *testing.T) {
	tests := []struct {
		name  string
		in    any
		want  string
		plain bool
	}{
		{"small integers stay", map[string]any{"n": int64(999999)}, `{"n": 999999}`, true},
		{"floats stay", map[string]any{"f": 1.5}, `{"f": 1.5}`, true},
		// encoding/json makes a float64 of it, which OPA spells 1e+06.
		{"a million becomes a float, as in Gatekeeper", map[string]any{"n": int64(1000000)}, `{"n": 1e+06}`, false},
		{"nested in an array", map[string]any{"a": []any{map[string]any{"n": 12345678}}}, `{"a": [{"n": 1.2345678e+07}]}`, false},
		{"json.Number in canonical form", map[string]any{"n": json.Number("42")}, `{"n": 42}`, true},
		{"json.Number in another spelling", map[string]any{"n": json.Number("1000000")}, `{"n": 1e+06}`, false},
		{"strings, bools and null", map[string]any{"s": "x", "b": true, "z": nil}, `{"b": true, "s": "x", "z": null}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, plain, err := Value(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tt.want || plain != tt.plain {
				t.Errorf("Value = %s (plain %v), want %s (plain %v)", v, plain, tt.want, tt.plain)
			}
			if plain {
				direct, _ := ast.InterfaceToValue(tt.in)
				if direct.Compare(v) != 0 {
					t.Errorf("plain, but InterfaceToValue gives %s", direct)
				}
			}
		})
	}
}

const probeTemplate = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sprobe
spec:
  crd:
    spec:
      names:
        kind: K8sProbe
      validation:
        openAPIV3Schema:
          type: object
          properties:
            prefix: {type: string}
  targets:
    - target: admission.k8s.gatekeeper.sh
      code:
        - engine: Rego
          source:
            version: v1
            rego: |
              package k8sprobe

              team := object.get(input.review, ["namespaceObject", "metadata", "labels", "team"], "none")

              violation contains {"msg": msg, "details": {"replicas": input.review.object.spec.replicas}} if {
                msg := sprintf("%s replicas=%v team=%v op=%q", [input.parameters.prefix, input.review.object.spec.replicas, team, input.review.operation])
              }

              # The same message and details twice, with an extra field: the
              # hook's set keeps one.
              violation contains {"msg": "dup", "extra": 1} if input.review.object.spec.dup
              violation contains {"msg": "dup", "extra": 2} if input.review.object.spec.dup
`

const probeConstraint = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sProbe
metadata:
  name: probe
spec:
  parameters:
    prefix: P
`

// probeSet is a Set holding the probe template and its constraint.
func probeSet(t *testing.T) (*Set, *Constraint) {
	t.Helper()
	ctx := context.Background()
	s, err := NewSet()
	if err != nil {
		t.Fatal(err)
	}
	docs, err := ReadDocs("t.yaml", []byte(probeTemplate))
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := ParseTemplate(docs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddTemplate(ctx, tmpl); err != nil {
		t.Fatal(err)
	}
	cdocs, err := ReadDocs("c.yaml", []byte(probeConstraint))
	if err != nil {
		t.Fatal(err)
	}
	con, err := s.AddConstraint(ctx, cdocs[0])
	if err != nil {
		t.Fatal(err)
	}
	return s, con
}

func TestReviewInput(t *testing.T) {
	ctx := context.Background()
	s, con := probeSet(t)
	obj := func(replicas any, dup bool) map[string]any {
		return map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": "d", "namespace": "blue"},
			"spec":     map[string]any{"replicas": replicas, "dup": dup},
		}
	}
	ns := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "blue", "labels": map[string]any{"team": "blue-team"}}}
	tests := []struct {
		name   string
		review Review
		want   []string
	}{
		{"scan: namespaceObject is null, as in gator", Review{Object: obj(int64(3), false), Namespace: ns, Point: PointScan},
			[]string{`P replicas=3 team=none op=""`}},
		{"audit: namespaceObject is the Namespace", Review{Object: obj(int64(3), false), Namespace: ns, Point: PointAudit},
			[]string{`P replicas=3 team=blue-team op=""`}},
		{"webhook: operation and namespaceObject", Review{Object: obj(int64(3), false), Operation: "CREATE", Namespace: ns, Point: PointWebhook},
			[]string{`P replicas=3 team=blue-team op="CREATE"`}},
		{"big integers read as Gatekeeper reads them", Review{Object: obj(int64(2000000), false), Point: PointScan},
			[]string{`P replicas=2e+06 team=none op=""`}},
		{"a given ObjectValue is used", Review{Object: obj(int64(3), false), ObjectValue: mustValue(t, obj(int64(4), false)), Point: PointScan},
			[]string{`P replicas=4 team=none op=""`}},
		{"a given NamespaceValue is used", Review{Object: obj(int64(3), false), Namespace: ns, Point: PointAudit,
			NamespaceValue: mustValue(t, map[string]any{"metadata": map[string]any{"name": "blue", "labels": map[string]any{"team": "given"}}})},
			[]string{`P replicas=3 team=given op=""`}},
		{"duplicate results collapse", Review{Object: obj(int64(1), true), Point: PointScan},
			[]string{`P replicas=1 team=none op=""`, "dup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs, err := s.Review(ctx, &tt.review, []*Constraint{con})
			if err != nil {
				t.Fatal(err)
			}
			if len(outs) != 1 {
				t.Fatalf("got %d outcomes, want 1", len(outs))
			}
			var got []string
			for _, v := range outs[0].Violations {
				got = append(got, v.Msg)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("messages = %q, want %q", got, tt.want)
			}
			if d := outs[0].Violations[0].Details; d == nil || d["replicas"] == nil {
				t.Errorf("details = %v, want replicas", d)
			}
		})
	}
}

func mustValue(t *testing.T, obj map[string]any) ast.Value {
	t.Helper()
	v, _, err := Value(obj)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A context that ends during evaluation is an error, not a violation
// carrying "context canceled" that a caller would count as a finding.
func TestReviewCancelledIsAnError(t *testing.T) {
	s, con := probeSet(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	obj := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "d", "namespace": "blue"}, "spec": map[string]any{"replicas": int64(3)}}
	outs, err := s.Review(ctx, &Review{Object: obj, Point: PointScan}, []*Constraint{con})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Review under a cancelled context = %+v, %v; want context.Canceled", outs, err)
	}
}
