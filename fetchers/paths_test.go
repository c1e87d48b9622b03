package fetchers

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/snapshot"
)

func TestPaths(t *testing.T) {
	dir := t.TempDir()
	ts := func(names ...string) []Target {
		var out []Target
		for _, n := range names {
			out = append(out, Target{Cluster: snapshot.Cluster{Name: n}})
		}
		return out
	}
	got, err := Paths(ts("dev", "arn:aws:eks:eu/prod"), dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if got["dev"] != filepath.Join(dir, "dev.json.gz") || got["arn:aws:eks:eu/prod"] != filepath.Join(dir, "arn_aws_eks_eu_prod.json.gz") {
		t.Errorf("paths = %v", got)
	}
	got, err = Paths(ts("dev"), filepath.Join(dir, "sub", "{name}-snap.json"), false)
	if err != nil || got["dev"] != filepath.Join(dir, "sub", "dev-snap.json") {
		t.Errorf("pattern: %v, %v", got, err)
	}
	if _, err := Paths(ts("a/b", "a:b"), dir, false); err == nil || !strings.Contains(err.Error(), "would both write") {
		t.Errorf("colliding names: err = %v", err)
	}
}
