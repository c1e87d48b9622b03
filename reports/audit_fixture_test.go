package reports

import (
	"time"

	"github.com/fleetguard/fleetguard/engine"
)

// Hostile strings an attacker can put in an object's name or annotations.
// Reports must show them as text and run nothing.
const (
	hostileScript = `<script>document.title='pwned'</script>`
	hostileImg    = `"><img src=x onerror="document.title='pwned'">`
)

// auditTime is when the fixture audit ran.
var auditTime = time.Date(2025, 3, 14, 9, 26, 0, 0, time.UTC)

// auditFixture returns the Result of a realistic fleet audit: three
// clusters (complete, partial, unreachable), the three frameworks we ship,
// controls of every status, exceptions (one expired), and findings on
// objects whose names and annotations hold HTML and JavaScript.
func auditFixture() *engine.Result {
	const (
		cis = "cis-k8s-v1.10"
		nsa = "nsa-cisa-v1.2"
		pss = "pss"
	)
	privileged := map[string][]string{
		cis: {"5.2.2"}, nsa: {"pod-security/non-root-and-unprivileged"}, pss: {"baseline/privileged-containers"},
	}
	hostPath := map[string][]string{cis: {"5.2.12"}, pss: {"baseline/host-path-volumes"}}
	admin := map[string][]string{cis: {"5.1.1"}, nsa: {"rbac/least-privilege"}}

	pod := func(ns, name string) engine.Resource {
		return engine.Resource{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: name}
	}
	deploy := func(ns, name string) engine.Resource {
		return engine.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: name}
	}
	finding := func(cluster, policy, title string, sev engine.Severity, ctl map[string][]string, res engine.Resource, msg string) engine.Finding {
		return engine.Finding{
			PolicyID: policy, Title: title, Severity: sev, Controls: ctl, Resource: res,
			Message: msg, Cluster: cluster, Scope: "object",
		}
	}

	var findings []engine.Finding
	findings = append(findings,
		finding("eu-prod", "K8S-POD-001", "Privileged container", engine.SeverityCritical, privileged,
			pod("payments", "evil"+hostileImg), `container "app" is privileged`),
		finding("eu-prod", "K8S-POD-001", "Privileged container", engine.SeverityCritical, privileged,
			pod("payments", "annotated"),
			`container "shell" is privileged; annotation note="`+hostileScript+`"`),
		finding("us-staging", "K8S-POD-001", "Privileged container", engine.SeverityCritical, privileged,
			deploy("café-東京", "ingest"), `container "worker" is privileged – owner ünïcode ✓`),
		finding("eu-prod", "K8S-POD-012", "Sensitive host path mounted", engine.SeverityHigh, hostPath,
			deploy("monitoring", "node-exporter"), `volume "root" mounts host path "/" which exposes the whole node filesystem to the container`),
		engine.Finding{
			PolicyID: "K8S-RBAC-001", Title: "Binding to cluster-admin", Severity: engine.SeverityHigh, Controls: admin,
			Resource: engine.Resource{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding", Name: "ops-admin"},
			Message:  `group "ops" is bound to cluster-admin`, Cluster: "eu-prod", Scope: "cluster",
			Excepted: &engine.AppliedException{Reason: "break-glass group for incidents", Ticket: "SEC-42", Approver: "alice@example.com", Expires: "2025-12-31"},
		},
	)
	// Enough failing pods in one control to exceed the evidence cap.
	for i := 0; i < evidenceCap+3; i++ {
		findings = append(findings, finding("us-staging", "K8S-POD-012", "Sensitive host path mounted", engine.SeverityHigh, hostPath,
			pod("batch", "job-"+string(rune('a'+i))), `volume "docker" mounts host path "/var/run/docker.sock"`))
	}

	control := func(fw, id, title, cluster, status string, passed, failed int, policies ...string) engine.ControlResult {
		return engine.ControlResult{Framework: fw, Control: id, Title: title, Cluster: cluster, Status: status, Policies: policies, Passed: passed, Failed: failed}
	}
	var controls []engine.ControlResult
	for _, c := range []struct {
		name   string
		status [6]string // cis 5.1.1, 5.2.2, 5.2.12, 5.7.4 ; nsa rbac, pss privileged
		fail   [6]int
	}{
		{"eu-prod", [6]string{"pass", "fail", "fail", "manual", "fail", "fail"}, [6]int{0, 2, 1, 0, 0, 2}},
		{"us-staging", [6]string{"pass", "fail", "fail", "manual", "pass", "fail"}, [6]int{0, 1, 13, 0, 0, 1}},
	} {
		controls = append(controls,
			control(cis, "5.1.1", "Ensure that the cluster-admin role is only used where required", c.name, c.status[0], 4, c.fail[0], "K8S-RBAC-001"),
			control(cis, "5.2.2", "Minimize the admission of privileged containers", c.name, c.status[1], 20, c.fail[1], "K8S-POD-001"),
			control(cis, "5.2.12", "Minimize the admission of HostPath volumes", c.name, c.status[2], 18, c.fail[2], "K8S-POD-012"),
			control(cis, "5.7.4", "The default namespace should not be used", c.name, c.status[3], 0, 0),
			control(nsa, "rbac/least-privilege", "Use least-privilege RBAC roles", c.name, c.status[4], 4, c.fail[4], "K8S-RBAC-001"),
			control(nsa, "pod-security/non-root-and-unprivileged", "Run containers as non-root and unprivileged", c.name, "fail", 20, c.fail[1], "K8S-POD-001"),
			control(pss, "baseline/privileged-containers", "Privileged containers are disallowed", c.name, c.status[5], 20, c.fail[5], "K8S-POD-001"),
			control(pss, "baseline/host-path-volumes", "HostPath volumes are forbidden", c.name, c.status[2], 18, c.fail[2], "K8S-POD-012"),
			control(pss, "baseline/windows-host-process", "Windows HostProcess pods are disallowed", c.name, "not-applicable", 0, 0),
		)
	}
	controls = append(controls, control(cis, "5.1.1", "Ensure that the cluster-admin role is only used where required", "", "pass", 8, 0, "K8S-RBAC-001"))

	score := func(fw, cluster string, p, f, m, na int) engine.Score {
		return engine.Score{Framework: fw, Cluster: cluster, Passed: p, Failed: f, Manual: m, NotApplicable: na, Percent: float64(p) * 100 / float64(p+f)}
	}

	return &engine.Result{
		Findings: findings,
		Policies: []engine.Policy{
			{ID: "K8S-POD-001", Title: "Privileged container", Severity: engine.SeverityCritical, Scope: "object", Controls: privileged},
			{ID: "K8S-POD-012", Title: "Sensitive host path mounted", Severity: engine.SeverityHigh, Scope: "object", Controls: hostPath},
			{ID: "K8S-RBAC-001", Title: "Binding to cluster-admin", Severity: engine.SeverityHigh, Scope: "cluster", Controls: admin},
		},
		Stats: map[string]engine.PolicyStats{
			"K8S-POD-001": {Evaluated: 40, Failed: 3}, "K8S-POD-012": {Evaluated: 36, Failed: 14}, "K8S-RBAC-001": {Evaluated: 8, Failed: 1},
		},
		Errors: []engine.InputError{
			{Cluster: "us-staging", Object: "networkpolicies.networking.k8s.io", Message: "listing: forbidden", Warning: true},
			{Cluster: "ap-edge", Message: "dial tcp 10.0.3.4:6443: connect: connection refused"},
		},
		Clusters: []engine.ClusterStatus{
			{
				Name: "eu-prod", Context: "eu-prod", State: engine.ClusterComplete, ServerVersion: "v1.31.2", Objects: 4812,
				Labels:         map[string]string{"env": "production", "region": "eu-west-1", "owner": hostileImg},
				SnapshotDigest: "sha256:0e2c5b8f4a1d9c7e6b3a2f1e0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170",
			},
			{
				Name: "us-staging", Context: "us-staging", State: engine.ClusterPartial, ServerVersion: "v1.30.5", Objects: 1377,
				Labels:         map[string]string{"env": "staging"},
				Errors:         []string{`listing networkpolicies.networking.k8s.io: networkpolicies is forbidden: User "fleetguard" cannot list resource "networkpolicies"`},
				MissingKinds:   []string{"NetworkPolicy"},
				SnapshotDigest: "sha256:7a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
			},
			{
				Name: "ap-edge", Context: "ap-edge", State: engine.ClusterUnreachable,
				Errors: []string{"dial tcp 10.0.3.4:6443: connect: connection refused"},
			},
		},
		Controls: controls,
		Scores: []engine.Score{
			score(cis, "", 4, 4, 2, 0),
			score(cis, "eu-prod", 1, 2, 1, 0),
			score(cis, "us-staging", 1, 2, 1, 0),
			score(nsa, "", 1, 3, 0, 0),
			score(nsa, "eu-prod", 0, 2, 0, 0),
			score(nsa, "us-staging", 1, 1, 0, 0),
			score(pss, "", 0, 4, 0, 2),
			score(pss, "eu-prod", 0, 2, 0, 1),
			score(pss, "us-staging", 0, 2, 0, 1),
		},
		Exceptions: []engine.ExceptionStatus{
			{Policy: "K8S-RBAC-001", AppliedException: engine.AppliedException{Reason: "break-glass group for incidents", Ticket: "SEC-42", Approver: "alice@example.com", Expires: "2025-12-31"}, Matched: 1},
			{Policy: "K8S-POD-001", AppliedException: engine.AppliedException{Reason: "legacy CNI daemon " + hostileScript, Ticket: "OPS-7", Approver: "bob", Expires: "2025-01-31"}, Expired: true},
			{Policy: "K8S-POD-012", AppliedException: engine.AppliedException{Reason: "log shipper needs /var/log", Ticket: "OPS-9", Approver: "carol"}},
		},
		Provenance: engine.Provenance{
			EngineVersion:  "0.3.0",
			BundleDigest:   "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			BundleRevision: "git:4c1e9a7",
			SnapshotDigests: map[string]string{
				"eu-prod":    "sha256:0e2c5b8f4a1d9c7e6b3a2f1e0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170",
				"us-staging": "sha256:7a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
			},
			Time: auditTime,
		},
	}
}

// auditHistory returns three earlier audits' scores and the findings new
// and resolved since the last of them.
func auditHistory(r *engine.Result) *History {
	h := &History{PreviousAuditTime: auditTime.AddDate(0, 0, -7)}
	for i, pcts := range [][3]float64{{25, 0, 0}, {37.5, 25, 0}, {50, 25, 0}} {
		t := auditTime.AddDate(0, 0, -7*(3-i))
		for j, fw := range []string{"cis-k8s-v1.10", "nsa-cisa-v1.2", "pss"} {
			h.Trend = append(h.Trend, TrendPoint{Time: t, Framework: fw, Percent: pcts[j]})
		}
		h.Trend = append(h.Trend, TrendPoint{Time: t, Framework: "cis-k8s-v1.10", Cluster: "eu-prod", Percent: pcts[0] - 5})
	}
	h.New = []engine.Finding{r.Findings[0], r.Findings[1]}
	h.Resolved = []engine.Finding{{
		PolicyID: "K8S-POD-020", Title: "Container runs as root", Severity: engine.SeverityMedium, Cluster: "eu-prod",
		Resource: engine.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "web", Name: "frontend"},
		Message:  `container "nginx" runs as user 0`,
	}}
	return h
}
