package audit

import (
	"context"
	"encoding/json"
	"errors"
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
		srcs = append(srcs, Source{Name: n + ".json", Load: func() (*snapshot.Snapshot, error) {
			if now := live.Add(1); now > maxLive.Load() {
				maxLive.Store(now)
			}
			s := loadFleet(t, n)[0]
			return s, nil
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
	eu := func() (*snapshot.Snapshot, error) { return loadFleet(t, "eu-prod")[0], nil }
	_, err = RunSources(ctx, eng, []Source{{Name: "a.json", Load: eu}, {Name: "b.json", Load: eu}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "a.json and b.json are both cluster \"eu-prod\"") {
		t.Errorf("duplicate cluster: err = %v", err)
	}
	_, err = RunSources(ctx, eng, []Source{{Name: "bad.json", Load: func() (*snapshot.Snapshot, error) { return nil, errors.New("not gzip") }}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "loading bad.json: not gzip") {
		t.Errorf("load failure: err = %v", err)
	}
}
