package engine

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDetailsEncodeCompactAndRoundTrip(t *testing.T) {
	d := DetailsOf(map[string]any{"path": "spec.containers[0]", "container": "app"})
	if string(d) != `{"container":"app","path":"spec.containers[0]"}` {
		t.Fatalf("DetailsOf = %s", d)
	}
	if DetailsOf(nil) != nil || DetailsOf(map[string]any{}) != nil {
		t.Fatal("empty details must be nil, so they are omitted")
	}
	// A report written with indentation reads back to the same compact bytes.
	in, err := json.MarshalIndent(Finding{PolicyID: "P", Details: d}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var back Finding
	if err := json.Unmarshal(in, &back); err != nil {
		t.Fatal(err)
	}
	if string(back.Details) != string(d) {
		t.Fatalf("round trip gave %s, want %s", back.Details, d)
	}
	out, _ := json.Marshal(Finding{PolicyID: "P"})
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	if _, ok := m["details"]; ok {
		t.Fatalf("a finding without details must omit them: %s", out)
	}
	var null Finding
	if err := json.Unmarshal([]byte(`{"details":null}`), &null); err != nil || null.Details != nil {
		t.Fatalf("null details: %v, %q", err, null.Details)
	}
}

func TestMergeAddsFindingsCountsAndStats(t *testing.T) {
	r := &Result{Stats: map[string]PolicyStats{"A": {}, "B": {}}}
	a := &Result{OmitPasses: true, Stats: map[string]PolicyStats{}}
	a.Add(ObjectVerdict{Resource: Resource{Kind: "Pod", Name: "p"}, Findings: []Finding{{PolicyID: "A", Cluster: "c1"}}, Passed: []string{"B"}}, nil, "c1")
	b := &Result{OmitPasses: true, Stats: map[string]PolicyStats{}}
	b.Add(ObjectVerdict{Resource: Resource{Kind: "Pod", Name: "q"}, Passed: []string{"A", "B"}}, nil, "c2")
	b.Errors = append(b.Errors, InputError{Cluster: "c2", Message: "bad"})
	r.Merge(a)
	r.Merge(b)
	if len(r.Findings) != 1 || r.Findings[0].Cluster != "c1" {
		t.Fatalf("findings = %+v", r.Findings)
	}
	wantStats := map[string]PolicyStats{"A": {Evaluated: 2, Failed: 1}, "B": {Evaluated: 2}}
	if !reflect.DeepEqual(r.Stats, wantStats) {
		t.Fatalf("stats = %v, want %v", r.Stats, wantStats)
	}
	wantPasses := map[string]map[string]int{"c1": {"B": 1}, "c2": {"A": 1, "B": 1}}
	if !reflect.DeepEqual(r.PassCounts, wantPasses) {
		t.Fatalf("pass counts = %v, want %v", r.PassCounts, wantPasses)
	}
	if len(r.Passes) != 0 || len(r.Errors) != 1 {
		t.Fatalf("passes %d (omitted), errors %v", len(r.Passes), r.Errors)
	}
}
