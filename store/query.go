package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/fleetguard/fleetguard/engine"
)

// Summary describes one stored audit, for lists: when it ran, where from,
// which clusters it covered and how they scored.
type Summary struct {
	ID             int64          `json:"id"`
	Started        time.Time      `json:"started"`
	Finished       time.Time      `json:"finished"`
	Source         string         `json:"source"`
	EngineVersion  string         `json:"engineVersion"`
	BundleDigest   string         `json:"bundleDigest"`
	BundleRevision string         `json:"bundleRevision,omitempty"`
	Clusters       []ClusterState `json:"clusters"`
	Scores         []engine.Score `json:"scores"`
	// Findings counts the findings not covered by an exception; Excepted
	// counts those that are.
	Findings int `json:"findings"`
	Excepted int `json:"excepted"`
}

// ClusterState is one cluster of an audit and how completely it was
// evaluated (engine.ClusterComplete, ClusterPartial or ClusterUnreachable).
type ClusterState struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

// Frameworks returns the frameworks the audit scored, sorted.
func (s Summary) Frameworks() []string { return frameworks(s.Scores) }

// Score returns the audit's fleet-wide score for framework; see FleetScore.
func (s Summary) Score(framework string) (engine.Score, bool) { return FleetScore(s.Scores, framework) }

// FleetScore returns the fleet-wide score for framework among scores: the
// one without a cluster if there is one, else the sum of the per-cluster
// scores (as an agent's single-cluster audit stores). ok is false when no
// score of that framework exists.
func FleetScore(scores []engine.Score, framework string) (sc engine.Score, ok bool) {
	sum := engine.Score{Framework: framework}
	for _, s := range scores {
		if s.Framework != framework {
			continue
		}
		if s.Cluster == "" {
			return s, true
		}
		ok = true
		sum.Passed += s.Passed
		sum.Failed += s.Failed
		sum.Manual += s.Manual
		sum.NotApplicable += s.NotApplicable
	}
	if n := sum.Passed + sum.Failed; n > 0 {
		sum.Percent = float64(sum.Passed) / float64(n) * 100
	}
	return sum, ok
}

func frameworks(scores []engine.Score) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range scores {
		if !seen[s.Framework] {
			seen[s.Framework] = true
			out = append(out, s.Framework)
		}
	}
	sort.Strings(out)
	return out
}

// ListAudits returns the newest audits first, at most limit of them (all
// when limit <= 0).
func (s *Store) ListAudits(ctx context.Context, limit int) ([]Summary, error) {
	sums, err := s.summaries(ctx, "", nil, limit)
	if err != nil {
		return nil, fmt.Errorf("listing audits in %s: %w", s.where, err)
	}
	return sums, nil
}

// Audit returns the summary of audit id, or an error wrapping ErrNotFound.
func (s *Store) Audit(ctx context.Context, id int64) (Summary, error) {
	sums, err := s.summaries(ctx, "WHERE id = ?", []any{id}, 1)
	if err != nil {
		return Summary{}, fmt.Errorf("reading audit %d in %s: %w", id, s.where, err)
	}
	if len(sums) == 0 {
		return Summary{}, fmt.Errorf("audit %d in %s: %w", id, s.where, ErrNotFound)
	}
	return sums[0], nil
}

func (s *Store) summaries(ctx context.Context, where string, args []any, limit int) ([]Summary, error) {
	q := "SELECT id, started_at, finished_at, source, engine_version, bundle_digest, bundle_revision FROM audits " +
		where + " ORDER BY started_at DESC, id DESC"
	if limit > 0 {
		q += " LIMIT ?"
		args = append(args, limit)
	}
	var sums []Summary
	byID := map[int64]int{}
	err := s.each(ctx, q, args, func(rows *sql.Rows) error {
		var sm Summary
		var st, fin stamp
		if err := rows.Scan(&sm.ID, &st, &fin, &sm.Source, &sm.EngineVersion, &sm.BundleDigest, &sm.BundleRevision); err != nil {
			return err
		}
		sm.Started, sm.Finished = st.t, fin.t
		byID[sm.ID] = len(sums)
		sums = append(sums, sm)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(sums) == 0 {
		return nil, nil
	}
	ids := make([]any, len(sums))
	for i, sm := range sums {
		ids[i] = sm.ID
	}
	in := "(" + placeholders(len(ids)) + ")"

	err = s.each(ctx, "SELECT audit_id, name, state FROM audit_clusters WHERE audit_id IN "+in+" ORDER BY audit_id, pos", ids,
		func(rows *sql.Rows) error {
			var id int64
			var c ClusterState
			if err := rows.Scan(&id, &c.Name, &c.State); err != nil {
				return err
			}
			sm := &sums[byID[id]]
			sm.Clusters = append(sm.Clusters, c)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("reading clusters: %w", err)
	}
	err = s.each(ctx, "SELECT audit_id, framework, cluster, passed, failed, manual, not_applicable, percent FROM scores WHERE audit_id IN "+in+" ORDER BY audit_id, pos", ids,
		func(rows *sql.Rows) error {
			var id int64
			var sc engine.Score
			if err := rows.Scan(&id, &sc.Framework, &sc.Cluster, &sc.Passed, &sc.Failed, &sc.Manual, &sc.NotApplicable, &sc.Percent); err != nil {
				return err
			}
			sm := &sums[byID[id]]
			sm.Scores = append(sm.Scores, sc)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("reading scores: %w", err)
	}
	err = s.each(ctx, "SELECT audit_id, COUNT(*), SUM(CASE WHEN excepted IS NULL THEN 0 ELSE 1 END) FROM findings WHERE audit_id IN "+in+" GROUP BY audit_id", ids,
		func(rows *sql.Rows) error {
			var id, total, excepted int64
			if err := rows.Scan(&id, &total, &excepted); err != nil {
				return err
			}
			sm := &sums[byID[id]]
			sm.Findings, sm.Excepted = int(total-excepted), int(excepted)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("counting findings: %w", err)
	}
	return sums, nil
}

// each runs a query and calls fn for every row.
func (s *Store) each(ctx context.Context, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, s.dialect.rebind(q), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Latest returns the id of the newest audit (by start time), or an error
// wrapping ErrNotFound when the history is empty.
func (s *Store) Latest(ctx context.Context) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, "SELECT id FROM audits ORDER BY started_at DESC, id DESC LIMIT 1").Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("latest audit in %s: the history is empty: %w", s.where, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("finding the latest audit in %s: %w", s.where, err)
	}
	return id, nil
}

// Previous returns the id of the audit that started just before audit id,
// or an error wrapping ErrNotFound when id is the first or does not exist.
func (s *Store) Previous(ctx context.Context, id int64) (int64, error) {
	var prev int64
	err := s.db.QueryRowContext(ctx, s.dialect.rebind(`SELECT a.id FROM audits a, audits b
WHERE b.id = ? AND (a.started_at < b.started_at OR (a.started_at = b.started_at AND a.id < b.id))
ORDER BY a.started_at DESC, a.id DESC LIMIT 1`), id).Scan(&prev)
	if errors.Is(err, sql.ErrNoRows) {
		if _, err := s.Audit(ctx, id); err != nil {
			return 0, err
		}
		return 0, fmt.Errorf("audit before %d in %s: audit %d is the first: %w", id, s.where, id, ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("finding the audit before %d in %s: %w", id, s.where, err)
	}
	return prev, nil
}

// ClusterAudit is the newest stored audit of one cluster.
type ClusterAudit struct {
	Cluster string    `json:"cluster"`
	AuditID int64     `json:"auditId"`
	Time    time.Time `json:"time"`
	State   string    `json:"state"`
}

// LatestPerCluster returns, for every cluster in the history, its newest
// audit, sorted by cluster name. This is what a central view aggregates
// when each cluster's agent pushes its own audits.
func (s *Store) LatestPerCluster(ctx context.Context) ([]ClusterAudit, error) {
	var out []ClusterAudit
	err := s.each(ctx, `SELECT name, audit_id, started_at, state FROM (
    SELECT c.name, c.audit_id, a.started_at, c.state,
        ROW_NUMBER() OVER (PARTITION BY c.name ORDER BY a.started_at DESC, a.id DESC) AS rn
    FROM audit_clusters c JOIN audits a ON a.id = c.audit_id
) latest WHERE rn = 1 ORDER BY name`, nil, func(rows *sql.Rows) error {
		var ca ClusterAudit
		var st stamp
		if err := rows.Scan(&ca.Cluster, &ca.AuditID, &st, &ca.State); err != nil {
			return err
		}
		ca.Time = st.t
		out = append(out, ca)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("finding each cluster's latest audit in %s: %w", s.where, err)
	}
	return out, nil
}

// LoadAudit reads audit id back as a Result: findings, clusters, scores,
// controls, exceptions, policies, stats, input errors and provenance, in
// the order they were saved. Passes are not stored, so Passes is nil.
func (s *Store) LoadAudit(ctx context.Context, id int64) (*engine.Result, error) {
	r, err := s.load(ctx, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("audit %d in %s: %w", id, s.where, err)
		}
		return nil, fmt.Errorf("loading audit %d from %s: %w", id, s.where, err)
	}
	return r, nil
}

func (s *Store) load(ctx context.Context, id int64) (*engine.Result, error) {
	r := &engine.Result{}
	var st stamp
	var digests, policies, stats, inputErrs sql.NullString
	err := s.db.QueryRowContext(ctx, s.dialect.rebind(`SELECT started_at, engine_version, bundle_digest, bundle_revision,
    snapshot_digests, policies, stats, errors FROM audits WHERE id = ?`), id).
		Scan(&st, &r.Provenance.EngineVersion, &r.Provenance.BundleDigest, &r.Provenance.BundleRevision,
			&digests, &policies, &stats, &inputErrs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	r.Provenance.Time = st.t
	for _, j := range []struct {
		name string
		src  sql.NullString
		dst  any
	}{
		{"snapshot digests", digests, &r.Provenance.SnapshotDigests},
		{"policies", policies, &r.Policies},
		{"stats", stats, &r.Stats},
		{"input errors", inputErrs, &r.Errors},
	} {
		if err := fromJSON(j.src, j.dst); err != nil {
			return nil, fmt.Errorf("%s: %w", j.name, err)
		}
	}
	if r.Clusters, err = s.loadClusters(ctx, id); err != nil {
		return nil, err
	}
	if r.Findings, err = s.loadFindings(ctx, id); err != nil {
		return nil, err
	}

	err = s.each(ctx, "SELECT framework, cluster, passed, failed, manual, not_applicable, percent FROM scores WHERE audit_id = ? ORDER BY pos", []any{id},
		func(rows *sql.Rows) error {
			var sc engine.Score
			if err := rows.Scan(&sc.Framework, &sc.Cluster, &sc.Passed, &sc.Failed, &sc.Manual, &sc.NotApplicable, &sc.Percent); err != nil {
				return err
			}
			r.Scores = append(r.Scores, sc)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("scores: %w", err)
	}

	err = s.each(ctx, "SELECT framework, control, title, cluster, status, policies, passed, failed FROM controls WHERE audit_id = ? ORDER BY pos", []any{id},
		func(rows *sql.Rows) error {
			var c engine.ControlResult
			var pols sql.NullString
			if err := rows.Scan(&c.Framework, &c.Control, &c.Title, &c.Cluster, &c.Status, &pols, &c.Passed, &c.Failed); err != nil {
				return err
			}
			if err := fromJSON(pols, &c.Policies); err != nil {
				return fmt.Errorf("control %s %s: %w", c.Framework, c.Control, err)
			}
			r.Controls = append(r.Controls, c)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("controls: %w", err)
	}

	err = s.each(ctx, "SELECT policy, reason, ticket, approver, expires, expired, matched FROM exceptions WHERE audit_id = ? ORDER BY pos", []any{id},
		func(rows *sql.Rows) error {
			var e engine.ExceptionStatus
			var expired int
			if err := rows.Scan(&e.Policy, &e.Reason, &e.Ticket, &e.Approver, &e.Expires, &expired, &e.Matched); err != nil {
				return err
			}
			e.Expired = expired != 0
			r.Exceptions = append(r.Exceptions, e)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("exceptions: %w", err)
	}
	return r, nil
}

func (s *Store) loadClusters(ctx context.Context, id int64) ([]engine.ClusterStatus, error) {
	var out []engine.ClusterStatus
	err := s.each(ctx, `SELECT name, context, state, errors, missing_kinds, server_version, snapshot_digest, labels, objects
FROM audit_clusters WHERE audit_id = ? ORDER BY pos`, []any{id}, func(rows *sql.Rows) error {
		var c engine.ClusterStatus
		var errs, missing, labels sql.NullString
		if err := rows.Scan(&c.Name, &c.Context, &c.State, &errs, &missing, &c.ServerVersion, &c.SnapshotDigest, &labels, &c.Objects); err != nil {
			return err
		}
		for _, j := range []struct {
			src sql.NullString
			dst any
		}{{errs, &c.Errors}, {missing, &c.MissingKinds}, {labels, &c.Labels}} {
			if err := fromJSON(j.src, j.dst); err != nil {
				return fmt.Errorf("cluster %q: %w", c.Name, err)
			}
		}
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("clusters: %w", err)
	}
	return out, nil
}

func (s *Store) loadFindings(ctx context.Context, id int64) ([]engine.Finding, error) {
	var out []engine.Finding
	err := s.each(ctx, `SELECT pos, cluster, policy_id, title, severity, scope, enforcement, api_version, kind, namespace, name,
    message, controls, details, source_file, source_line, excepted
FROM findings WHERE audit_id = ? ORDER BY pos`, []any{id}, func(rows *sql.Rows) error {
		var f engine.Finding
		var pos, line int
		var sev, file string
		var controls, details, excepted sql.NullString
		if err := rows.Scan(&pos, &f.Cluster, &f.PolicyID, &f.Title, &sev, &f.Scope, &f.Enforcement,
			&f.Resource.APIVersion, &f.Resource.Kind, &f.Resource.Namespace, &f.Resource.Name,
			&f.Message, &controls, &details, &file, &line, &excepted); err != nil {
			return err
		}
		if err := f.Severity.UnmarshalText([]byte(sev)); err != nil {
			return fmt.Errorf("finding %d (%s on %s): %w", pos, f.PolicyID, f.Resource, err)
		}
		if file != "" || line != 0 {
			f.Source = &engine.Source{File: file, Line: line}
		}
		for _, j := range []struct {
			src sql.NullString
			dst any
		}{{controls, &f.Controls}, {details, &f.Details}, {excepted, &f.Excepted}} {
			if err := fromJSON(j.src, j.dst); err != nil {
				return fmt.Errorf("finding %d (%s on %s): %w", pos, f.PolicyID, f.Resource, err)
			}
		}
		out = append(out, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("findings: %w", err)
	}
	return out, nil
}

// fromJSON decodes a nullable JSON column; NULL leaves dst untouched.
func fromJSON(src sql.NullString, dst any) error {
	if !src.Valid {
		return nil
	}
	return json.Unmarshal([]byte(src.String), dst)
}

// TrendPoint is one audit's score for one framework.
type TrendPoint struct {
	AuditID int64     `json:"auditId"`
	Time    time.Time `json:"time"`
	// Fleet is the fleet-wide score, as FleetScore computes it.
	Fleet engine.Score `json:"fleet"`
	// Clusters holds the per-cluster scores, sorted by cluster.
	Clusters []engine.Score `json:"clusters,omitempty"`
}

// Trend returns the scores of framework in the last n audits that scored
// it (all when n <= 0), oldest first.
func (s *Store) Trend(ctx context.Context, framework string, n int) ([]TrendPoint, error) {
	q := `SELECT a.id, a.started_at FROM audits a
WHERE EXISTS (SELECT 1 FROM scores s WHERE s.audit_id = a.id AND s.framework = ?)
ORDER BY a.started_at DESC, a.id DESC`
	args := []any{framework}
	if n > 0 {
		q += " LIMIT ?"
		args = append(args, n)
	}
	var points []TrendPoint
	err := s.each(ctx, q, args, func(rows *sql.Rows) error {
		var p TrendPoint
		var st stamp
		if err := rows.Scan(&p.AuditID, &st); err != nil {
			return err
		}
		p.Time = st.t
		points = append(points, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the %s trend in %s: %w", framework, s.where, err)
	}
	if len(points) == 0 {
		return nil, nil
	}
	// Oldest first.
	for i, j := 0, len(points)-1; i < j; i, j = i+1, j-1 {
		points[i], points[j] = points[j], points[i]
	}
	idx := map[int64]int{}
	ids := []any{framework}
	for i, p := range points {
		idx[p.AuditID] = i
		ids = append(ids, p.AuditID)
	}
	all := make([][]engine.Score, len(points))
	err = s.each(ctx, "SELECT audit_id, cluster, passed, failed, manual, not_applicable, percent FROM scores WHERE framework = ? AND audit_id IN ("+
		placeholders(len(points))+") ORDER BY audit_id, pos", ids, func(rows *sql.Rows) error {
		var id int64
		sc := engine.Score{Framework: framework}
		if err := rows.Scan(&id, &sc.Cluster, &sc.Passed, &sc.Failed, &sc.Manual, &sc.NotApplicable, &sc.Percent); err != nil {
			return err
		}
		all[idx[id]] = append(all[idx[id]], sc)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the %s trend in %s: %w", framework, s.where, err)
	}
	for i := range points {
		points[i].Fleet, _ = FleetScore(all[i], framework)
		for _, sc := range all[i] {
			if sc.Cluster != "" {
				points[i].Clusters = append(points[i].Clusters, sc)
			}
		}
		sort.SliceStable(points[i].Clusters, func(a, b int) bool { return points[i].Clusters[a].Cluster < points[i].Clusters[b].Cluster })
	}
	return points, nil
}

// Frameworks returns every framework scored in the history, sorted.
func (s *Store) Frameworks(ctx context.Context) ([]string, error) {
	var out []string
	err := s.each(ctx, "SELECT DISTINCT framework FROM scores ORDER BY framework", nil, func(rows *sql.Rows) error {
		var f string
		if err := rows.Scan(&f); err != nil {
			return err
		}
		out = append(out, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing frameworks in %s: %w", s.where, err)
	}
	return out, nil
}
