// Command fleet benchmarks an offline fleet audit (issue 6): it generates
// -clusters snapshots of -objects objects each (gzip, cached in -dir), then
// runs child processes of itself that load them and run audit.Run with the
// default bundle, as `policy audit --snapshot …` does, and reports the
// median of -runs runs: load and audit time, peak RSS, objects per second
// per scope (object, cluster, fleet) and, with -render, the time to render
// the 100-cluster Result as HTML, PDF and JSON (issue 7).
//
//	go run ./bench/audit/fleet [-clusters 100] [-objects 10000] [-runs 3] [-render]
//
// It prints a Markdown report for bench/RESULTS.md on stdout and progress
// on stderr. See bench/audit/README.md.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fleetguard/fleetguard/bench/internal/proc"
)

// memprofile is where the audit child writes its heap profile.
var memprofile = flag.String("memprofile", "", "with -child audit: write a heap profile after audit.Run")

// maxRSS bounds each child's memory, in GB.
var preload = flag.Bool("preload", false, "load every snapshot before the audit (audit.Run) instead of on demand (audit.RunSources, what policy audit --snapshot does)")

var memLimit = flag.Int64("memlimit", 1536, "soft memory limit of the audit process in MiB, as policy audit --memory-limit-mib (0: none)")

var maxRSS = flag.Float64("maxrss", 12, "stop a child whose RSS exceeds this many GB (the machine is shared)")

func main() {
	clusters := flag.Int("clusters", 100, "snapshots in the fleet")
	objects := flag.Int("objects", 10000, "objects per snapshot")
	bad := flag.Float64("bad", 0.2, "share of misconfigured objects")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "fleetguard-bench-fleet"), "where the generated snapshots are kept (reused when the parameters match)")
	runs := flag.Int("runs", 3, "timed audit runs (the median is reported)")
	sample := flag.Int("sample", 10, "clusters timed scope by scope, one core")
	render := flag.Bool("render", false, "also time rendering the Result as html, pdf and json")
	gogc := flag.Int("gogc", 400, "GC percent of the audit process (the policy CLI sets 400)")
	genOnly := flag.Bool("gen", false, "only generate the snapshots")
	child := flag.String("child", "", "internal: audit|scopes, run once in this process and print JSON figures")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of this process (use with -gen or -child)")
	flag.Parse()

	if err := proc.StartCPUProfile(*cpuprofile); err != nil {
		fail(err)
	}
	p := genParams{Clusters: *clusters, Objects: *objects, Bad: *bad, Version: genVersion}
	paths, err := ensureFleet(*dir, p)
	if err != nil {
		fail(err)
	}
	if *genOnly {
		pprof.StopCPUProfile()
		return
	}
	if *child != "" {
		var fig any
		switch *child {
		case "audit":
			fig, err = runAudit(paths, *gogc, *render)
		case "scopes":
			fig, err = runScopes(paths[:min(*sample, len(paths))], *gogc)
		default:
			err = fmt.Errorf("unknown child mode %q", *child)
		}
		pprof.StopCPUProfile()
		if err != nil {
			fail(err)
		}
		if err := json.NewEncoder(os.Stdout).Encode(fig); err != nil {
			fail(err)
		}
		return
	}
	if err := report(paths, p, *runs, *sample, *gogc, *render); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/audit/fleet:", err)
	os.Exit(1)
}

// report runs the children and prints the Markdown report.
func report(paths []string, p genParams, runs, sample, gogc int, render bool) error {
	var audits []auditFigures
	for r := range runs {
		var a auditFigures
		if err := runChild(&a, "audit", gogc, render); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "run %d: load %.1f s, audit %.1f s (%.1f s CPU), peak RSS %.0f MiB, load average %s\n", r+1, a.Load, a.Run, a.RunCPU, float64(a.PeakRSS)/(1<<20), a.LoadAvg)
		audits = append(audits, a)
	}
	var sc scopeFigures
	if err := runChild(&sc, "scopes", gogc, false); err != nil {
		return err
	}
	med := func(f func(a auditFigures) float64) float64 {
		xs := make([]float64, len(audits))
		for i, a := range audits {
			xs[i] = f(a)
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	all := func(f func(a auditFigures) float64, unit string, prec int) string {
		var s []string
		for _, a := range audits {
			s = append(s, strconv.FormatFloat(f(a), 'f', prec, 64)+unit)
		}
		return strings.Join(s, ", ")
	}
	a0 := audits[0]
	total := float64(a0.Objects)
	fmt.Printf("Command: `go run ./bench/audit/fleet -clusters %d -objects %d -runs %d -gogc %d%s` (%d CPUs, %s, %s); load average at the runs: %s.\n\n",
		p.Clusters, p.Objects, runs, gogc, map[bool]string{true: " -render"}[render], runtime.NumCPU(), runtime.Version(), time.Now().UTC().Format("2006-01-02"), all(func(a auditFigures) float64 { v, _ := strconv.ParseFloat(strings.Fields(a.LoadAvg)[0], 64); return v }, "", 1))
	fmt.Printf("Fleet: %d snapshots, %d objects in all, %d findings, %.0f MB of gzip on disk (%.0f MB of JSON).\n\n", a0.Clusters, a0.Objects, a0.Findings, float64(a0.DiskBytes)/1e6, float64(a0.JSONBytes)/1e6)
	fmt.Printf("| Measure | Median of %d (runs) | Target |\n|---|---|---|\n", runs)
	fmt.Printf("| Load %d snapshots (`snapshot.Load`: gunzip, schema validation, decode; one at a time as `policy audit --snapshot` does) | %.1f s (%s) | |\n", a0.Clusters, med(func(a auditFigures) float64 { return a.Load }), all(func(a auditFigures) float64 { return a.Load }, " s", 1))
	fmt.Printf("| `audit.Run`, default bundle, all scopes, Workers = GOMAXPROCS | %.1f s (%s) | |\n", med(func(a auditFigures) float64 { return a.Run }), all(func(a auditFigures) float64 { return a.Run }, " s", 1))
	fmt.Printf("| CPU used (user + system): load, audit.Run | %.1f s, %.1f s | |\n", med(func(a auditFigures) float64 { return a.LoadCPU }), med(func(a auditFigures) float64 { return a.RunCPU }))
	fmt.Printf("| Load + audit | **%.1f s** | under 60 s |\n", med(func(a auditFigures) float64 { return a.Load + a.Run }))
	fmt.Printf("| Throughput of audit.Run | %.0f objects/s | |\n", total/med(func(a auditFigures) float64 { return a.Run }))
	fmt.Printf("| Of which after the last cluster: fleet scope, exceptions, scoring | %.2f s | |\n", med(func(a auditFigures) float64 { return a.Tail }))
	fmt.Printf("| Peak RSS of the process (VmHWM), GOGC=%d | **%.2f GB** (%s) | under 2 GB |\n", gogc, med(func(a auditFigures) float64 { return float64(a.PeakRSS) / 1e9 }), all(func(a auditFigures) float64 { return float64(a.PeakRSS) / 1e9 }, " GB", 2))
	fmt.Printf("| Go heap in use after loading, before the audit | %.2f GB | |\n", med(func(a auditFigures) float64 { return float64(a.HeapLoaded) / 1e9 }))
	if render {
		for _, f := range []string{"html", "pdf", "json"} {
			fmt.Printf("| Render the %d-cluster Result as %s (`reports.New(%q).Write`, to a file) | %.1f s, %.1f MB | |\n", a0.Clusters, f, f,
				med(func(a auditFigures) float64 { return a.Render[f] }), float64(a0.RenderBytes[f])/1e6)
		}
	}
	fmt.Printf("\nScope by scope, one core (Workers = 1), over the first %d clusters (%d objects); wall time of each step:\n\n", sc.Clusters, sc.Objects)
	fmt.Printf("| Step | Wall | CPU (process, GC included) | Objects per CPU-second |\n|---|---|---|---|\n")
	n := float64(sc.Objects)
	row := func(name, key string, wall float64) {
		fmt.Printf("| %s | %.2f s | %.2f s | %.0f |\n", name, wall, sc.CPU[key], n/sc.CPU[key])
	}
	row("snapshot digest (canonical JSON + sha256, done by audit.Run for snapshots in memory; a file that holds the canonical encoding has its bytes hashed instead)", "digest", sc.Digest)
	row("derived views (`Snapshot.Derive`)", "derive", sc.Derive)
	row("**object scope** (`EvalObject` on every object, the loop of audit.Run)", "object", sc.Object)
	row("**cluster scope** (`EvalCluster` and building its input: audit.Run with only the cluster policies, minus digest, derive and its empty object loop)", "cluster", sc.Cluster)
	fmt.Printf("| **fleet scope** over all %d clusters (`EvalFleet` with its input, then exceptions and scoring: the tail of the full runs, wall) | %.2f s | | %.0f objects/s (wall) |\n", a0.Clusters, med(func(a auditFigures) float64 { return a.Tail }), total/med(func(a auditFigures) float64 { return a.Tail }))
	return nil
}

// runChild re-executes this program in child mode and decodes its figures.
func runChild(v any, mode string, gogc int, render bool) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := append([]string{"-child", mode, "-gogc", strconv.Itoa(gogc)}, forwarded()...)
	if render {
		args = append(args, "-render")
	}
	cmd := exec.Command(self, args...)
	if *memLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		cmd.Env = append(os.Environ(), fmt.Sprintf("GOMEMLIMIT=%dMiB", *memLimit))
	}
	cmd.Stderr = os.Stderr
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("child %s: %w", mode, err)
	}
	// The machine is shared: stop the child (only it, by pid) before it
	// takes more than -maxrss of memory.
	done := make(chan struct{})
	killed := make(chan int64, 1)
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if rss := procRSS(cmd.Process.Pid); rss > int64(*maxRSS*1e9) {
					killed <- rss
					cmd.Process.Kill()
					return
				}
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	select {
	case rss := <-killed:
		return fmt.Errorf("child %s stopped at %.1f GB of RSS, over -maxrss %.1f GB", mode, float64(rss)/1e9, *maxRSS)
	default:
	}
	if err != nil {
		return fmt.Errorf("child %s: %w", mode, err)
	}
	return json.NewDecoder(&out).Decode(v)
}

// procRSS is the current VmRSS of a process, 0 when unknown.
func procRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// forwarded are the generation flags the parent was given, for the child.
func forwarded() []string {
	var args []string
	flag.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "clusters", "objects", "bad", "dir", "sample", "preload":
			args = append(args, "-"+f.Name+"="+f.Value.String())
		}
	})
	return args
}
