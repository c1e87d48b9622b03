package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/fleetguard/fleetguard/fetchers"
	"github.com/fleetguard/fleetguard/internal/testfleet"
	"github.com/fleetguard/fleetguard/snapshot"
)

// lab is a fourth cluster, seeded like the others with testdata/fleet/common
// only, where the vulnerable-manifests test adds its namespace. It has a
// cluster of its own because nothing can be removed cleanly from a fleet
// without a controller-manager (a deleted namespace stays Terminating), so
// adding to dev would change the ground truth of the seeded clusters.
const lab = "lab"

// prodEU is a second env=prod cluster, seeded from testdata/fleet/common and
// testdata/fleet/prod-eu: fleet policies compare clusters of one
// environment, and each default cluster is alone in its own.
var prodEU = testfleet.ClusterSpec{
	Name: "prod-eu", Version: testfleet.Current,
	Labels: map[string]string{"env": "prod", "region": "eu-west-1", "tier": "critical"},
}

// seeded are the clusters whose findings the ground truth lists.
var seeded = []string{"dev", "staging-eu", "prod-us", "prod-eu"}

// env is what TestMain set up, shared read-only by every test.
var env struct {
	fleet *testfleet.Fleet
	// root is the repository root.
	root string
	// bin is the `policy` binary built from ./cmd/policy.
	bin string
	// config is a fleet config (fetchers.Config) of the seeded clusters,
	// each reached through its auditor context: the least-privilege role of
	// deploy/fetcher.
	config string
	// snaps are the seeded clusters, collected through config when the
	// fleet came up, before any test ran.
	snaps []*snapshot.Snapshot
}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

// run starts the fleet and builds the CLI concurrently, collects the seeded
// clusters, runs the tests and stops everything, also when a step fails.
// Should the test binary die instead, testfleet's processes die with it.
func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "e2e: "+format+"\n", args...)
		return 1
	}
	root, err := testfleet.RepoRoot()
	if err != nil {
		return fail("finding the repository root: %v", err)
	}
	env.root = root
	tmp, err := os.MkdirTemp("", "fleetguard-e2e-")
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(tmp)

	env.bin = filepath.Join(tmp, "policy")
	var buildErr error
	var wg sync.WaitGroup
	wg.Go(func() { buildErr = build(ctx, root, env.bin) })
	clusters := append(testfleet.DefaultClusters(), prodEU, testfleet.ClusterSpec{
		Name: lab, Version: testfleet.Current, Labels: map[string]string{"env": "lab", "region": "local", "tier": "low"},
	})
	f, err := testfleet.Up(ctx, testfleet.Options{Seed: true, Clusters: clusters, Dir: filepath.Join(tmp, "fleet")})
	wg.Wait()
	if f != nil {
		defer f.Stop()
	}
	if err != nil {
		return fail("starting the local fleet: %v", err)
	}
	if buildErr != nil {
		return fail("%v", buildErr)
	}
	env.fleet = f
	if env.config, err = writeConfig(f, filepath.Join(tmp, "e2e-fleet.yaml")); err != nil {
		return fail("%v", err)
	}
	if env.snaps, err = collect(ctx, env.config); err != nil {
		return fail("%v", err)
	}
	return m.Run()
}

// build compiles the CLI as a user would get it.
func build(ctx context.Context, root, out string) error {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	cmd := exec.CommandContext(ctx, gobin, "build", "-buildvcs=false", "-o", out, "./cmd/policy")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building ./cmd/policy: %w\n%s", err, b)
	}
	return nil
}

// writeConfig writes the fleet config of the seeded clusters with their
// auditor contexts and labels, validated by loading it back.
func writeConfig(f *testfleet.Fleet, path string) (string, error) {
	cfg := fetchers.Config{
		APIVersion: fetchers.ConfigAPIVersion, Kind: "FleetConfig",
		Kubeconfig: f.Kubeconfig, SystemNamespaces: testfleet.SystemNamespaces,
	}
	for _, name := range seeded {
		c := f.Cluster(name)
		cfg.Clusters = append(cfg.Clusters, fetchers.ClusterConfig{Name: c.Name, Context: c.AuditorContext, Labels: c.Labels})
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", err
	}
	if _, err := fetchers.LoadConfig(path); err != nil {
		return "", fmt.Errorf("the e2e fleet config does not load: %w", err)
	}
	return path, nil
}

// collect fetches every cluster of the fleet config, as `policy audit
// --config` does, and insists that each snapshot is complete: an audit of a
// partial snapshot would miss findings silently.
func collect(ctx context.Context, config string) ([]*snapshot.Snapshot, error) {
	cfg, err := fetchers.LoadConfig(config)
	if err != nil {
		return nil, err
	}
	ts, err := fetchers.Targets(fetchers.Selection{Config: cfg})
	if err != nil {
		return nil, fmt.Errorf("selecting the clusters of %s: %w", config, err)
	}
	var mu sync.Mutex
	var snaps []*snapshot.Snapshot
	fetchers.Fleet(ctx, ts, fetchers.Options{}, func(s *snapshot.Snapshot) {
		mu.Lock()
		defer mu.Unlock()
		snaps = append(snaps, s)
	})
	sort.Slice(snaps, func(i, j int) bool { return snaps[i].Cluster.Name < snaps[j].Cluster.Name })
	if len(snaps) != len(seeded) {
		return nil, fmt.Errorf("collected %d snapshots, want %d", len(snaps), len(seeded))
	}
	for _, s := range snaps {
		if s.Status.State != snapshot.StateComplete || len(s.Status.MissingKinds) > 0 {
			return nil, fmt.Errorf("cluster %q through context %q: status %+v, want complete", s.Cluster.Name, s.Cluster.Context, s.Status)
		}
	}
	return snaps, nil
}

// snap returns the seeded cluster's snapshot.
func snap(t *testing.T, cluster string) *snapshot.Snapshot {
	t.Helper()
	for _, s := range env.snaps {
		if s.Cluster.Name == cluster {
			return s
		}
	}
	t.Fatalf("no snapshot of cluster %q", cluster)
	return nil
}
