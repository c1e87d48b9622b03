package audit

import (
	"sort"
	"strings"

	"github.com/fleetguard/fleetguard/engine"
)

// Part is one cluster's slice of a stored audit: the cluster name and the
// audit Result that last covered it.
type Part struct {
	Cluster string
	Result  *engine.Result
}

// Merge combines each cluster's latest audit (for example, pushed by
// in-cluster agents) into one fleet view: every cluster's findings, status,
// controls and scores as its own audit recorded them, and fleet-wide scores
// recomputed from the per-cluster counts. Fleet-scope findings, which
// compare clusters, are not carried over: only a central audit makes them.
func Merge(parts []Part) *engine.Result {
	out := &engine.Result{Stats: map[string]engine.PolicyStats{}, Provenance: engine.Provenance{SnapshotDigests: map[string]string{}}}
	policies := map[string]engine.Policy{}
	bundles := map[string]bool{}
	fleet := map[string]*engine.Score{}
	for _, p := range parts {
		r := p.Result
		for _, pol := range r.Policies {
			policies[pol.ID] = pol
		}
		bundles[r.Provenance.BundleDigest] = true
		if r.Provenance.Time.After(out.Provenance.Time) {
			out.Provenance.Time = r.Provenance.Time
			out.Provenance.EngineVersion = r.Provenance.EngineVersion
		}
		if d, ok := r.Provenance.SnapshotDigests[p.Cluster]; ok {
			out.Provenance.SnapshotDigests[p.Cluster] = d
		}
		for _, c := range r.Clusters {
			if c.Name == p.Cluster {
				out.Clusters = append(out.Clusters, c)
			}
		}
		for _, f := range r.Findings {
			if f.Cluster == p.Cluster {
				out.Findings = append(out.Findings, f)
			}
		}
		for _, c := range r.Controls {
			if c.Cluster == p.Cluster {
				out.Controls = append(out.Controls, c)
			}
		}
		for _, s := range r.Scores {
			if s.Cluster != p.Cluster {
				continue
			}
			out.Scores = append(out.Scores, s)
			f := fleet[s.Framework]
			if f == nil {
				f = &engine.Score{Framework: s.Framework}
				fleet[s.Framework] = f
			}
			f.Passed += s.Passed
			f.Failed += s.Failed
			f.Manual += s.Manual
			f.NotApplicable += s.NotApplicable
		}
		for _, e := range r.Errors {
			if e.Cluster == p.Cluster {
				out.Errors = append(out.Errors, e)
			}
		}
	}
	for _, s := range fleet {
		if s.Passed+s.Failed > 0 {
			s.Percent = float64(s.Passed) / float64(s.Passed+s.Failed) * 100
		}
		out.Scores = append(out.Scores, *s)
	}
	sort.Slice(out.Scores, func(i, j int) bool {
		if out.Scores[i].Framework != out.Scores[j].Framework {
			return out.Scores[i].Framework < out.Scores[j].Framework
		}
		return out.Scores[i].Cluster < out.Scores[j].Cluster
	})
	for _, p := range policies {
		out.Policies = append(out.Policies, p)
	}
	sort.Slice(out.Policies, func(i, j int) bool { return out.Policies[i].ID < out.Policies[j].ID })
	// Clusters audited with different bundles list every digest.
	digests := make([]string, 0, len(bundles))
	for d := range bundles {
		digests = append(digests, d)
	}
	sort.Strings(digests)
	out.Provenance.BundleDigest = strings.Join(digests, ", ")
	return out
}
