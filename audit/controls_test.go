package audit

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
)

// testFrameworks is a small catalogue: c1 and c2 are mapped, c3 is manual in
// the catalogue, c4 has no policy.
var testFrameworks = map[string]any{
	"fw": map[string]any{"controls": []any{
		map[string]any{"id": "c1", "title": "One"},
		map[string]any{"id": "c2", "title": "Two"},
		map[string]any{"id": "c3", "title": "Three", "manual": true},
		map[string]any{"id": "c4", "title": "Four"},
	}},
}

var testPolicies = []engine.Policy{
	{ID: "OBJ", Scope: engine.ScopeObject, Kinds: []string{"Pod"}, Controls: map[string][]string{"fw": {"c1"}}},
	{ID: "CLU", Scope: engine.ScopeCluster, Kinds: []string{"rbac.authorization.k8s.io/ClusterRole"}, Controls: map[string][]string{"fw": {"c2", "c3"}}},
	{ID: "FLT", Scope: engine.ScopeFleet, Controls: map[string][]string{"fw": {"c2"}}},
}

func TestScoreControls(t *testing.T) {
	pass := func(id, cluster string) engine.Pass { return engine.Pass{PolicyID: id, Cluster: cluster} }
	find := func(id, cluster string, excepted bool) engine.Finding {
		f := engine.Finding{PolicyID: id, Cluster: cluster}
		if excepted {
			f.Excepted = &engine.AppliedException{Reason: "accepted"}
		}
		return f
	}
	complete := func(name string) engine.ClusterStatus {
		return engine.ClusterStatus{Name: name, State: engine.ClusterComplete}
	}
	tests := []struct {
		name     string
		clusters []engine.ClusterStatus
		findings []engine.Finding
		passes   []engine.Pass
		stats    map[string]engine.PolicyStats
		want     []string // "cluster control status passed/failed"
		scores   []string // "cluster passed/failed/manual/na percent"
	}{
		{
			name:     "all pass",
			clusters: []engine.ClusterStatus{complete("a")},
			passes:   []engine.Pass{pass("OBJ", "a"), pass("OBJ", "a"), pass("CLU", "a"), pass("FLT", "")},
			stats:    map[string]engine.PolicyStats{"FLT": {Evaluated: 1}},
			want:     []string{"a c1 pass 2/0", "a c2 pass 2/0", "a c3 manual 0/0", "a c4 manual 0/0", " c1 pass 2/0", " c2 pass 2/0", " c3 manual 0/0", " c4 manual 0/0"},
			scores:   []string{"a 2/0/2/0 100", " 2/0/2/0 100"},
		},
		{
			name:     "finding fails, excepted finding does not, no objects is not applicable",
			clusters: []engine.ClusterStatus{complete("a"), complete("b")},
			findings: []engine.Finding{find("CLU", "a", false), find("CLU", "b", true)},
			passes:   []engine.Pass{pass("FLT", ""), pass("OBJ", "b")},
			stats:    map[string]engine.PolicyStats{"FLT": {Evaluated: 1}},
			want: []string{
				"a c1 not-applicable 0/0", "b c1 pass 1/0",
				"a c2 fail 1/1", "b c2 pass 1/0",
				"a c3 manual 0/0", "b c3 manual 0/0", "a c4 manual 0/0", "b c4 manual 0/0",
				" c1 pass 1/0", " c2 fail 2/1", " c3 manual 0/0", " c4 manual 0/0",
			},
			scores: []string{"a 0/1/2/1 0", "b 2/0/2/0 100", " 1/1/2/0 50"},
		},
		{
			name:     "fleet finding counts against the cluster it names only",
			clusters: []engine.ClusterStatus{complete("a"), complete("b")},
			findings: []engine.Finding{find("FLT", "b", false)},
			passes:   []engine.Pass{pass("CLU", "a"), pass("CLU", "b"), pass("OBJ", "a"), pass("OBJ", "b")},
			stats:    map[string]engine.PolicyStats{"FLT": {Evaluated: 1, Failed: 1}},
			want: []string{
				"a c1 pass 1/0", "b c1 pass 1/0", "a c2 pass 2/0", "b c2 fail 1/1",
				"a c3 manual 0/0", "b c3 manual 0/0", "a c4 manual 0/0", "b c4 manual 0/0",
				" c1 pass 2/0", " c2 fail 3/1", " c3 manual 0/0", " c4 manual 0/0",
			},
			scores: []string{"a 2/0/2/0 100", "b 1/1/2/0 50", " 1/1/2/0 50"},
		},
		{
			name:     "unreachable fails every automated control; partial fails what reads a missing kind",
			clusters: []engine.ClusterStatus{{Name: "down", State: engine.ClusterUnreachable}, {Name: "part", State: engine.ClusterPartial, MissingKinds: []string{"ClusterRole"}}},
			passes:   []engine.Pass{pass("OBJ", "part"), pass("CLU", "part"), pass("FLT", "")},
			stats:    map[string]engine.PolicyStats{"FLT": {Evaluated: 1}},
			want: []string{
				"down c1 fail 0/0", "part c1 pass 1/0", "down c2 fail 0/0", "part c2 fail 2/0",
				"down c3 manual 0/0", "part c3 manual 0/0", "down c4 manual 0/0", "part c4 manual 0/0",
				" c1 fail 1/0", " c2 fail 2/0", " c3 manual 0/0", " c4 manual 0/0",
			},
			scores: []string{"down 0/2/2/0 0", "part 1/1/2/0 50", " 0/2/2/0 0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &engine.Result{Clusters: tt.clusters, Findings: tt.findings, Passes: tt.passes, Stats: tt.stats, Policies: testPolicies}
			scoreControls(r, testFrameworks)
			var got []string
			for _, c := range r.Controls {
				if c.Framework != "fw" {
					t.Errorf("control of framework %q", c.Framework)
				}
				got = append(got, c.Cluster+" "+c.Control+" "+c.Status+" "+itoa(c.Passed)+"/"+itoa(c.Failed))
			}
			sort.Strings(got)
			want := append([]string(nil), tt.want...)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("controls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			var scores []string
			for _, s := range r.Scores {
				scores = append(scores, s.Cluster+" "+itoa(s.Passed)+"/"+itoa(s.Failed)+"/"+itoa(s.Manual)+"/"+itoa(s.NotApplicable)+" "+ftoa(s.Percent))
			}
			if strings.Join(scores, "\n") != strings.Join(tt.scores, "\n") {
				t.Errorf("scores:\n%s\nwant:\n%s", strings.Join(scores, "\n"), strings.Join(tt.scores, "\n"))
			}
		})
	}
}

func TestScoreControlsPolicies(t *testing.T) {
	r := &engine.Result{Clusters: []engine.ClusterStatus{{Name: "a", State: engine.ClusterComplete}}, Policies: testPolicies}
	scoreControls(r, testFrameworks)
	for _, c := range r.Controls {
		if c.Control == "c2" && strings.Join(c.Policies, ",") != "CLU,FLT" {
			t.Errorf("c2 policies = %v, want [CLU FLT]", c.Policies)
		}
		if c.Control == "c1" && c.Title != "One" {
			t.Errorf("c1 title = %q", c.Title)
		}
	}
	none := &engine.Result{Policies: testPolicies}
	scoreControls(none, testFrameworks)
	if len(none.Controls)+len(none.Scores) != 0 {
		t.Errorf("a result without clusters got %d controls and %d scores", len(none.Controls), len(none.Scores))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
