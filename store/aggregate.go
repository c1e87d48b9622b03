package store

import (
	"context"
	"fmt"

	"github.com/fleetguard/fleetguard/engine"
)

// Aggregate builds one Result from the newest audit of every cluster (see
// LatestPerCluster): what a central view shows when each cluster's agent
// pushes its own audits. For each cluster it takes, from that cluster's
// newest audit, its status, findings, controls and scores. Findings,
// controls and scores without a cluster (fleet scope) come from the
// newest of those audits. Fleet-wide scores are recomputed from the
// per-cluster ones, unless a single audit covers every cluster and has
// its own. Policies are
// the union by id; exceptions are merged by policy, reason, ticket,
// approver and expiry, with Matched summed. Stats are left nil: they
// cannot be split by cluster. Provenance has every cluster's snapshot
// digest, the newest time, and the engine version and bundle digest when
// all audits agree ("mixed" otherwise).
//
// An empty history gives an error wrapping ErrNotFound.
func (s *Store) Aggregate(ctx context.Context) (*engine.Result, error) {
	latest, err := s.LatestPerCluster(ctx)
	if err != nil {
		return nil, err
	}
	if len(latest) == 0 {
		return nil, fmt.Errorf("aggregating %s: the history is empty: %w", s.where, ErrNotFound)
	}
	loaded := map[int64]*engine.Result{}
	var order []int64 // distinct audits, in cluster order
	newest := latest[0]
	for _, ca := range latest {
		if _, ok := loaded[ca.AuditID]; ok {
			continue
		}
		r, err := s.LoadAudit(ctx, ca.AuditID)
		if err != nil {
			return nil, fmt.Errorf("aggregating cluster %q: %w", ca.Cluster, err)
		}
		loaded[ca.AuditID] = r
		order = append(order, ca.AuditID)
		if ca.Time.After(newest.Time) || (ca.Time.Equal(newest.Time) && ca.AuditID > newest.AuditID) {
			newest = ca
		}
	}

	out := &engine.Result{Findings: []engine.Finding{}}
	out.Provenance.Time = newest.Time
	for _, ca := range latest {
		r := loaded[ca.AuditID]
		for _, c := range r.Clusters {
			if c.Name == ca.Cluster {
				out.Clusters = append(out.Clusters, c)
				if c.SnapshotDigest != "" {
					if out.Provenance.SnapshotDigests == nil {
						out.Provenance.SnapshotDigests = map[string]string{}
					}
					out.Provenance.SnapshotDigests[c.Name] = c.SnapshotDigest
				}
			}
		}
		for _, f := range r.Findings {
			if f.Cluster == ca.Cluster {
				out.Findings = append(out.Findings, f)
			}
		}
		for _, c := range r.Controls {
			if c.Cluster == ca.Cluster {
				out.Controls = append(out.Controls, c)
			}
		}
		for _, sc := range r.Scores {
			if sc.Cluster == ca.Cluster {
				out.Scores = append(out.Scores, sc)
			}
		}
	}

	// Fleet scope, from the newest audit.
	top := loaded[newest.AuditID]
	for _, f := range top.Findings {
		if f.Cluster == "" {
			out.Findings = append(out.Findings, f)
		}
	}
	for _, c := range top.Controls {
		if c.Cluster == "" {
			out.Controls = append(out.Controls, c)
		}
	}
	// One audit covering every cluster keeps its own fleet scores; scores
	// from several audits are summed per framework.
	perCluster := out.Scores
	hasFleet := map[string]bool{}
	if len(loaded) == 1 {
		for _, sc := range top.Scores {
			if sc.Cluster == "" {
				hasFleet[sc.Framework] = true
				out.Scores = append(out.Scores, sc)
			}
		}
	}
	for _, fw := range frameworks(perCluster) {
		if !hasFleet[fw] {
			fleet, _ := FleetScore(perCluster, fw)
			out.Scores = append(out.Scores, fleet)
		}
	}

	seenPolicy := map[string]bool{}
	type exKey struct{ policy, reason, ticket, approver, expires string }
	exIdx := map[exKey]int{}
	engines, bundles := map[string]bool{}, map[string]bool{}
	for _, id := range order {
		r := loaded[id]
		engines[r.Provenance.EngineVersion] = true
		bundles[r.Provenance.BundleDigest] = true
		for _, p := range r.Policies {
			if !seenPolicy[p.ID] {
				seenPolicy[p.ID] = true
				out.Policies = append(out.Policies, p)
			}
		}
		for _, e := range r.Exceptions {
			k := exKey{e.Policy, e.Reason, e.Ticket, e.Approver, e.Expires}
			if i, ok := exIdx[k]; ok {
				out.Exceptions[i].Matched += e.Matched
				out.Exceptions[i].Expired = out.Exceptions[i].Expired || e.Expired
				continue
			}
			exIdx[k] = len(out.Exceptions)
			out.Exceptions = append(out.Exceptions, e)
		}
	}
	out.Provenance.EngineVersion = single(engines)
	out.Provenance.BundleDigest = single(bundles)
	if len(bundles) == 1 {
		out.Provenance.BundleRevision = top.Provenance.BundleRevision
	}
	return out, nil
}

// single returns the only key of set, or "mixed".
func single(set map[string]bool) string {
	if len(set) != 1 {
		return "mixed"
	}
	for k := range set {
		return k
	}
	return ""
}
