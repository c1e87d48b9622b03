package gatekeeper

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyTree runs every suite under testdata/gatekeeper and checks each
// case's outcome by name.
func TestVerifyTree(t *testing.T) {
	files, err := FindSuites([]string{"../testdata/gatekeeper/..."})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 9 {
		t.Fatalf("found %d suites, want 9: %v", len(files), files)
	}
	rs := NewVerifier().Verify(context.Background(), files)
	cases := map[string]bool{}
	for _, r := range rs {
		if r.Error != nil {
			t.Errorf("%s: %v", r.Path, r.Error)
		}
		for _, tr := range r.Tests {
			if tr.Error != nil {
				t.Errorf("%s: %s: %v", r.Path, tr.Name, tr.Error)
			}
			for _, c := range tr.Cases {
				cases[tr.Name+"/"+c.Name] = c.Error == nil
				if c.Error != nil {
					t.Errorf("%s: %s/%s: %v", r.Path, tr.Name, c.Name, c.Error)
				}
			}
		}
	}
	for _, name := range []string{
		"kinds/deployment-does-not", "scope-cluster/clusterrole", "namespaces/prefix-glob",
		"excluded-namespaces/suffix-glob", "label-selector/labelled", "namespace-selector/unknown-namespace-autorejects",
		"name/prefix-glob", "unique-ingress-host/empty-inventory", "protected-namespace/delete-by-developer",
		"rego-v0-with-libs/latest-and-untagged", "cel-and-rego-runs-rego/too-many", "privileged-container/update-is-ignored",
	} {
		if pass, ok := cases[name]; !ok || !pass {
			t.Errorf("case %s: ran %v, passed %v", name, ok, pass)
		}
	}
	if s := Summarize(rs); s.Passed != 56 || s.Failed != 0 {
		t.Errorf("summary %+v, want 56 passed", s)
	}
}

// TestVerifyFailures writes suites that must fail and checks the message of
// each failure.
func TestVerifyFailures(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(filepath.Join("../testdata/gatekeeper", p))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name  string
		suite string
		want  string // in the test's or the case's error
	}{
		{"compile error names template and line", `
tests:
- name: t
  template: ` + abs("errors/compile-error-template.yaml") + `
  constraint: ` + abs("match/constraints/all.yaml") + `
  cases: [{name: c, object: ` + abs("match/objects/pod-prod.yaml") + `, assertions: [{violations: no}]}]
`, `ConstraintTemplate "k8sbroken": unable to compile modules: 1 error occurred: ` + abs("errors/compile-error-template.yaml") + `:17 (rego line 5): rego_unsafe_var_error`},
		{"CEL-only template is unsupported", `
tests:
- name: t
  template: ` + abs("errors/cel-only-template.yaml") + `
  constraint: ` + abs("match/constraints/all.yaml") + `
`, `ConstraintTemplate "k8scelonly": unsupported ConstraintTemplate: it has no Rego code (engines: K8sNativeValidation)`},
		{"no assertions", `
tests:
- name: t
  template: ` + abs("match/template.yaml") + `
  constraint: ` + abs("match/constraints/all.yaml") + `
  cases: [{name: c, object: ` + abs("match/objects/pod-prod.yaml") + `}]
`, "assertions must be non-empty"},
		{"yes but none", `
tests:
- name: t
  template: ` + abs("match/template.yaml") + `
  constraint: ` + abs("match/constraints/kinds.yaml") + `
  cases: [{name: c, object: ` + abs("match/objects/clusterrole.yaml") + `, assertions: [{violations: yes}]}]
`, "got 0 violations but want at least 1"},
		{"count mismatch with message", `
tests:
- name: t
  template: ` + abs("match/template.yaml") + `
  constraint: ` + abs("match/constraints/all.yaml") + `
  cases: [{name: c, object: ` + abs("match/objects/pod-prod.yaml") + `, assertions: [{violations: 2, message: matched}]}]
`, `got 1 violations containing "matched" but want exactly 2`},
		{"message is case-sensitive", `
tests:
- name: t
  template: ` + abs("match/template.yaml") + `
  constraint: ` + abs("match/constraints/all.yaml") + `
  cases: [{name: c, object: ` + abs("match/objects/pod-prod.yaml") + `, assertions: [{violations: yes, message: MATCHED}]}]
`, `got 0 violations containing "MATCHED"`},
		{"bad violations value", `
tests:
- name: t
  template: ` + abs("match/template.yaml") + `
  constraint: ` + abs("match/constraints/all.yaml") + `
  cases: [{name: c, object: ` + abs("match/objects/pod-prod.yaml") + `, assertions: [{violations: true}]}]
`, "assertion violations must be yes, no or a non-negative integer"},
		{"object file with two objects", `
tests:
- name: t
  template: ` + abs("match/template.yaml") + `
  constraint: ` + abs("match/constraints/all.yaml") + `
  cases: [{name: c, object: ` + abs("match/objects/namespaces.yaml") + `, assertions: [{violations: yes}]}]
`, "defines 2 objects, want exactly one"},
		{"AdmissionReview without request", `
tests:
- name: t
  template: ` + abs("match/template.yaml") + `
  constraint: ` + abs("match/constraints/all.yaml") + `
  cases: [{name: c, object: ` + abs("admission/no-request.yaml") + `, assertions: [{violations: yes}]}]
`, "invalid AdmissionReview: no request"},
		{"invalid constraint that is valid", `
tests:
- name: t
  template: ` + abs("match/template.yaml") + `
  constraint: ` + abs("match/constraints/all.yaml") + `
  invalid: true
`, "the constraint is valid, but the test says invalid: true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "suite.yaml")
			src := "apiVersion: test.gatekeeper.sh/v1alpha1\nkind: Suite\n" + tt.suite
			if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			r := NewVerifier().RunFile(context.Background(), file)
			if !r.Failed() {
				t.Fatal("suite passed")
			}
			var msgs []string
			if r.Error != nil {
				msgs = append(msgs, r.Error.Error())
			}
			for _, tr := range r.Tests {
				if tr.Error != nil {
					msgs = append(msgs, tr.Error.Error())
				}
				for _, c := range tr.Cases {
					if c.Error != nil {
						msgs = append(msgs, c.Error.Error())
					}
				}
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tt.want) {
				t.Errorf("errors %q do not contain %q", msgs, tt.want)
			}
		})
	}
}

func TestFindSuites(t *testing.T) {
	tests := []struct {
		path string
		want int
	}{
		{"../testdata/gatekeeper/match", 1},
		{"../testdata/gatekeeper/match/suite.yaml", 1},
		{"../testdata/gatekeeper/library", 0},
		{"../testdata/gatekeeper/library/...", 5},
		{"../testdata/gatekeeper/bundle/...", 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			files, err := FindSuites([]string{tt.path})
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != tt.want {
				t.Errorf("found %v, want %d", files, tt.want)
			}
		})
	}
}

func TestReports(t *testing.T) {
	files, err := FindSuites([]string{"../testdata/gatekeeper/library/..."})
	if err != nil {
		t.Fatal(err)
	}
	rs := NewVerifier().Verify(context.Background(), files)
	var text, js, junit bytes.Buffer
	if err := WriteText(&text, rs, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(text.String()), "\n")
	if len(lines) != 7 || !strings.HasPrefix(lines[0], "ok  \t../testdata/gatekeeper/library/allowedrepos/suite.yaml\t") ||
		lines[5] != "PASS" || lines[6] != "5 suites, 15 cases: 15 passed, 0 failed, 0 skipped" {
		t.Errorf("text report:\n%s", text.String())
	}
	if err := WriteJSON(&js, rs); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Suites []struct {
			Path   string
			Passed bool
		}
		Summary Summary
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Suites) != 5 || !doc.Suites[0].Passed || doc.Summary.Passed != 15 {
		t.Errorf("json report: %s", js.String())
	}
	if err := WriteJUnit(&junit, rs); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(junit.String(), "<testcase "); n != 15 || strings.Contains(junit.String(), "<failure") {
		t.Errorf("junit report has %d testcases:\n%s", n, junit.String())
	}
}
