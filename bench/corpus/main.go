// Command corpus writes a realistic, deterministic corpus of Kubernetes
// manifests for benchmarks: Deployments, StatefulSets, Pods, Services,
// Roles, RoleBindings, NetworkPolicies and ServiceAccounts, spread over
// namespaces and multi-document files, with a share of them misconfigured.
//
//	go run ./bench/corpus -n 10000 -o bench/corpus/out
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/fleetguard/fleetguard/bench/corpus/shapes"
)

func main() {
	n := flag.Int("n", 10000, "number of objects")
	out := flag.String("o", "bench/corpus/out", "output directory (replaced)")
	perFile := flag.Int("per-file", 50, "objects per file")
	bad := flag.Float64("bad", 0.2, "share of misconfigured workloads and roles")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := write(*out, *n, *perFile, *bad, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
}

func write(dir string, n, perFile int, bad float64, seed uint64) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(seed, seed))
	gens := shapes.Scan
	var docs []string
	file := 0
	flush := func() error {
		if len(docs) == 0 {
			return nil
		}
		p := filepath.Join(dir, fmt.Sprintf("manifests-%04d.yaml", file))
		file++
		err := os.WriteFile(p, []byte(strings.Join(docs, "---\n")), 0o644)
		docs = docs[:0]
		return err
	}
	for i := 0; i < n; i++ {
		ns := fmt.Sprintf("team-%02d", i%40)
		docs = append(docs, gens[i%len(gens)](r, i, ns, r.Float64() < bad))
		if len(docs) == perFile {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}
