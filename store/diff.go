package store

import (
	"context"
	"fmt"

	"github.com/fleetguard/fleetguard/engine"
)

// Diff compares the findings of two audits, matched by Fingerprint.
type Diff struct {
	// From and To are the ids of the older and the newer audit.
	From int64 `json:"from"`
	To   int64 `json:"to"`
	// New are findings of To that From did not have.
	New []engine.Finding `json:"new"`
	// Resolved are findings of From that To no longer has, in a cluster
	// that To evaluated.
	Resolved []engine.Finding `json:"resolved"`
	// Unchanged are findings of To that From had too (as To has them).
	Unchanged []engine.Finding `json:"unchanged"`
	// Unassessed are findings of From in clusters that To did not cover or
	// could not reach: they are not known to be resolved.
	Unassessed []engine.Finding `json:"unassessed,omitempty"`
}

// Diff compares the findings of audit a (the older) with those of audit b.
// Each finding is matched by its Fingerprint; a fingerprint that occurs
// several times in one audit matches as many times in the other. Findings
// keep the order in which each audit stored them.
func (s *Store) Diff(ctx context.Context, a, b int64) (Diff, error) {
	d := Diff{From: a, To: b}
	from, err := s.LoadAudit(ctx, a)
	if err != nil {
		return d, err
	}
	to, err := s.LoadAudit(ctx, b)
	if err != nil {
		return d, err
	}
	compare(&d, from, to)
	return d, nil
}

// compare fills d's finding lists from two results.
func compare(d *Diff, from, to *engine.Result) {
	had := map[string]int{}
	for _, f := range from.Findings {
		had[Fingerprint(f)]++
	}
	matched := map[string]int{}
	for _, f := range to.Findings {
		fp := Fingerprint(f)
		if matched[fp] < had[fp] {
			matched[fp]++
			d.Unchanged = append(d.Unchanged, f)
			continue
		}
		d.New = append(d.New, f)
	}
	evaluated := evaluatedClusters(to)
	for _, f := range from.Findings {
		fp := Fingerprint(f)
		if matched[fp] > 0 {
			matched[fp]--
			continue
		}
		if evaluated(f.Cluster) {
			d.Resolved = append(d.Resolved, f)
		} else {
			d.Unassessed = append(d.Unassessed, f)
		}
	}
}

// evaluatedClusters reports whether r evaluated a cluster: r lists it and
// reached it. A result without cluster statuses (a scan) covers everything,
// and findings without a cluster are always covered.
func evaluatedClusters(r *engine.Result) func(string) bool {
	if len(r.Clusters) == 0 {
		return func(string) bool { return true }
	}
	ok := map[string]bool{"": true}
	for _, c := range r.Clusters {
		if c.State != engine.ClusterUnreachable {
			ok[c.Name] = true
		}
	}
	return func(c string) bool { return ok[c] }
}

// String summarises the diff in one line.
func (d Diff) String() string {
	s := fmt.Sprintf("audit %d → %d: %d new, %d resolved, %d unchanged", d.From, d.To, len(d.New), len(d.Resolved), len(d.Unchanged))
	if len(d.Unassessed) > 0 {
		s += fmt.Sprintf(", %d unassessed", len(d.Unassessed))
	}
	return s
}
