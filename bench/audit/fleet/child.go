package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/fleetguard/fleetguard/audit"
	"github.com/fleetguard/fleetguard/bench/internal/proc"
	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/reports"
	"github.com/fleetguard/fleetguard/snapshot"
)

// auditFigures are what one audit child measured. Times are in seconds.
type auditFigures struct {
	Clusters, Objects, Findings int
	DiskBytes, JSONBytes        int64
	Load, Run, Tail             float64 // wall
	LoadCPU, RunCPU             float64 // user + system CPU of the process
	HeapLoaded                  uint64
	PeakRSS                     int64
	Render                      map[string]float64
	RenderBytes                 map[string]int64
	LoadAvg                     string
}

// scopeFigures are the one-core times of each step over a sample of clusters.
type scopeFigures struct {
	Clusters, Objects                      int
	Digest, Derive, Object, Cluster, Empty float64 // wall
	CPU                                    map[string]float64
}

// load reads the snapshots one at a time, as `policy audit --snapshot` does.
func load(paths []string) ([]*snapshot.Snapshot, int, error) {
	var snaps []*snapshot.Snapshot
	n := 0
	for _, p := range paths {
		s, err := snapshot.Load(p)
		if err != nil {
			return nil, 0, err
		}
		for _, objs := range s.Objects {
			n += len(objs)
		}
		snaps = append(snaps, s)
	}
	return snaps, n, nil
}

// runAudit loads the fleet and audits it with the default bundle, as
// `policy audit --snapshot …` does, then optionally renders the Result.
func runAudit(paths []string, gogc int, render bool) (*auditFigures, error) {
	debug.SetGCPercent(gogc)
	ctx := context.Background()
	f := &auditFigures{Clusters: len(paths), Render: map[string]float64{}, RenderBytes: map[string]int64{}}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		f.DiskBytes += fi.Size()
	}
	eng, err := engine.New(ctx)
	if err != nil {
		return nil, err
	}
	// By default snapshots are loaded on demand, as policy audit --snapshot
	// does (audit.RunSources); -preload loads them all first (audit.Run).
	var srcs []audit.Source
	t0, c0 := time.Now(), proc.CPU()
	if *preload {
		snaps, n, err := load(paths)
		if err != nil {
			return nil, err
		}
		f.Load, f.LoadCPU = time.Since(t0).Seconds(), proc.CPU()-c0
		f.Objects = n
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		f.HeapLoaded = ms.HeapAlloc
		fmt.Fprintf(os.Stderr, "child: loaded %d snapshots (%d objects) in %.1f s, heap %.2f GB; auditing\n", len(snaps), n, f.Load, float64(ms.HeapAlloc)/1e9)
		srcs = audit.FromSnapshots(snaps)
	} else {
		srcs = audit.FromFiles(paths)
	}

	var mu sync.Mutex
	var lastDone time.Time
	t0, c0 = time.Now(), proc.CPU()
	r, err := audit.RunSources(ctx, eng, srcs, audit.Options{Progress: func(_, state string) {
		if state != "evaluating" {
			mu.Lock()
			lastDone = time.Now()
			mu.Unlock()
		}
	}})
	if err != nil {
		return nil, err
	}
	if !*preload {
		for _, c := range r.Clusters {
			f.Objects += c.Objects
		}
	}
	end := time.Now()
	f.Run, f.RunCPU = end.Sub(t0).Seconds(), proc.CPU()-c0
	f.Tail = end.Sub(lastDone).Seconds()
	f.Findings = len(r.Findings)
	fmt.Fprintf(os.Stderr, "child: audited in %.1f s, %d findings\n", f.Run, f.Findings)
	if *memprofile != "" { // what the Result and the snapshots hold once the audit is done
		runtime.GC()
		mf, err := os.Create(*memprofile)
		if err != nil {
			return nil, err
		}
		if err := pprof.WriteHeapProfile(mf); err != nil {
			return nil, err
		}
		mf.Close()
	}
	if len(r.Errors) > 0 {
		return nil, fmt.Errorf("audit errors, first: %s", r.Errors[0].Error())
	}
	for _, c := range r.Clusters {
		if c.State != snapshot.StateComplete {
			return nil, fmt.Errorf("cluster %s is %s", c.Name, c.State)
		}
	}
	if render {
		// The snapshots are no longer needed; a CLI would hold them, but
		// the rendering time does not depend on them.
		for _, format := range []string{"html", "pdf", "json"} {
			secs, size, err := renderTo(r, format)
			if err != nil {
				return nil, err
			}
			f.Render[format], f.RenderBytes[format] = secs, size
		}
	}
	if f.PeakRSS, err = proc.PeakRSS(); err != nil {
		return nil, err
	}
	f.LoadAvg = proc.LoadAvg(3)
	// JSON size after the peak is read, so measuring it does not raise it.
	if len(paths) > 0 {
		s, err := snapshot.Load(paths[0])
		if err != nil {
			return nil, err
		}
		b, err := snapshot.Marshal(s)
		if err != nil {
			return nil, err
		}
		f.JSONBytes = int64(len(b)) * int64(len(paths))
	}
	runtime.KeepAlive(srcs) // preloaded snapshots stay live until the peak is read
	return f, nil
}

// renderTo writes r in one format to a temporary file and returns the time
// it took and the file's size.
func renderTo(r *engine.Result, format string) (float64, int64, error) {
	w, err := reports.New(format, reports.Options{})
	if err != nil {
		return 0, 0, err
	}
	out, err := os.CreateTemp("", "fleetguard-bench-report-*."+format)
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	t0 := time.Now()
	if err := w.Write(out, r); err != nil {
		return 0, 0, fmt.Errorf("rendering %s: %w", format, err)
	}
	if err := out.Sync(); err != nil {
		return 0, 0, err
	}
	secs := time.Since(t0).Seconds()
	fi, err := out.Stat()
	if err != nil {
		return 0, 0, err
	}
	return secs, fi.Size(), nil
}

// runScopes times each step of audit.Run on one core over a sample of
// clusters: the digest, the derived views, the object scope (the same
// EvalObject loop as audit.Run), and the cluster scope as audit.Run with an
// engine holding only the cluster policies, minus its digest, derive and
// (empty) object loop.
func runScopes(paths []string, gogc int) (*scopeFigures, error) {
	debug.SetGCPercent(gogc)
	ctx := context.Background()
	eng, err := engine.New(ctx)
	if err != nil {
		return nil, err
	}
	var clusterIDs []string
	for _, p := range eng.Policies() {
		if p.Scope == engine.ScopeCluster {
			clusterIDs = append(clusterIDs, p.ID)
		}
	}
	clusterOnly, err := engine.New(ctx, engine.WithPolicies(clusterIDs...))
	if err != nil {
		return nil, err
	}
	snaps, n, err := load(paths)
	if err != nil {
		return nil, err
	}
	f := &scopeFigures{Clusters: len(snaps), Objects: n, CPU: map[string]float64{}}
	step := func(name string, wall *float64, fn func() error) error {
		t, c := time.Now(), proc.CPU()
		err := fn()
		*wall += time.Since(t).Seconds()
		f.CPU[name] += proc.CPU() - c
		return err
	}
	for _, s := range snaps {
		if err := step("digest", &f.Digest, func() error { _, err := snapshot.Digest(s); return err }); err != nil {
			return nil, err
		}
		step("derive", &f.Derive, func() error { s.Derive(); return nil })
		if err := step("object", &f.Object, func() error { return objectScope(ctx, eng, s) }); err != nil {
			return nil, err
		}
		if err := step("empty", &f.Empty, func() error { return objectScope(ctx, clusterOnly, s) }); err != nil {
			return nil, err
		}
	}
	runtime.GC()
	var whole float64
	err = step("whole", &whole, func() error {
		r, err := audit.Run(ctx, clusterOnly, snaps, audit.Options{Workers: 1})
		if err == nil && len(r.Errors) > 0 {
			err = fmt.Errorf("cluster-only audit: %s", r.Errors[0].Error())
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	f.Cluster = whole - f.Digest - f.Derive - f.Empty
	f.CPU["cluster"] = f.CPU["whole"] - f.CPU["digest"] - f.CPU["derive"] - f.CPU["empty"]
	return f, nil
}

// objectScope is audit.Run's object loop, over the inputs audit.Run makes
// (audit.ObjectInputs: Namespaces, the audit point, the inventory).
func objectScope(ctx context.Context, eng *engine.Engine, s *snapshot.Snapshot) error {
	ins, err := audit.ObjectInputs(eng, s)
	if err != nil {
		return fmt.Errorf("cluster %s: %w", s.Cluster.Name, err)
	}
	for _, in := range ins {
		if _, err := eng.EvalObject(ctx, in); err != nil {
			return fmt.Errorf("cluster %s: %w", s.Cluster.Name, err)
		}
	}
	return nil
}
