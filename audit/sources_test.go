package audit

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/snapshot"
)

// RunSources loads each snapshot on demand, never more than Workers at
// once, and gives the same Result as Run over the same snapshots.
func TestRunSourcesMatchesRunAndBoundsLoads(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"us-prod", "eu-prod", "ap-dev"}
	opts := Options{Now: func() time.Time { return auditTime }, Workers: 1}
	want, err := Run(ctx, eng, loadFleet(t, names...), opts)
	if err != nil {
		t.Fatal(err)
	}

	var live, maxLive atomic.Int32
	var srcs []Source
	for _, n := range names {
		srcs = append(srcs, Source{Name: n + ".json", Load: func() (*snapshot.Snapshot, string, error) {
			if now := live.Add(1); now > maxLive.Load() {
				maxLive.Store(now)
			}
			s := loadFleet(t, n)[0]
			return s, "", nil
		}})
	}
	opts.Progress = func(_, state string) {
		if state == "done" || state == "failed" {
			live.Add(-1)
		}
	}
	got, err := RunSources(ctx, eng, srcs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if maxLive.Load() != 1 {
		t.Errorf("%d snapshots held at once with Workers 1, want 1", maxLive.Load())
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Errorf("RunSources and Run disagree:\nfindings %d vs %d, clusters %v vs %v", len(want.Findings), len(got.Findings), want.Clusters, got.Clusters)
	}
	if len(got.Clusters) != 3 || got.Clusters[0].Name != "ap-dev" || got.Clusters[2].Name != "us-prod" {
		t.Errorf("clusters not sorted by name: %+v", got.Clusters)
	}
}

func TestRunSourcesErrors(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eu := func() (*snapshot.Snapshot, string, error) { return loadFleet(t, "eu-prod")[0], "", nil }
	_, err = RunSources(ctx, eng, []Source{{Name: "a.json", Load: eu}, {Name: "b.json", Load: eu}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "a.json and b.json are both cluster \"eu-prod\"") {
		t.Errorf("duplicate cluster: err = %v", err)
	}
	_, err = RunSources(ctx, eng, []Source{{Name: "bad.json", Load: func() (*snapshot.Snapshot, string, error) { return nil, "", errors.New("not gzip") }}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "loading bad.json: not gzip") {
		t.Errorf("load failure: err = %v", err)
	}
}

// FromFiles gives each cluster the same digest as snapshot.Digest, whether
// the file is the canonical encoding Save writes (its bytes are hashed) or
// anything else that loads (it is encoded again), and the same findings as
// the snapshots in memory.
func TestFromFilesDigests(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snaps := loadFleet(t, "us-prod", "eu-prod")
	dir := t.TempDir()
	saved := dir + "/us-prod.json.gz"
	if err := snapshot.Save(saved, snaps[0]); err != nil {
		t.Fatal(err)
	}
	canonical, err := snapshot.Marshal(snaps[1])
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(canonical, &doc); err != nil {
		t.Fatal(err)
	}
	indented, _ := json.MarshalIndent(doc, "", "  ") // sorted keys, but not compact
	other := dir + "/eu-prod.json"
	if err := os.WriteFile(other, indented, 0o600); err != nil {
		t.Fatal(err)
	}
	opts := Options{Now: func() time.Time { return auditTime }}
	got, err := RunSources(ctx, eng, FromFiles([]string{saved, other}), opts)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Run(ctx, eng, snaps, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range snaps {
		d, err := snapshot.Digest(s)
		if err != nil {
			t.Fatal(err)
		}
		if got.Provenance.SnapshotDigests[s.Cluster.Name] != d || want.Provenance.SnapshotDigests[s.Cluster.Name] != d {
			t.Errorf("%s: digest from the file %s, in memory %s, want %s", s.Cluster.Name, got.Provenance.SnapshotDigests[s.Cluster.Name], want.Provenance.SnapshotDigests[s.Cluster.Name], d)
		}
	}
	if len(got.Findings) == 0 || len(got.Findings) != len(want.Findings) {
		t.Errorf("%d findings from the files, %d from memory", len(got.Findings), len(want.Findings))
	}
}
