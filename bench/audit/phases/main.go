// Command phases times each phase of `policy audit --snapshot …` in one
// process, the way cmd/policy runs them: engine start, loading the
// snapshots, audit.Run, recording the audit in the history store, and each
// report (rendered into memory, then written), so a slow audit can be
// attributed. -cpuprofile profiles the whole run.
//
//	go run ./bench/audit/phases [-cpuprofile FILE] [-o html,pdf,json] [-scope object|cluster|fleet] SNAPSHOT...
//
// See bench/audit/README.md.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/fleetguard/fleetguard/audit"
	"github.com/fleetguard/fleetguard/bench/internal/proc"
	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/reports"
	"github.com/fleetguard/fleetguard/snapshot"
	"github.com/fleetguard/fleetguard/store"
)

func main() {
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run")
	formats := flag.String("o", "html,pdf,json", "report formats, comma-separated")
	gogc := flag.Int("gogc", 400, "GC percent (the policy CLI sets 400)")
	noStore := flag.Bool("no-store", false, "do not record the audit in a history store")
	flag.StringVar(&only, "policy", "", "with -scope: keep only these policy ids, comma-separated")
	flag.StringVar(&scope, "scope", "", "keep only the policies of this scope (object, cluster or fleet), to time one scope")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: phases [-cpuprofile FILE] [-o html,pdf,json] SNAPSHOT...")
		os.Exit(2)
	}
	debug.SetGCPercent(*gogc)
	if err := proc.StartCPUProfile(*cpuprofile); err != nil {
		fail(err)
	}
	defer pprof.StopCPUProfile()
	if err := run(flag.Args(), strings.Split(*formats, ","), !*noStore); err != nil {
		pprof.StopCPUProfile()
		fail(err)
	}
}

// scope, when set, restricts the engine to one scope's policies; only,
// to the listed policies.
var scope, only string

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/audit/phases:", err)
	os.Exit(1)
}

func run(paths, formats []string, record bool) error {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "fleetguard-bench-phases-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	fmt.Printf("| Phase | Wall | CPU |\n|---|---|---|\n")
	var totalW, totalC float64
	phase := func(name string, fn func() error) error {
		t, c := time.Now(), proc.CPU()
		err := fn()
		w, cc := time.Since(t).Seconds(), proc.CPU()-c
		totalW, totalC = totalW+w, totalC+cc
		fmt.Printf("| %s | %.2f s | %.2f s |\n", name, w, cc)
		return err
	}
	var eng *engine.Engine
	if err := phase("engine.New (default bundle)", func() (err error) { eng, err = engine.New(ctx); return err }); err != nil {
		return err
	}
	if scope != "" {
		var ids []string
		for _, p := range eng.Policies() {
			if p.Scope == scope {
				ids = append(ids, p.ID)
			}
		}
		if only != "" {
			ids = strings.Split(only, ",")
		}
		if len(ids) == 0 {
			return fmt.Errorf("no %s-scope policy in the default bundle", scope)
		}
		var err error
		if eng, err = engine.New(ctx, engine.WithPolicies(ids...)); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "only the %d %s-scope policies\n", len(ids), scope)
	}
	var snaps []*snapshot.Snapshot
	objects := 0
	if err := phase(fmt.Sprintf("snapshot.Load × %d", len(paths)), func() error {
		for _, p := range paths {
			s, err := snapshot.Load(p)
			if err != nil {
				return err
			}
			for _, o := range s.Objects {
				objects += len(o)
			}
			snaps = append(snaps, s)
		}
		return nil
	}); err != nil {
		return err
	}
	var r *engine.Result
	if err := phase(fmt.Sprintf("audit.Run (%d objects)", objects), func() (err error) {
		r, err = audit.Run(ctx, eng, snaps, audit.Options{})
		return err
	}); err != nil {
		return err
	}
	var h *reports.History
	if record {
		if err := phase(fmt.Sprintf("store: SaveAudit (%d findings) and audit.History, SQLite", len(r.Findings)), func() error {
			st, err := store.Open(ctx, filepath.Join(tmp, "history.db"))
			if err != nil {
				return err
			}
			defer st.Close()
			id, err := st.SaveAudit(ctx, r)
			if err != nil {
				return err
			}
			h, err = audit.History(ctx, st, id)
			return err
		}); err != nil {
			return err
		}
	}
	for _, f := range formats {
		var size int
		if err := phase("report "+f, func() error {
			w, err := reports.New(f, reports.Options{ToolName: "fleetguard", History: h})
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := w.Write(&buf, r); err != nil {
				return err
			}
			size = buf.Len()
			return os.WriteFile(filepath.Join(tmp, "report."+f), buf.Bytes(), 0o600)
		}); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %.1f MB\n", f, float64(size)/1e6)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("| total | %.2f s | %.2f s |\n", totalW, totalC)
	fmt.Fprintf(os.Stderr, "objects %d, findings %d, heap sys %.0f MiB\n", objects, len(r.Findings), float64(ms.HeapSys)/(1<<20))
	return nil
}
