package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fleetguard/fleetguard/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixture returns a Result with every shape a writer must handle: scan
// findings with sources (two on one resource), an excepted finding, a
// cluster finding without a source, passes, an input error and a warning,
// and the audit sections. Findings are deliberately out of order.
func fixture() *engine.Result {
	web := engine.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "default", Name: "web"}
	webSrc := &engine.Source{File: "manifests/web app.yaml", Line: 12}
	debug := engine.Resource{APIVersion: "v1", Kind: "Pod", Namespace: "kube-system", Name: "debug"}
	debugSrc := &engine.Source{File: "manifests/debug.yaml", Line: 1}
	binding := engine.Resource{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding", Name: "ops-admin"}
	privControls := map[string][]string{"cis-k8s": {"5.2.1"}, "nsa": {"pod-security"}}
	adminControls := map[string][]string{"cis-k8s": {"5.1.1"}}

	return &engine.Result{
		Policies: []engine.Policy{
			{
				ID: "K8S-001", Title: "Privileged container", Severity: engine.SeverityCritical, Scope: "object",
				Description: "Containers must not run privileged.\nPrivileged containers have full access to the host.",
				Controls:    privControls, Remediation: "Set securityContext.privileged to false.",
			},
			{
				ID: "K8S-010", Title: "Image uses the latest tag", Severity: engine.SeverityMedium, Scope: "object",
				Controls: map[string][]string{"cis-k8s": {"5.5.1"}}, Remediation: "Pin images by tag or digest.",
			},
			{
				ID: "K8S-020", Title: "Binding to cluster-admin", Severity: engine.SeverityHigh, Scope: "cluster",
				Controls: adminControls, Description: "Only break-glass groups may hold cluster-admin.",
			},
			{ID: "K8S-030", Title: "Missing owner label", Severity: engine.SeverityLow, Scope: "object"},
		},
		Findings: []engine.Finding{
			{
				PolicyID: "K8S-010", Title: "Image uses the latest tag", Severity: engine.SeverityMedium,
				Controls: map[string][]string{"cis-k8s": {"5.5.1"}}, Resource: web, Source: webSrc, Scope: "object",
				Message: `container "app" uses image nginx:latest`,
			},
			{
				PolicyID: "K8S-001", Title: "Privileged container", Severity: engine.SeverityCritical,
				Controls: privControls, Resource: web, Source: webSrc, Scope: "object",
				Message: `container "app" is privileged | runs as <root> & more`,
				Details: engine.Details(`{"container":"app"}`),
			},
			{
				PolicyID: "K8S-001", Title: "Privileged container", Severity: engine.SeverityCritical,
				Controls: privControls, Resource: web, Source: webSrc, Scope: "object",
				Message: `container "sidecar" is privileged`,
			},
			{
				PolicyID: "K8S-001", Title: "Privileged container", Severity: engine.SeverityCritical,
				Controls: privControls, Resource: debug, Source: debugSrc, Scope: "object",
				Message: `container "shell" is privileged`,
				Excepted: &engine.AppliedException{
					Reason: "break-glass debugging pod", Ticket: "SEC-42", Approver: "alice", Expires: "2030-01-01",
				},
			},
			{
				PolicyID: "K8S-020", Title: "Binding to cluster-admin", Severity: engine.SeverityHigh,
				Controls: adminControls, Resource: binding, Cluster: "eu-prod", Scope: "cluster",
				Message: "group \"ops\" is bound to cluster-admin\nvia ClusterRoleBinding ops-admin",
			},
		},
		Passes: []engine.Pass{
			{PolicyID: "K8S-030", Resource: web, Source: webSrc},
			{PolicyID: "K8S-010", Resource: debug, Source: debugSrc},
			{
				PolicyID: "K8S-020", Cluster: "eu-prod",
				Resource: engine.Resource{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding", Name: "view"},
			},
		},
		Stats: map[string]engine.PolicyStats{
			"K8S-001": {Evaluated: 2, Failed: 2},
			"K8S-010": {Evaluated: 2, Failed: 1},
			"K8S-020": {Evaluated: 2, Failed: 1},
			"K8S-030": {Evaluated: 1, Failed: 0},
		},
		Errors: []engine.InputError{
			{File: "manifests/broken.yaml", Line: 3, Message: "yaml: mapping values are not allowed in this context"},
			{Cluster: "us-dev", Object: "NetworkPolicy", Message: "listing: forbidden", Warning: true},
		},
		Clusters: []engine.ClusterStatus{
			{Name: "eu-prod", State: engine.ClusterComplete, ServerVersion: "v1.31.2", Objects: 120},
			{
				Name: "us-dev", State: engine.ClusterPartial, ServerVersion: "v1.30.5", Objects: 57,
				Errors: []string{"listing networkpolicies: forbidden"}, MissingKinds: []string{"NetworkPolicy"},
			},
		},
		Controls: []engine.ControlResult{
			{Framework: "cis-k8s", Control: "5.1.1", Title: "Limit cluster-admin", Cluster: "eu-prod", Status: engine.ControlFail, Policies: []string{"K8S-020"}, Passed: 1, Failed: 1},
			{Framework: "cis-k8s", Control: "5.2.1", Title: "No privileged containers", Cluster: "eu-prod", Status: engine.ControlPass, Policies: []string{"K8S-001"}, Passed: 3},
		},
		Scores: []engine.Score{
			{Framework: "cis-k8s", Cluster: "eu-prod", Passed: 1, Failed: 1, Manual: 2, Percent: 50},
			{Framework: "cis-k8s", Passed: 1, Failed: 1, Manual: 2, NotApplicable: 1, Percent: 50},
		},
		Exceptions: []engine.ExceptionStatus{
			{Policy: "K8S-001", AppliedException: engine.AppliedException{Reason: "break-glass debugging pod", Ticket: "SEC-42", Approver: "alice", Expires: "2030-01-01"}, Matched: 1},
			{Policy: "K8S-020", AppliedException: engine.AppliedException{Reason: "old migration", Expires: "2024-01-01"}, Expired: true},
		},
		Provenance: engine.Provenance{
			EngineVersion: "0.1.0-test",
			BundleDigest:  "sha256:5f2b0c1d",
			Time:          time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC),
		},
	}
}

// render runs a writer on r and fails the test on error.
func render(t *testing.T, w Writer, r *engine.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatalf("%T.Write: %v", w, err)
	}
	return buf.Bytes()
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading golden file (run go test ./reports -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test ./reports -update and review the diff)\n--- got ---\n%s", path, got)
	}
}

// TestNewFormats checks that every format is registered under its name and
// that options reach the writers that use them.
func TestNewFormats(t *testing.T) {
	opts := Options{Color: true, ToolName: "fg", ToolURI: "https://example.com/fg"}
	tests := []struct {
		format string
		want   Writer
	}{
		{"table", Table{Color: true}},
		{"json", JSON{}},
		{"yaml", YAML{}},
		{"sarif", SARIF{ToolName: "fg", ToolURI: "https://example.com/fg"}},
		{"junit", JUnit{}},
		{"markdown", Markdown{}},
		{"csv", CSV{}},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			w, err := New(tc.format, opts)
			if err != nil {
				t.Fatal(err)
			}
			if w != tc.want {
				t.Errorf("New(%q) = %#v, want %#v", tc.format, w, tc.want)
			}
		})
	}
}

// sortedValues is sortedFindings as values, to compare with decoded findings.
func sortedValues(r *engine.Result) []engine.Finding {
	var out []engine.Finding
	for _, f := range sortedFindings(r) {
		out = append(out, *f)
	}
	return out
}
