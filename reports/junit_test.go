package reports

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
)

func decodeJUnit(t *testing.T, out []byte) junitSuites {
	t.Helper()
	var s junitSuites
	if err := xml.Unmarshal(out, &s); err != nil {
		t.Fatalf("output is not JUnit XML: %v\n%s", err, out)
	}
	return s
}

func TestJUnit(t *testing.T) {
	out := render(t, JUnit{}, fixture())
	golden(t, "junit.golden", out)
	if !strings.HasPrefix(string(out), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Errorf("missing XML header: %.60s", out)
	}
	s := decodeJUnit(t, out)

	// 4 policies: K8S-001 web (fail) + debug (excepted, skipped);
	// K8S-010 web (fail) + debug (pass); K8S-020 ops-admin (fail) + view
	// (pass); K8S-030 web (pass). Then 2 input errors (1 error, 1 warning).
	if s.Tests != 9 || s.Failures != 3 || s.Errors != 1 || s.Skipped != 2 {
		t.Errorf("testsuites counts tests=%d failures=%d errors=%d skipped=%d, want 9 3 1 2",
			s.Tests, s.Failures, s.Errors, s.Skipped)
	}
	wantSuites := []struct {
		name                             string
		tests, failures, errors, skipped int
	}{
		{"K8S-001: Privileged container", 2, 1, 0, 1},
		{"K8S-010: Image uses the latest tag", 2, 1, 0, 0},
		{"K8S-020: Binding to cluster-admin", 2, 1, 0, 0},
		{"K8S-030: Missing owner label", 1, 0, 0, 0},
		{junitInputSuite, 2, 0, 1, 1},
	}
	if len(s.Suites) != len(wantSuites) {
		t.Fatalf("got %d suites, want %d", len(s.Suites), len(wantSuites))
	}
	for i, want := range wantSuites {
		got := s.Suites[i]
		t.Run(want.name, func(t *testing.T) {
			if got.Name != want.name || got.Tests != want.tests || got.Failures != want.failures ||
				got.Errors != want.errors || got.Skipped != want.skipped || len(got.Cases) != want.tests {
				t.Errorf("suite = %q tests=%d failures=%d errors=%d skipped=%d cases=%d, want %+v",
					got.Name, got.Tests, got.Failures, got.Errors, got.Skipped, len(got.Cases), want)
			}
		})
	}

	t.Run("two findings on one resource share a testcase", func(t *testing.T) {
		var web *junitCase
		for i, c := range s.Suites[0].Cases {
			if c.Name == "Deployment/default/web (manifests/web app.yaml:12)" {
				web = &s.Suites[0].Cases[i]
			}
		}
		if web == nil || web.Classname != "K8S-001" || web.Failure == nil {
			t.Fatalf("web testcase = %+v", web)
		}
		f := web.Failure
		if f.Type != "critical" || f.Message != `container "app" is privileged | runs as <root> & more; container "sidecar" is privileged` {
			t.Errorf("failure type %q message %q", f.Type, f.Message)
		}
		for _, want := range []string{
			"[critical] container \"sidecar\" is privileged\n",
			"controls: cis-k8s:5.2.1, nsa:pod-security\n",
			"remediation: Set securityContext.privileged to false.\n",
		} {
			if !strings.Contains(f.Text, want) {
				t.Errorf("failure text lacks %q:\n%s", want, f.Text)
			}
		}
	})

	t.Run("excepted finding is skipped and noted", func(t *testing.T) {
		c := s.Suites[0].Cases[1]
		if c.Name != "Pod/kube-system/debug (manifests/debug.yaml:1)" || c.Failure != nil || c.Skipped == nil {
			t.Fatalf("debug testcase = %+v", c)
		}
		if c.Skipped.Message != "excepted: break-glass debugging pod" {
			t.Errorf("skipped message = %q", c.Skipped.Message)
		}
		want := `excepted: container "shell" is privileged (break-glass debugging pod, ticket SEC-42, approved by alice, expires 2030-01-01)`
		if c.SystemOut != want {
			t.Errorf("system-out = %q, want %q", c.SystemOut, want)
		}
	})

	t.Run("cluster finding names its cluster", func(t *testing.T) {
		c := s.Suites[2].Cases[0]
		if c.Name != "ClusterRoleBinding/ops-admin (cluster eu-prod)" || c.Failure == nil || c.Failure.Type != "high" {
			t.Errorf("cluster testcase = %+v", c)
		}
		if pass := s.Suites[2].Cases[1]; pass.Name != "ClusterRoleBinding/view (cluster eu-prod)" || pass.Failure != nil || pass.Skipped != nil {
			t.Errorf("passing testcase = %+v", pass)
		}
	})

	t.Run("input errors", func(t *testing.T) {
		cases := s.Suites[4].Cases
		if cases[0].Name != "manifests/broken.yaml:3" || cases[0].Error == nil ||
			cases[0].Error.Message != "yaml: mapping values are not allowed in this context" {
			t.Errorf("error testcase = %+v", cases[0])
		}
		if cases[1].Name != "cluster us-dev NetworkPolicy" || cases[1].Skipped == nil || cases[1].Error != nil {
			t.Errorf("warning testcase = %+v", cases[1])
		}
	})
}

func TestJUnitEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		r    *engine.Result
		want string // a substring of the output
		tc   int    // total testcases
	}{
		{"empty result", &engine.Result{}, `<testsuites name="fleetguard" tests="0" failures="0" errors="0" skipped="0"></testsuites>`, 0},
		{
			"finding of a policy missing from Policies",
			&engine.Result{Findings: []engine.Finding{{
				PolicyID: "GK-labels", Title: "Labels", Severity: engine.SeverityLow,
				Resource: engine.Resource{Kind: "Namespace", Name: "a"}, Message: "bad\x00control char",
			}}},
			`<testsuite name="GK-labels: Labels" tests="1" failures="1"`, 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, JUnit{}, tc.r)
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
			if s := decodeJUnit(t, out); s.Tests != tc.tc {
				t.Errorf("tests = %d, want %d", s.Tests, tc.tc)
			}
		})
	}
}
