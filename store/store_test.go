package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/internal/pgtest"
)

// TestStore runs the same suite against SQLite (a file in a temp dir) and
// a real PostgreSQL server started for the test. Each case gets an empty
// database.
func TestStore(t *testing.T) {
	pg := pgtest.Start(t)
	backends := []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "data", "history.db") }},
		{"postgres", func(t *testing.T) string { return pg.NewDatabase(t) }},
	}
	suite := []struct {
		name string
		fn   func(t *testing.T, dsn string)
	}{
		{"migrations", testMigrations},
		{"round trip", testRoundTrip},
		{"order, latest and previous", testOrder},
		{"diff", testDiff},
		{"trend", testTrend},
		{"latest per cluster", testLatestPerCluster},
		{"aggregate of each cluster's latest audit", testAggregate},
		{"interrupted save stores nothing", testInterrupted},
		{"concurrent agents", testConcurrent},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) { tc.fn(t, b.dsn(t)) })
			}
		})
	}
}

func open(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open(%s): %v", dsn, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func save(t *testing.T, s *Store, r *engine.Result, opts ...SaveOption) int64 {
	t.Helper()
	id, err := s.SaveAudit(context.Background(), r, opts...)
	if err != nil {
		t.Fatalf("SaveAudit: %v", err)
	}
	return id
}

var tables = []string{"audits", "audit_clusters", "findings", "scores", "controls", "exceptions"}

// counts returns the number of rows in every history table.
func counts(t *testing.T, s *Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := s.db.QueryRow("SELECT COUNT(*) FROM " + tb).Scan(&n); err != nil {
			t.Fatalf("counting %s: %v", tb, err)
		}
		out[tb] = n
	}
	return out
}

func testMigrations(t *testing.T, dsn string) {
	ctx := context.Background()
	// Three processes opening a new database at once: each waits for the
	// others, and the schema is applied once.
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(ctx, dsn)
			if err == nil {
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent Open %d: %v", i, err)
		}
	}
	s := open(t, dsn)
	var versions []string
	err := s.each(ctx, "SELECT version, name FROM schema_migrations ORDER BY version", nil, func(rows *sql.Rows) error {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return err
		}
		versions = append(versions, fmt.Sprintf("%d_%s", v, name))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1_history"}; !reflect.DeepEqual(versions, want) {
		t.Errorf("schema_migrations = %v, want %v", versions, want)
	}
	if got := counts(t, s); got["audits"] != 0 {
		t.Errorf("a new history has %d audits", got["audits"])
	}

	// A history written by a newer program is refused, not misread.
	if _, err := s.db.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 'now')"); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, dsn)
	if err == nil || !strings.Contains(err.Error(), "schema version 9999, newer than this program knows (1)") {
		t.Errorf("Open on a newer schema: got %v, want an error naming version 9999", err)
	}
}

func testRoundTrip(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	finished := t0.Add(90 * time.Second)
	id := save(t, s, fixture(), Source("agent:eu-prod"), Finished(finished))

	got, err := s.LoadAudit(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := fixture()
	want.Provenance.Time = t0.Add(123456 * time.Microsecond) // microseconds are kept, on both backends
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("LoadAudit differs from what was saved\n--- got ---\n%s\n--- want ---\n%s", g, w)
	}

	sum, err := s.Audit(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	wantSum := Summary{
		ID: id, Started: want.Provenance.Time, Finished: finished, Source: "agent:eu-prod",
		EngineVersion: "0.3.0", BundleDigest: "sha256:bundle", BundleRevision: "r7",
		Clusters: []ClusterState{{"eu-prod", engine.ClusterComplete}, {"us-dev", engine.ClusterPartial}},
		Scores:   want.Scores, Findings: 2, Excepted: 1,
	}
	if !reflect.DeepEqual(sum, wantSum) {
		t.Errorf("Audit(%d) =\n%+v\nwant\n%+v", id, sum, wantSum)
	}
	if sc, ok := sum.Score("cis-k8s"); !ok || sc.Percent != 66.66666666666667 || sc.Cluster != "" {
		t.Errorf("Score(cis-k8s) = %+v, %v; want the fleet score 66.67%%", sc, ok)
	}
	if fw := sum.Frameworks(); !reflect.DeepEqual(fw, []string{"cis-k8s", "nsa"}) {
		t.Errorf("Frameworks() = %v", fw)
	}

	// The default source is "cli" and a zero time is the time of saving.
	r := clusterAudit("eu-prod", time.Time{}, 0, 1, 0)
	before := time.Now().Truncate(time.Microsecond)
	id2 := save(t, s, r)
	sum2, err := s.Audit(ctx, id2)
	if err != nil {
		t.Fatal(err)
	}
	if sum2.Source != "cli" || sum2.Started.Before(before) || !sum2.Started.Equal(sum2.Finished) || sum2.Findings != 0 {
		t.Errorf("defaults: got %+v, want source cli, started = finished >= %v, no findings", sum2, before)
	}

	for _, tc := range []struct {
		name string
		err  func() error
	}{
		{"LoadAudit", func() error { _, err := s.LoadAudit(ctx, 404); return err }},
		{"Audit", func() error { _, err := s.Audit(ctx, 404); return err }},
		{"Previous", func() error { _, err := s.Previous(ctx, 404); return err }},
		{"Diff", func() error { _, err := s.Diff(ctx, id, 404); return err }},
	} {
		if err := tc.err(); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "audit 404") {
			t.Errorf("%s of a missing audit: got %v, want ErrNotFound naming audit 404", tc.name, err)
		}
	}
	if _, err := s.SaveAudit(ctx, nil); err == nil {
		t.Error("SaveAudit(nil) succeeded")
	}
}

func testOrder(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	if _, err := s.Latest(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("Latest on an empty history: got %v, want ErrNotFound", err)
	}
	if l, err := s.ListAudits(ctx, 0); err != nil || len(l) != 0 {
		t.Errorf("ListAudits on an empty history = %v, %v", l, err)
	}
	// Saved out of time order, as agents may push late.
	late := save(t, s, clusterAudit("eu", t0.Add(2*time.Hour), 1, 1, 1))
	first := save(t, s, clusterAudit("eu", t0, 3, 0, 2))
	middle := save(t, s, clusterAudit("eu", t0.Add(time.Hour), 2, 1, 1))

	ids := func(l []Summary) []int64 {
		var out []int64
		for _, sm := range l {
			out = append(out, sm.ID)
		}
		return out
	}
	all, err := s.ListAudits(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(all), []int64{late, middle, first}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListAudits(0) ids = %v, want newest first %v", got, want)
	}
	if all[2].Findings != 3 || all[2].Scores[0].Failed != 2 || all[2].Clusters[0].Name != "eu" {
		t.Errorf("oldest summary = %+v; want 3 findings, 2 failed, cluster eu", all[2])
	}
	two, err := s.ListAudits(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(two), []int64{late, middle}; !reflect.DeepEqual(got, want) {
		t.Errorf("ListAudits(2) ids = %v, want %v", got, want)
	}

	// A tie on the start time is broken by id.
	tie := save(t, s, clusterAudit("us", t0.Add(2*time.Hour), 0, 1, 0))
	if got, err := s.Latest(ctx); err != nil || got != tie {
		t.Errorf("Latest = %d, %v; want %d", got, err, tie)
	}
	for _, tc := range []struct{ of, want int64 }{{tie, late}, {late, middle}, {middle, first}} {
		if got, err := s.Previous(ctx, tc.of); err != nil || got != tc.want {
			t.Errorf("Previous(%d) = %d, %v; want %d", tc.of, got, err, tc.want)
		}
	}
	if _, err := s.Previous(ctx, first); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "is the first") {
		t.Errorf("Previous(first) = %v, want ErrNotFound saying it is the first", err)
	}
}

// label names a finding in test expectations.
func label(f engine.Finding) string {
	return f.Cluster + " " + f.PolicyID + " " + f.Resource.Name + " " + f.Message
}

func labels(fs []engine.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, label(f))
	}
	return out
}

func finding(cluster, policy, apiVersion, name, msg string) engine.Finding {
	return engine.Finding{
		PolicyID: policy, Severity: engine.SeverityHigh, Cluster: cluster, Message: msg, Scope: "object",
		Resource: engine.Resource{APIVersion: apiVersion, Kind: "Deployment", Namespace: "shop", Name: name},
	}
}

func testDiff(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	older := &engine.Result{
		Clusters: []engine.ClusterStatus{{Name: "eu", State: engine.ClusterComplete}, {Name: "us", State: engine.ClusterComplete}},
		Findings: []engine.Finding{
			finding("eu", "P1", "apps/v1beta2", "web", "privileged"),
			finding("eu", "P1", "apps/v1", "db", "privileged"),
			finding("eu", "P2", "apps/v1", "web", "latest tag"),
			finding("eu", "P2", "apps/v1", "web", "latest tag"),
			finding("eu", "P3", "apps/v1", "api", "no limits on app"),
			finding("us", "P1", "apps/v1", "web", "privileged"),
		},
		Provenance: engine.Provenance{Time: t0},
	}
	excepted := finding("eu", "P1", "apps/v1", "web", "privileged")
	excepted.Excepted = &engine.AppliedException{Reason: "accepted risk"}
	newer := &engine.Result{
		// us could not be reached: its findings are not known to be resolved.
		Clusters: []engine.ClusterStatus{{Name: "eu", State: engine.ClusterComplete}, {Name: "us", State: engine.ClusterUnreachable}},
		Findings: []engine.Finding{
			excepted, // moved to a newer API version and excepted: still the same finding
			finding("eu", "P2", "apps/v1", "web", "latest tag"),
			finding("eu", "P3", "apps/v1", "api", "no limits on sidecar"),
			finding("eu", "P4", "apps/v1", "db", "runs as root"),
		},
		Provenance: engine.Provenance{Time: t0.Add(time.Hour)},
	}
	a := save(t, s, older)
	b := save(t, s, newer)
	d, err := s.Diff(ctx, a, b)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  []engine.Finding
		want []string
	}{
		{"new", d.New, []string{"eu P3 api no limits on sidecar", "eu P4 db runs as root"}},
		{"resolved", d.Resolved, []string{"eu P1 db privileged", "eu P2 web latest tag", "eu P3 api no limits on app"}},
		{"unchanged", d.Unchanged, []string{"eu P1 web privileged", "eu P2 web latest tag"}},
		{"unassessed", d.Unassessed, []string{"us P1 web privileged"}},
	}
	for _, tc := range tests {
		if got := labels(tc.got); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s = %q, want %q", tc.name, got, tc.want)
		}
	}
	if d.From != a || d.To != b || d.Unchanged[0].Excepted == nil || d.Unchanged[0].Resource.APIVersion != "apps/v1" {
		t.Errorf("unchanged findings must be as the newer audit has them: %+v", d.Unchanged[0])
	}
	if want := fmt.Sprintf("audit %d → %d: 2 new, 3 resolved, 2 unchanged, 1 unassessed", a, b); d.String() != want {
		t.Errorf("String() = %q, want %q", d.String(), want)
	}

	// Against itself, everything is unchanged.
	same, err := s.Diff(ctx, b, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(same.New)+len(same.Resolved)+len(same.Unassessed) != 0 || len(same.Unchanged) != 4 {
		t.Errorf("Diff(b, b) = %s", same)
	}
}

func testTrend(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	fleet := func(at time.Time, passed, failed int) *engine.Result {
		r := clusterAudit("eu", at, 0, passed, failed)
		r.Scores = append(r.Scores, engine.Score{Framework: "cis-k8s", Passed: passed, Failed: failed,
			Percent: float64(passed) / float64(passed+failed) * 100})
		return r
	}
	a1 := save(t, s, fleet(t0, 1, 1))
	// Two agents' clusters in one audit without a fleet score: summed.
	both := clusterAudit("us", t0.Add(time.Hour), 0, 1, 1)
	both.Clusters = append(both.Clusters, engine.ClusterStatus{Name: "eu", State: engine.ClusterComplete})
	both.Scores = append(both.Scores, engine.Score{Framework: "cis-k8s", Cluster: "eu", Passed: 3, Failed: 1, Percent: 75})
	a2 := save(t, s, both)
	a3 := save(t, s, fleet(t0.Add(2*time.Hour), 4, 1))
	nsa := clusterAudit("eu", t0.Add(3*time.Hour), 0, 0, 0)
	nsa.Scores = []engine.Score{{Framework: "nsa", Passed: 2, Percent: 100}}
	save(t, s, nsa)

	type point struct {
		id       int64
		percent  float64
		clusters []string
	}
	summarise := func(ps []TrendPoint) []point {
		var out []point
		for _, p := range ps {
			pt := point{id: p.AuditID, percent: p.Fleet.Percent}
			for _, c := range p.Clusters {
				pt.clusters = append(pt.clusters, fmt.Sprintf("%s=%g", c.Cluster, c.Percent))
			}
			out = append(out, pt)
		}
		return out
	}
	four, six := 4.0, 6.0
	twoThirds := four / six * 100 // computed at run time, as FleetScore does
	tests := []struct {
		framework string
		n         int
		want      []point
	}{
		{"cis-k8s", 0, []point{{a1, 50, []string{"eu=50"}}, {a2, twoThirds, []string{"eu=75", "us=50"}}, {a3, 80, []string{"eu=80"}}}},
		{"cis-k8s", 2, []point{{a2, twoThirds, []string{"eu=75", "us=50"}}, {a3, 80, []string{"eu=80"}}}},
		{"unknown", 5, nil},
	}
	for _, tc := range tests {
		ps, err := s.Trend(ctx, tc.framework, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		if got := summarise(ps); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Trend(%s, %d) = %+v, want %+v", tc.framework, tc.n, got, tc.want)
		}
	}
	if ps, _ := s.Trend(ctx, "cis-k8s", 1); len(ps) != 1 || !ps[0].Time.Equal(t0.Add(2*time.Hour)) || ps[0].Fleet.Passed != 4 {
		t.Errorf("Trend(cis-k8s, 1) = %+v, want the audit of %v with 4 passed", ps, t0.Add(2*time.Hour))
	}
	fw, err := s.Frameworks(ctx)
	if err != nil || !reflect.DeepEqual(fw, []string{"cis-k8s", "nsa"}) {
		t.Errorf("Frameworks = %v, %v", fw, err)
	}
}

func testLatestPerCluster(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	save(t, s, clusterAudit("eu", t0, 1, 1, 0), Source("agent:eu"))
	us := save(t, s, clusterAudit("us", t0.Add(time.Hour), 1, 1, 0), Source("agent:us"))
	down := clusterAudit("eu", t0.Add(2*time.Hour), 0, 0, 0)
	down.Clusters[0].State = engine.ClusterUnreachable
	eu := save(t, s, down, Source("agent:eu"))
	// An older fleet audit of both does not hide the agents' newer ones.
	f := fixture()
	f.Clusters[0].Name, f.Clusters[1].Name = "eu", "us"
	f.Provenance.Time = t0.Add(30 * time.Minute)
	save(t, s, f)
	ap := save(t, s, clusterAudit("ap", t0.Add(-time.Hour), 0, 0, 0))

	got, err := s.LatestPerCluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []ClusterAudit{
		{Cluster: "ap", AuditID: ap, Time: t0.Add(-time.Hour), State: engine.ClusterComplete},
		{Cluster: "eu", AuditID: eu, Time: t0.Add(2 * time.Hour), State: engine.ClusterUnreachable},
		{Cluster: "us", AuditID: us, Time: t0.Add(time.Hour), State: engine.ClusterComplete},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LatestPerCluster =\n%+v\nwant\n%+v", got, want)
	}
}

func testInterrupted(t *testing.T, dsn string) {
	s := open(t, dsn)
	t.Cleanup(func() { testHook = nil })
	empty := map[string]int{"audits": 0, "audit_clusters": 0, "findings": 0, "scores": 0, "controls": 0, "exceptions": 0}
	diskFull := errors.New("disk full")
	for _, step := range []string{"audit", "clusters", "findings", "scores", "controls", "exceptions"} {
		for _, how := range []string{"cancelled", "failed"} {
			t.Run(how+" after "+step, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				reached := false
				testHook = func(_ context.Context, at string) error {
					if at != step {
						return nil
					}
					reached = true
					if how == "failed" {
						return diskFull
					}
					cancel()
					return nil
				}
				_, err := s.SaveAudit(ctx, fixture())
				testHook = nil
				if !reached {
					t.Fatalf("the save never reached step %q", step)
				}
				want := context.Canceled
				if how == "failed" {
					want = diskFull
				}
				if !errors.Is(err, want) {
					t.Errorf("SaveAudit = %v, want %v", err, want)
				}
				if got := counts(t, s); !reflect.DeepEqual(got, empty) {
					t.Errorf("after an interrupted save the history holds %v, want nothing", got)
				}
			})
		}
	}
	// The store still works, and a whole save stores everything.
	save(t, s, fixture())
	want := map[string]int{"audits": 1, "audit_clusters": 2, "findings": 3, "scores": 4, "controls": 2, "exceptions": 2}
	if got := counts(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("after a whole save the history holds %v, want %v", got, want)
	}
}

// testConcurrent has two agents, each with its own connection (as two
// processes would), push their clusters' audits at the same time.
func testConcurrent(t *testing.T, dsn string) {
	ctx := context.Background()
	const rounds, perAudit = 5, 300
	agents := []string{"eu", "us"}
	stores := []*Store{open(t, dsn), open(t, dsn)}
	start := make(chan struct{})
	ids := make([][]int64, len(agents))
	errs := make([]error, len(agents))
	var wg sync.WaitGroup
	for i, cluster := range agents {
		wg.Go(func() {
			<-start
			for round := range rounds {
				r := clusterAudit(cluster, t0.Add(time.Duration(round)*time.Minute), perAudit, round, 1)
				id, err := stores[i].SaveAudit(ctx, r, Source("agent:"+cluster))
				if err != nil {
					errs[i] = fmt.Errorf("agent %s round %d: %w", cluster, round, err)
					return
				}
				ids[i] = append(ids[i], id)
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	s := stores[0]
	want := map[string]int{"audits": 10, "audit_clusters": 10, "findings": 10 * perAudit, "scores": 10, "controls": 0, "exceptions": 0}
	if got := counts(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("after two agents' pushes the history holds %v, want %v", got, want)
	}
	for i, cluster := range agents {
		for round, id := range ids[i] {
			r, err := s.LoadAudit(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Findings) != perAudit || r.Findings[0].Cluster != cluster || r.Findings[perAudit-1].Resource.Name != fmt.Sprintf("pod-%d", perAudit-1) ||
				r.Scores[0].Passed != round || r.Clusters[0].Name != cluster {
				t.Errorf("audit %d (agent %s round %d) came back mixed up: %d findings, first of cluster %q, scores %+v",
					id, cluster, round, len(r.Findings), r.Findings[0].Cluster, r.Scores)
			}
		}
	}
	latest, err := s.LatestPerCluster(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(latest) != 2 || latest[0].AuditID != ids[0][rounds-1] || latest[1].AuditID != ids[1][rounds-1] {
		t.Errorf("LatestPerCluster = %+v, want each agent's last audit (%d, %d)", latest, ids[0][rounds-1], ids[1][rounds-1])
	}
}

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		name, xdg, home, want string
	}{
		{"XDG_DATA_HOME", "/data", "/home/u", "/data/fleetguard/history.db"},
		{"home", "", "/home/u", "/home/u/.local/share/fleetguard/history.db"},
		{"relative XDG_DATA_HOME is ignored", "rel", "/home/u", "/home/u/.local/share/fleetguard/history.db"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", tc.xdg)
			t.Setenv("HOME", tc.home)
			got, err := DefaultPath()
			if err != nil || got != tc.want {
				t.Errorf("DefaultPath() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "none", "history.db")
	if _, err := Open(ctx, missing, MustExist()); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Open(MustExist) of a missing file: %v, want ErrNotFound naming the file", err)
	}
	if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(MustExist) created %s", filepath.Dir(missing))
	}
	if _, err := Open(ctx, filepath.Join(dir, "a?b.db")); err == nil || !strings.Contains(err.Error(), "must not contain") {
		t.Errorf("Open of a name with '?': %v", err)
	}
	// An empty dsn is the default path, created with its directory.
	t.Setenv("XDG_DATA_HOME", dir)
	s, err := Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if want := filepath.Join(dir, "fleetguard", "history.db"); s.Where() != want {
		t.Errorf("Where() = %q, want %q", s.Where(), want)
	}
	var mode string
	if err := s.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte("this is not a database, just some text that is long enough to have a header"), 0o644)
	if _, err := Open(ctx, notDB); err == nil || !strings.Contains(err.Error(), notDB) {
		t.Errorf("Open of a text file: %v, want an error naming it", err)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://fg:s3cret@db:5432/h?sslmode=disable", "postgres://fg:xxxxx@db:5432/h?sslmode=disable"},
		{"postgres://fg@db/h", "postgres://fg@db/h"},
		{"postgresql://db/h?x=a@b", "postgresql://db/h?x=a@b"},
	}
	for _, tc := range tests {
		if got := redact(tc.in); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRebind(t *testing.T) {
	if got := postgres.rebind("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"); got != "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)" {
		t.Errorf("rebind = %q", got)
	}
	if got := sqlite.rebind("x = ?"); got != "x = ?" {
		t.Errorf("sqlite rebind changed the query: %q", got)
	}
}

func testAggregate(t *testing.T, dsn string) {
	ctx := context.Background()
	s := open(t, dsn)
	if _, err := s.Aggregate(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("Aggregate of an empty history: %v, want ErrNotFound", err)
	}
	// A fleet audit of eu and us, then eu's agent pushes a newer audit.
	f := fixture()
	f.Clusters[0].Name, f.Clusters[1].Name = "eu", "us"
	for i := range f.Findings {
		f.Findings[i].Cluster = map[string]string{"eu-prod": "eu", "us-dev": "us"}[f.Findings[i].Cluster]
	}
	for i := range f.Scores {
		f.Scores[i].Cluster = map[string]string{"eu-prod": "eu", "us-dev": "us"}[f.Scores[i].Cluster]
	}
	f.Findings = append(f.Findings, engine.Finding{PolicyID: "FG-FLEET-001", Severity: engine.SeverityLow, Scope: "fleet", Message: "version spread"})
	save(t, s, f)
	agent := clusterAudit("eu", t0.Add(time.Hour), 2, 3, 1)
	save(t, s, agent, Source("agent:eu"))

	// With only the fleet audit's clusters, its own fleet scores are kept.
	got, err := s.Aggregate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := labels(got.Findings); !reflect.DeepEqual(got, []string{
		"eu FG-POD-001 pod-0 container \"app\" is privileged",
		"eu FG-POD-001 pod-1 container \"app\" is privileged",
		"us FG-POD-001 web container \"app\" is privileged",
	}) {
		t.Errorf("aggregate findings = %q; want eu's from its agent, us's from the fleet audit, and no stale fleet finding", got)
	}
	var clusters []string
	for _, c := range got.Clusters {
		clusters = append(clusters, c.Name+"="+c.State)
	}
	if want := []string{"eu=complete", "us=partial"}; !reflect.DeepEqual(clusters, want) {
		t.Errorf("aggregate clusters = %v, want %v", clusters, want)
	}
	var scores []string
	for _, sc := range got.Scores {
		scores = append(scores, fmt.Sprintf("%s/%s=%d:%d", sc.Framework, sc.Cluster, sc.Passed, sc.Failed))
	}
	if want := []string{"cis-k8s/eu=3:1", "cis-k8s/us=1:1", "cis-k8s/=4:2"}; !reflect.DeepEqual(scores, want) {
		t.Errorf("aggregate scores = %v, want %v", scores, want)
	}
	if p := got.Provenance; p.EngineVersion != "0.3.0" || p.BundleDigest != "sha256:bundle" || !p.Time.Equal(t0.Add(time.Hour)) ||
		!reflect.DeepEqual(p.SnapshotDigests, map[string]string{"us": "sha256:bbb"}) {
		t.Errorf("aggregate provenance = %+v", p)
	}
	if len(got.Policies) != 2 || len(got.Exceptions) != 2 || len(got.Controls) != 0 {
		t.Errorf("aggregate has %d policies, %d exceptions, %d controls; want 2, 2 and none (eu's control is stale, the fleet one too)",
			len(got.Policies), len(got.Exceptions), len(got.Controls))
	}
}
