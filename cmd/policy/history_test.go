package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/store"
)

// historyFile fills a SQLite history with n of two audits: the first of eu
// and us, the second (from serve) after a change, with us unreachable.
func historyFile(t *testing.T, n int) string {
	t.Helper()
	t0 := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	f := func(cluster, policy, name, msg string, sev engine.Severity) engine.Finding {
		return engine.Finding{PolicyID: policy, Severity: sev, Cluster: cluster, Message: msg, Scope: "object",
			Resource: engine.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: name}}
	}
	first := &engine.Result{
		Clusters: []engine.ClusterStatus{{Name: "eu", State: engine.ClusterComplete}, {Name: "us", State: engine.ClusterComplete}},
		Findings: []engine.Finding{
			f("eu", "FG-POD-001", "web", `container "app" is privileged`, engine.SeverityCritical),
			f("eu", "FG-POD-004", "db", "runs as root", engine.SeverityHigh),
			f("us", "FG-POD-001", "api", `container "api" is privileged`, engine.SeverityCritical),
		},
		Scores: []engine.Score{
			{Framework: "cis-k8s", Cluster: "eu", Passed: 1, Failed: 1, Percent: 50},
			{Framework: "cis-k8s", Cluster: "us", Passed: 1, Failed: 1, Percent: 50},
			{Framework: "cis-k8s", Passed: 1, Failed: 1, Percent: 50},
		},
		Provenance: engine.Provenance{EngineVersion: "0.3.0", Time: t0},
	}
	excepted := f("eu", "FG-POD-001", "web", `container "app" is privileged`, engine.SeverityCritical)
	excepted.Excepted = &engine.AppliedException{Reason: "accepted"}
	second := &engine.Result{
		Clusters: []engine.ClusterStatus{{Name: "eu", State: engine.ClusterComplete}, {Name: "us", State: engine.ClusterUnreachable}},
		Findings: []engine.Finding{
			excepted,
			f("eu", "FG-IMG-002", "web", "image \x1b[31mnginx:latest\x1b[0m\nuses the latest tag", engine.SeverityMedium),
		},
		Scores: []engine.Score{
			{Framework: "cis-k8s", Cluster: "eu", Passed: 3, Failed: 1, Percent: 75},
			{Framework: "cis-k8s", Passed: 3, Failed: 1, Percent: 75},
		},
		Provenance: engine.Provenance{EngineVersion: "0.3.0", Time: t0.Add(6 * time.Hour)},
	}
	path := filepath.Join(t.TempDir(), "history.db")
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i, r := range []*engine.Result{first, second}[:n] {
		src := "cli"
		if i == 1 {
			src = "serve"
		}
		if _, err := st.SaveAudit(context.Background(), r, store.Source(src), store.Finished(r.Provenance.Time.Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestHistoryAndDiff(t *testing.T) {
	two := historyFile(t, 2)
	one := historyFile(t, 1)
	missing := filepath.Join(t.TempDir(), "none.db")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
		notOut   []string
		wantErr  []string
	}{
		{"history table", []string{"history", "--store", two}, exitOK, []string{
			"Audits in " + two + ", newest first:",
			"ID  STARTED (UTC)        SOURCE  CLUSTERS              FINDINGS         CIS-K8S",
			"2   2026-05-20 15:00:00  serve   eu, us (unreachable)  1 (+1 excepted)  75.0%",
			"1   2026-05-20 09:00:00  cli     eu, us                3                50.0%",
			"Score trend, oldest → newest (▁ 0% … █ 100%, · not audited):\ncis-k8s  ▅▆  50.0% → 75.0%  ↑ +25.0\n",
			"  eu     ▅▆  50.0% → 75.0%  ↑ +25.0\n",
			"  us     ▅·  50.0%\n",
		}, nil, nil},
		{"history limit", []string{"history", "--store", two, "--limit", "1"}, exitOK,
			[]string{"2   2026-05-20 15:00:00  serve", "cis-k8s  ▆  75.0%"}, []string{"09:00:00"}, nil},
		{"history of a missing file", []string{"history", "--store", missing}, exitUsage, nil, nil,
			[]string{"history file " + missing + " does not exist"}},
		{"history unknown format", []string{"history", "--store", two, "-o", "xml"}, exitUsage, nil, nil, []string{`-o "xml": want table or json`}},
		{"diff previous latest", []string{"diff", "--store", two, "previous", "latest"}, exitOK, []string{
			"From audit 1 (2026-05-20 09:00:00 UTC, cli)\nto   audit 2 (2026-05-20 15:00:00 UTC, serve):",
			"1 new, 1 resolved, 1 unchanged, 1 unassessed (in clusters audit 2 did not reach)",
			"NEW (1)\n  SEVERITY  CLUSTER  POLICY      RESOURCE             MESSAGE\n  medium    eu       FG-IMG-002  Deployment/shop/web  image ?[31mnginx:latest?[0m uses the latest tag\n",
			"RESOLVED (1)",
			"  high      eu       FG-POD-004  Deployment/shop/db  runs as root\n",
			"UNCHANGED (1)",
			"  critical (excepted)  eu       FG-POD-001  Deployment/shop/web  container \"app\" is privileged\n",
			"UNASSESSED (1)",
			"  critical  us       FG-POD-001  Deployment/shop/api  container \"api\" is privileged\n",
		}, []string{"\x1b"}, nil},
		{"diff defaults to previous latest", []string{"diff", "--store", two}, exitOK, []string{"From audit 1", "to   audit 2"}, nil, nil},
		{"diff by ids, reversed", []string{"diff", "--store", two, "2", "1"}, exitOK,
			[]string{"2 new, 1 resolved, 1 unchanged\n", "RESOLVED (1)\n  SEVERITY  CLUSTER  POLICY      RESOURCE             MESSAGE\n  medium"}, nil, nil},
		{"diff unknown audit", []string{"diff", "--store", two, "1", "99"}, exitUsage, nil, nil, []string{"audit 99 in " + two + ": audit not found"}},
		{"diff bad reference", []string{"diff", "--store", two, "first", "latest"}, exitUsage, nil, nil, []string{`audit "first": want an id`}},
		{"diff one argument", []string{"diff", "--store", two, "1"}, exitUsage, nil, nil, []string{"give two audits"}},
		{"diff with a single audit", []string{"diff", "--store", one}, exitUsage, nil, nil, []string{"previous:", "audit 1 is the first"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := run(t, "", tc.args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q\nstdout:\n%s", w, out)
				}
			}
			for _, w := range tc.notOut {
				if strings.Contains(out, w) {
					t.Errorf("stdout holds %q\nstdout:\n%s", w, out)
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q\nstderr:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestHistoryAndDiffJSON(t *testing.T) {
	path := historyFile(t, 2)
	out, errOut, code := run(t, "", "history", "--store", path, "-o", "json")
	if code != exitOK {
		t.Fatalf("history -o json: exit %d: %s", code, errOut)
	}
	var h struct {
		Store  string                        `json:"store"`
		Audits []store.Summary               `json:"audits"`
		Trends map[string][]store.TrendPoint `json:"trends"`
	}
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatalf("history -o json is not JSON: %v\n%s", err, out)
	}
	if h.Store != path || len(h.Audits) != 2 || h.Audits[0].ID != 2 || h.Audits[0].Findings != 1 || h.Audits[0].Excepted != 1 {
		t.Errorf("history JSON = %+v", h)
	}
	if tr := h.Trends["cis-k8s"]; len(tr) != 2 || tr[0].Fleet.Percent != 50 || tr[1].Fleet.Percent != 75 || len(tr[1].Clusters) != 1 {
		t.Errorf("cis-k8s trend = %+v", tr)
	}

	out, errOut, code = run(t, "", "diff", "--store", path, "-o", "json", "1", "2")
	if code != exitOK {
		t.Fatalf("diff -o json: exit %d: %s", code, errOut)
	}
	var d struct {
		FromAudit store.Summary `json:"fromAudit"`
		ToAudit   store.Summary `json:"toAudit"`
		store.Diff
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("diff -o json is not JSON: %v\n%s", err, out)
	}
	if d.From != 1 || d.To != 2 || d.FromAudit.Source != "cli" || d.ToAudit.Source != "serve" ||
		len(d.New) != 1 || d.New[0].PolicyID != "FG-IMG-002" || len(d.Resolved) != 1 || len(d.Unchanged) != 1 || len(d.Unassessed) != 1 {
		t.Errorf("diff JSON = %+v", d)
	}
}
