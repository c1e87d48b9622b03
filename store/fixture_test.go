package store

import (
	"fmt"
	"time"

	"github.com/fleetguard/fleetguard/engine"
)

// t0 is the start of the first audit in every test.
var t0 = time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)

// fixture returns an audit of two clusters with every shape the store must
// keep: findings with and without sources, details, controls and an
// exception; a partial cluster with errors and labels; fleet and
// per-cluster scores; controls; exceptions; policies, stats, input errors
// and provenance with snapshot digests.
func fixture() *engine.Result {
	web := engine.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	admin := engine.Resource{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding", Name: "ops-admin"}
	priv := map[string][]string{"cis-k8s": {"5.2.1"}, "nsa": {"pod-security"}}
	return &engine.Result{
		Policies: []engine.Policy{
			{ID: "FG-POD-001", Title: "Privileged container", Severity: engine.SeverityCritical, Scope: "object", Controls: priv},
			{ID: "FG-RBAC-001", Title: "Binding to cluster-admin", Severity: engine.SeverityHigh, Scope: "cluster"},
		},
		Findings: []engine.Finding{
			{
				PolicyID: "FG-POD-001", Title: "Privileged container", Severity: engine.SeverityCritical, Controls: priv,
				Resource: web, Cluster: "eu-prod", Scope: "object", Message: `container "app" is privileged`,
				Details: engine.Details(`{"container":"app"}`),
			},
			{
				PolicyID: "FG-RBAC-001", Title: "Binding to cluster-admin", Severity: engine.SeverityHigh,
				Resource: admin, Cluster: "eu-prod", Scope: "cluster", Enforcement: "warn",
				Message:  "group \"ops\" is bound to cluster-admin\nvia <b>ops-admin</b> & more",
				Excepted: &engine.AppliedException{Reason: "break-glass", Ticket: "SEC-42", Approver: "alice", Expires: "2030-01-01"},
			},
			{
				PolicyID: "FG-POD-001", Title: "Privileged container", Severity: engine.SeverityCritical,
				Resource: web, Cluster: "us-dev", Scope: "object", Message: `container "app" is privileged`,
				Source: &engine.Source{File: "snap/us-dev.json", Line: 12},
			},
		},
		Stats: map[string]engine.PolicyStats{"FG-POD-001": {Evaluated: 4, Failed: 2}, "FG-RBAC-001": {Evaluated: 9, Failed: 1}},
		Errors: []engine.InputError{
			{Cluster: "us-dev", Object: "NetworkPolicy", Message: "listing: forbidden", Warning: true},
		},
		Clusters: []engine.ClusterStatus{
			{Name: "eu-prod", Context: "kind-eu", State: engine.ClusterComplete, ServerVersion: "v1.36.3",
				SnapshotDigest: "sha256:aaa", Labels: map[string]string{"env": "prod"}, Objects: 120},
			{Name: "us-dev", State: engine.ClusterPartial, ServerVersion: "v1.33.1", SnapshotDigest: "sha256:bbb", Objects: 57,
				Errors: []string{"listing networkpolicies: forbidden"}, MissingKinds: []string{"NetworkPolicy"}},
		},
		Controls: []engine.ControlResult{
			{Framework: "cis-k8s", Control: "5.2.1", Title: "No privileged containers", Cluster: "eu-prod",
				Status: engine.ControlFail, Policies: []string{"FG-POD-001"}, Passed: 1, Failed: 1},
			{Framework: "cis-k8s", Control: "5.1.1", Title: "Limit cluster-admin", Status: engine.ControlManual},
		},
		Scores: []engine.Score{
			{Framework: "cis-k8s", Cluster: "eu-prod", Passed: 3, Failed: 1, Manual: 2, Percent: 75},
			{Framework: "cis-k8s", Cluster: "us-dev", Passed: 1, Failed: 1, Manual: 2, NotApplicable: 1, Percent: 50},
			{Framework: "cis-k8s", Passed: 4, Failed: 2, Manual: 2, NotApplicable: 1, Percent: 66.66666666666667},
			{Framework: "nsa", Passed: 1, Failed: 0, Percent: 100},
		},
		Exceptions: []engine.ExceptionStatus{
			{Policy: "FG-RBAC-001", AppliedException: engine.AppliedException{Reason: "break-glass", Ticket: "SEC-42", Approver: "alice", Expires: "2030-01-01"}, Matched: 1},
			{Policy: "FG-POD-001", AppliedException: engine.AppliedException{Reason: "old migration", Expires: "2024-01-01"}, Expired: true},
		},
		Provenance: engine.Provenance{
			EngineVersion: "0.3.0", BundleDigest: "sha256:bundle", BundleRevision: "r7",
			SnapshotDigests: map[string]string{"eu-prod": "sha256:aaa", "us-dev": "sha256:bbb"},
			Time:            t0.Add(123456789 * time.Nanosecond),
		},
	}
}

// clusterAudit returns an audit of one cluster, as an agent pushes it,
// with n findings and a cis-k8s score of passed/failed.
func clusterAudit(cluster string, at time.Time, n, passed, failed int) *engine.Result {
	r := &engine.Result{
		Clusters:   []engine.ClusterStatus{{Name: cluster, State: engine.ClusterComplete, Objects: n}},
		Provenance: engine.Provenance{EngineVersion: "0.3.0", BundleDigest: "sha256:bundle", Time: at},
	}
	for i := range n {
		r.Findings = append(r.Findings, engine.Finding{
			PolicyID: "FG-POD-001", Title: "Privileged container", Severity: engine.SeverityCritical, Cluster: cluster,
			Resource: engine.Resource{APIVersion: "v1", Kind: "Pod", Namespace: "ns", Name: fmt.Sprintf("pod-%d", i)},
			Message:  `container "app" is privileged`, Scope: "object",
		})
	}
	pct := 0.0
	if passed+failed > 0 {
		pct = float64(passed) / float64(passed+failed) * 100
	}
	r.Scores = []engine.Score{{Framework: "cis-k8s", Cluster: cluster, Passed: passed, Failed: failed, Percent: pct}}
	return r
}
