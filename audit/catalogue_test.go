package audit

import (
	"testing"
)

// TestEveryControlIDIsCatalogued loads the embedded bundle and checks that
// every control id in every policy's METADATA exists in the framework
// catalogue it names, and that every catalogue has a source and a date.
func TestEveryControlIDIsCatalogued(t *testing.T) {
	e := defaultEngine(t)
	cats := catalogues(e.Data("frameworks"))
	for _, fw := range []string{"cis-k8s-v1.10", "nsa-cisa-v1.2", "pss"} {
		if len(cats[fw].Controls) == 0 {
			t.Errorf("catalogue %s is missing or empty", fw)
		}
	}
	ids := map[string]map[string]bool{}
	for fw, c := range cats {
		ids[fw] = map[string]bool{}
		for _, ctl := range c.Controls {
			if ids[fw][ctl.ID] {
				t.Errorf("%s: control %s listed twice", fw, ctl.ID)
			}
			ids[fw][ctl.ID] = true
			if ctl.Title == "" {
				t.Errorf("%s: control %s has no title", fw, ctl.ID)
			}
		}
	}
	for _, p := range e.Policies() {
		for fw, list := range p.Controls {
			if ids[fw] == nil {
				t.Errorf("%s (%s:%d): framework %q has no catalogue", p.ID, p.File, p.Line, fw)
				continue
			}
			for _, id := range list {
				if !ids[fw][id] {
					t.Errorf("%s (%s:%d): control %s %q is not in the catalogue", p.ID, p.File, p.Line, fw, id)
				}
			}
		}
	}
	for _, path := range []string{"frameworks/cis-k8s-v1.10", "frameworks/nsa-cisa-v1.2", "frameworks/pss", "kubernetes/releases", "kubernetes/apis", "kubernetes/skew"} {
		doc, _ := e.Data(path).(map[string]any)
		if doc["source"] == nil || doc["retrieved"] == nil {
			t.Errorf("data %s does not record its source and retrieval date", path)
		}
	}
}

// TestCISSection5IsComplete pins the catalogue to the benchmark's numbering.
func TestCISSection5IsComplete(t *testing.T) {
	c := catalogues(defaultEngine(t).Data("frameworks"))["cis-k8s-v1.10"]
	var got []string
	for _, ctl := range c.Controls {
		got = append(got, ctl.ID)
	}
	want := []string{
		"5.1.1", "5.1.2", "5.1.3", "5.1.4", "5.1.5", "5.1.6", "5.1.7", "5.1.8", "5.1.9", "5.1.10", "5.1.11", "5.1.12", "5.1.13",
		"5.2.1", "5.2.2", "5.2.3", "5.2.4", "5.2.5", "5.2.6", "5.2.7", "5.2.8", "5.2.9", "5.2.10", "5.2.11", "5.2.12", "5.2.13",
		"5.3.1", "5.3.2", "5.4.1", "5.4.2", "5.5.1", "5.7.1", "5.7.2", "5.7.3", "5.7.4",
	}
	if len(got) != len(want) {
		t.Fatalf("%d controls, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("control %d = %s, want %s", i, got[i], want[i])
		}
	}
}
