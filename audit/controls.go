package audit

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/fleetguard/fleetguard/engine"
)

// catalogue is one framework's control list (bundle data frameworks.<id>).
type catalogue struct {
	Title    string `json:"title"`
	Controls []struct {
		ID     string `json:"id"`
		Title  string `json:"title"`
		Manual bool   `json:"manual"` // cannot be checked from the Kubernetes API
	} `json:"controls"`
}

// tally is what the mapped policies of one control found in one cluster.
type tally struct {
	passed, failed, evaluated int
	missingKind               bool
}

// scoreControls fills r.Controls and r.Scores from the framework
// catalogues (bundle data "frameworks"): one verdict per control per
// cluster, then one for the fleet, and a score per framework for each.
//
// A control is manual when the catalogue says it cannot be checked from the
// API or no policy maps to it; otherwise it fails when a mapped policy has a
// finding in the cluster that is not excepted, when the cluster is
// unreachable, or when the cluster is partial and a mapped policy reads a
// kind that could not be collected; it is not applicable when the mapped
// policies evaluated nothing there; and it passes otherwise. Fleet-scope
// policies count once in every reachable cluster; their findings count
// against the cluster they name. In the fleet a control fails when it fails
// in any cluster and passes when it passes in every cluster where it applies.
func scoreControls(r *engine.Result, frameworks any) {
	cats := catalogues(frameworks)
	if len(cats) == 0 || len(r.Clusters) == 0 {
		return
	}
	policies := map[string]engine.Policy{}
	mapped := map[string]map[string][]string{} // framework -> control -> policy ids
	for _, p := range r.Policies {
		policies[p.ID] = p
		for fw, ids := range p.Controls {
			if mapped[fw] == nil {
				mapped[fw] = map[string][]string{}
			}
			for _, id := range ids {
				mapped[fw][id] = append(mapped[fw][id], p.ID)
			}
		}
	}

	// counts[cluster][policy]
	counts := map[string]map[string]*tally{}
	get := func(c, p string) *tally {
		if counts[c] == nil {
			counts[c] = map[string]*tally{}
		}
		if counts[c][p] == nil {
			counts[c][p] = &tally{}
		}
		return counts[c][p]
	}
	reachable := []string{}
	for _, c := range r.Clusters {
		if c.State != engine.ClusterUnreachable {
			reachable = append(reachable, c.Name)
		}
	}
	for _, f := range r.Findings {
		if f.Cluster == "" {
			continue // about the fleet as a whole: scored in the fleet row only
		}
		t := get(f.Cluster, f.PolicyID)
		t.evaluated++
		if f.Excepted == nil {
			t.failed++
		}
	}
	for cluster, byPolicy := range passCounts(r) {
		for id, n := range byPolicy {
			if cluster != "" {
				t := get(cluster, id)
				t.evaluated += n
				t.passed += n
				continue
			}
			for _, c := range reachable { // a fleet policy that passed holds in every cluster
				t := get(c, id)
				t.evaluated += n
				t.passed += n
			}
		}
	}
	// A fleet policy that failed was still evaluated in the clusters it does not name.
	for id, st := range r.Stats {
		if policies[id].Scope != engine.ScopeFleet || st.Failed == 0 {
			continue
		}
		for _, c := range reachable {
			t := get(c, id)
			if t.evaluated == 0 {
				t.evaluated, t.passed = 1, 1
			}
		}
	}
	for _, c := range r.Clusters {
		if c.State != engine.ClusterPartial {
			continue
		}
		for id, p := range policies {
			if readsMissing(p, c.MissingKinds) {
				get(c.Name, id).missingKind = true
			}
		}
	}

	names := make([]string, 0, len(cats))
	for n := range cats {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, fw := range names {
		cat := cats[fw]
		fleet := engine.Score{Framework: fw}
		scores := make([]engine.Score, len(r.Clusters))
		fleetRows := make([]engine.ControlResult, 0, len(cat.Controls))
		for _, ctl := range cat.Controls {
			ids := dedupeIDs(mapped[fw][ctl.ID])
			manual := ctl.Manual || len(ids) == 0
			fr := engine.ControlResult{Framework: fw, Control: ctl.ID, Title: ctl.Title, Policies: ids}
			applies, allPass := false, true
			for i, c := range r.Clusters {
				cr := engine.ControlResult{Framework: fw, Control: ctl.ID, Title: ctl.Title, Cluster: c.Name, Policies: ids}
				switch {
				case manual:
					cr.Status = engine.ControlManual
				case c.State == engine.ClusterUnreachable:
					cr.Status = engine.ControlFail
				default:
					evaluated, missing := 0, false
					for _, id := range ids {
						if t := counts[c.Name][id]; t != nil {
							cr.Passed += t.passed
							cr.Failed += t.failed
							evaluated += t.evaluated
							missing = missing || t.missingKind
						}
					}
					switch {
					case cr.Failed > 0 || missing:
						cr.Status = engine.ControlFail
					case evaluated == 0:
						cr.Status = engine.ControlNotApplicable
					default:
						cr.Status = engine.ControlPass
					}
				}
				count(&scores[i], cr.Status)
				fr.Passed += cr.Passed
				fr.Failed += cr.Failed
				if cr.Status == engine.ControlFail {
					allPass = false
				}
				if cr.Status == engine.ControlPass || cr.Status == engine.ControlFail {
					applies = true
				}
				r.Controls = append(r.Controls, cr)
			}
			switch {
			case manual:
				fr.Status = engine.ControlManual
			case !applies:
				fr.Status = engine.ControlNotApplicable
			case allPass:
				fr.Status = engine.ControlPass
			default:
				fr.Status = engine.ControlFail
			}
			count(&fleet, fr.Status)
			fleetRows = append(fleetRows, fr)
		}
		r.Controls = append(r.Controls, fleetRows...)
		for i, c := range r.Clusters {
			scores[i].Framework, scores[i].Cluster = fw, c.Name
			r.Scores = append(r.Scores, percent(scores[i]))
		}
		r.Scores = append(r.Scores, percent(fleet))
	}
}

func count(s *engine.Score, status string) {
	switch status {
	case engine.ControlPass:
		s.Passed++
	case engine.ControlFail:
		s.Failed++
	case engine.ControlManual:
		s.Manual++
	default:
		s.NotApplicable++
	}
}

func percent(s engine.Score) engine.Score {
	if n := s.Passed + s.Failed; n > 0 {
		s.Percent = float64(s.Passed) / float64(n) * 100
	}
	return s
}

// readsMissing reports whether the policy reads a kind the cluster could not
// collect. Kinds are "Kind" or "group/Kind"; "*" reads every kind.
func readsMissing(p engine.Policy, missing []string) bool {
	for _, k := range p.Kinds {
		if k == "*" && len(missing) > 0 {
			return true
		}
		if i := strings.LastIndexByte(k, '/'); i >= 0 {
			k = k[i+1:]
		}
		for _, m := range missing {
			if m == k {
				return true
			}
		}
	}
	return false
}

// catalogues decodes the bundle's frameworks data; entries that do not
// decode are skipped (the bundle tests check every catalogue decodes).
func catalogues(v any) map[string]catalogue {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var all map[string]json.RawMessage
	if json.Unmarshal(raw, &all) != nil {
		return nil
	}
	out := map[string]catalogue{}
	for name, doc := range all {
		var c catalogue
		if json.Unmarshal(doc, &c) == nil && len(c.Controls) > 0 {
			out[name] = c
		}
	}
	return out
}

func dedupeIDs(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return dedupe(out)
}

// passCounts returns the Result's pass counts, from PassCounts or, for a
// Result built by hand, from its Pass records.
func passCounts(r *engine.Result) map[string]map[string]int {
	if r.PassCounts != nil {
		return r.PassCounts
	}
	out := map[string]map[string]int{}
	for _, p := range r.Passes {
		if out[p.Cluster] == nil {
			out[p.Cluster] = map[string]int{}
		}
		out[p.Cluster][p.PolicyID]++
	}
	return out
}
