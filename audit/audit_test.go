package audit

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/snapshot"
)

var update = flag.Bool("update", false, "rewrite testdata/audit/expected.txt from the current findings")

// auditTime is the audit time of the fixtures: 1.34 is past its end of life
// (2026-10-27), 1.36 is not within 90 days of it.
var auditTime = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

var (
	engOnce sync.Once
	eng     *engine.Engine
	engErr  error
)

func defaultEngine(t *testing.T) *engine.Engine {
	t.Helper()
	engOnce.Do(func() { eng, engErr = engine.New(context.Background()) })
	if engErr != nil {
		t.Fatal(engErr)
	}
	return eng
}

func loadFleet(t *testing.T, names ...string) []*snapshot.Snapshot {
	t.Helper()
	var out []*snapshot.Snapshot
	for _, n := range names {
		s, err := snapshot.Load("../testdata/audit/" + n + ".json")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// findingLines renders the cluster- and fleet-scope findings as
// "cluster policy resource" lines, sorted (duplicates kept).
func findingLines(r *engine.Result) []string {
	var lines []string
	for _, f := range r.Findings {
		if f.Scope == engine.ScopeObject {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %s %s", f.Cluster, f.PolicyID, f.Resource))
	}
	sort.Strings(lines)
	return lines
}

func readExpected(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(raw), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		lines = append(lines, l)
	}
	sort.Strings(lines)
	return lines
}

const expectedHeader = `# Ground truth for TestRunFindsExactlyTheSeededViolations: every cluster- and
# fleet-scope finding of auditing eu-prod.json, us-prod.json and ap-dev.json
# at 2026-11-21, as "cluster policy resource", one per finding (a resource
# with two findings of one policy appears twice). Regenerate with
#   go test ./audit -run TestRunFindsExactly -update
# and review the diff: every line must be a seeded weakness.
`

func TestRunFindsExactlyTheSeededViolations(t *testing.T) {
	ctx := context.Background()
	r, err := Run(ctx, defaultEngine(t), loadFleet(t, "eu-prod", "us-prod", "ap-dev"), Options{Now: func() time.Time { return auditTime }})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("audit errors: %v", r.Errors)
	}
	got := findingLines(r)
	path := "../testdata/audit/expected.txt"
	if *update {
		if err := os.WriteFile(path, []byte(expectedHeader+strings.Join(got, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := readExpected(t, path)
	missing, extra := diff(want, got)
	for _, l := range missing {
		t.Errorf("missing finding: %s", l)
	}
	for _, l := range extra {
		t.Errorf("unexpected finding: %s", l)
	}
	for _, f := range r.Findings {
		if f.Cluster == "ap-dev" {
			t.Errorf("unreachable cluster ap-dev has a finding: %s %s", f.PolicyID, f.Message)
		}
	}
}

// diff compares two sorted multisets.
func diff(want, got []string) (missing, extra []string) {
	count := map[string]int{}
	for _, l := range want {
		count[l]++
	}
	for _, l := range got {
		count[l]--
	}
	keys := make([]string, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for n := count[k]; n > 0; n-- {
			missing = append(missing, k)
		}
		for n := count[k]; n < 0; n++ {
			extra = append(extra, k)
		}
	}
	return missing, extra
}

func TestRunScoresControlsPerClusterAndFleet(t *testing.T) {
	ctx := context.Background()
	r, err := Run(ctx, defaultEngine(t), loadFleet(t, "eu-prod", "us-prod", "ap-dev"), Options{Now: func() time.Time { return auditTime }})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, c := range r.Controls {
		status[c.Framework+" "+c.Control+" "+c.Cluster] = c.Status
	}
	tests := []struct{ key, want string }{
		{"cis-k8s-v1.10 5.1.1 eu-prod", engine.ControlFail},             // web-admin binds cluster-admin
		{"cis-k8s-v1.10 5.1.1 us-prod", engine.ControlPass},             // no such binding
		{"cis-k8s-v1.10 5.1.1 ap-dev", engine.ControlFail},              // unreachable: never passes
		{"cis-k8s-v1.10 5.1.1 ", engine.ControlFail},                    // the fleet
		{"cis-k8s-v1.10 5.1.7 us-prod", engine.ControlManual},           // system:masters: not visible in the API
		{"cis-k8s-v1.10 5.7.3 us-prod", engine.ControlManual},           // no policy maps to it
		{"cis-k8s-v1.10 5.2.11 us-prod", engine.ControlPass},            // web evaluated, no HostProcess
		{"nsa-cisa-v1.2 upgrades/patching us-prod", engine.ControlFail}, // 1.34 past end of life
		{"nsa-cisa-v1.2 upgrades/patching eu-prod", engine.ControlFail}, // partial: FG-VER-006 reads every kind
		{"nsa-cisa-v1.2 audit/logging eu-prod", engine.ControlManual},
		{"pss baseline/privileged-containers us-prod", engine.ControlPass},
		{"pss baseline/privileged-containers ap-dev", engine.ControlFail},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := status[tt.key]; got != tt.want {
				t.Errorf("status = %q, want %q", got, tt.want)
			}
		})
	}
	scores := map[string]engine.Score{}
	for _, s := range r.Scores {
		scores[s.Framework+" "+s.Cluster] = s
	}
	if s := scores["pss us-prod"]; s.Passed != 17 || s.Failed != 0 || s.Percent != 100 {
		t.Errorf("pss us-prod score = %+v, want 17 passed, 0 failed, 100%%", s)
	}
	if s := scores["pss ap-dev"]; s.Passed != 0 || s.Failed != 17 || s.Percent != 0 {
		t.Errorf("pss ap-dev score = %+v, want every control failed", s)
	}
	if s := scores["pss "]; s.Failed != 17 {
		t.Errorf("fleet pss score = %+v, want 17 failed (ap-dev is unreachable)", s)
	}
}
