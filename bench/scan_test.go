// Package bench holds Fleetguard's benchmarks. Run them with `make bench`;
// figures go to bench/RESULTS.md.
package bench

import (
	"context"
	"os"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/manifest"
)

// corpusDir is the generated corpus (go run ./bench/corpus -o DIR).
func corpusDir(b *testing.B) string {
	dir := os.Getenv("FLEETGUARD_CORPUS")
	if dir == "" {
		dir = "corpus/out"
	}
	if _, err := os.Stat(dir); err != nil {
		b.Fatalf("corpus %s missing: run go run ./bench/corpus -o %s", dir, dir)
	}
	return dir
}

// BenchmarkScan measures reading and evaluating the corpus with the default
// bundle, as `policy scan` does after start-up (bench/scan.sh includes it).
func BenchmarkScan(b *testing.B) {
	dir := corpusDir(b)
	ctx := context.Background()
	eng, err := engine.New(ctx)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		objs, errs := manifest.Read([]string{dir}, nil)
		if len(errs) > 0 {
			b.Fatal(errs)
		}
		ins := make([]*engine.ObjectInput, len(objs))
		for j := range objs {
			ins[j] = &engine.ObjectInput{Object: objs[j].Object, Source: &objs[j].Source}
		}
		r := eng.Scan(ctx, ins)
		if len(r.Findings) == 0 {
			b.Fatal("no findings")
		}
		n = len(objs)
		b.ReportMetric(float64(n), "objects/op")
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "objects/s")
}
