package serve

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/audit"
	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/snapshot"
	"github.com/fleetguard/fleetguard/store"
)

func get(t *testing.T, srv *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestScheduledAuditsReportsAndFailures(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := engine.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.Load("../testdata/snapshot/cluster.json")
	if err != nil {
		t.Fatal(err)
	}
	fail := false
	s, err := New(Config{Store: st, Schedule: "0 */6 * * *", Audit: func(ctx context.Context) (*engine.Result, error) {
		if fail {
			return nil, errors.New("cluster eu-prod: connection refused")
		}
		return audit.Run(ctx, eng, []*snapshot.Snapshot{snap}, audit.Options{})
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	if code, _ := get(t, srv, "/"); code != http.StatusNotFound {
		t.Errorf("report before any audit: %d, want 404", code)
	}
	if err := s.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	code, page := get(t, srv, "/")
	if code != http.StatusOK || !strings.Contains(page, "eu-prod") || !strings.Contains(page, "<html") {
		t.Fatalf("report after an audit: %d, lacks the cluster or a finding", code)
	}
	_, metrics := get(t, srv, "/metrics")
	for _, want := range []string{
		`fleetguard_findings{cluster="eu-prod",policy="FG-RBAC-002",severity="high"} 1`,
		`fleetguard_audit_runs_total{result="success"} 1`,
		`fleetguard_audit_last_success_timestamp_seconds `,
		`fleetguard_audit_duration_seconds `,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	// A failing audit keeps the previous report and is reported as failed.
	fail = true
	if err := s.RunOnce(ctx); err == nil {
		t.Fatal("failing audit returned no error")
	}
	code, again := get(t, srv, "/")
	if code != http.StatusOK || again != page {
		t.Errorf("report after a failed audit: %d; the previous report must stay", code)
	}
	_, health := get(t, srv, "/healthz")
	if !strings.Contains(health, `"lastRunSucceeded":false`) || !strings.Contains(health, "connection refused") {
		t.Errorf("healthz does not report the failure: %s", health)
	}
	_, metrics = get(t, srv, "/metrics")
	if !strings.Contains(metrics, `fleetguard_audit_runs_total{result="failure"} 1`) {
		t.Errorf("failure not counted")
	}
	list, _ := st.ListAudits(ctx, 10)
	if len(list) != 1 {
		t.Errorf("%d audits stored, want 1 (the failed one stores nothing)", len(list))
	}

	// History and diff endpoints answer with stored data.
	fail = false
	if err := s.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, srv, "/api/diff?from=1&to=2")
	if code != http.StatusOK || !strings.Contains(body, `"unchanged"`) {
		t.Errorf("diff: %d %s", code, body)
	}
	if code, _ := get(t, srv, "/api/audits/99"); code != http.StatusNotFound {
		t.Errorf("unknown audit: %d, want 404", code)
	}
	if code, body := get(t, srv, "/api/audits"); code != http.StatusOK || strings.Count(body, `"id"`) != 2 {
		t.Errorf("audits list: %d %s", code, body)
	}
}

func TestBadSchedule(t *testing.T) {
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = New(Config{Store: st, Schedule: "every day", Audit: func(context.Context) (*engine.Result, error) { return nil, nil }})
	if err == nil || !strings.Contains(err.Error(), `--schedule "every day"`) {
		t.Errorf("err = %v", err)
	}
}
