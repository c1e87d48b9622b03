package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fleetguard/fleetguard/engine"
)

// SaveOption configures SaveAudit.
type SaveOption func(*saveOptions)

type saveOptions struct {
	source   string
	finished time.Time
}

// Source records where an audit came from: "cli" (the default) for a run
// of policy audit on a workstation, "agent:<cluster>" for an in-cluster
// agent, "serve" for a scheduled audit.
func Source(s string) SaveOption { return func(o *saveOptions) { o.source = s } }

// Finished records when the audit ended. By default it is the time of the
// save; the start is the Result's Provenance.Time.
func Finished(t time.Time) SaveOption { return func(o *saveOptions) { o.finished = t } }

// testHook, when set by tests, runs after each step of SaveAudit inside the
// transaction; an error from it aborts the save.
var testHook func(ctx context.Context, step string) error

// SaveAudit stores r, with its provenance, clusters, findings, scores,
// controls and exceptions, in one transaction, and returns the new audit's
// id. If ctx is cancelled or any step fails, nothing of r is stored.
// Passes are not stored: Stats keeps the counts behind every score.
// SaveAudit does not modify r and is safe to call concurrently, also from
// several processes sharing one database.
func (s *Store) SaveAudit(ctx context.Context, r *engine.Result, opts ...SaveOption) (int64, error) {
	if r == nil {
		return 0, errors.New("saving audit: no result")
	}
	o := saveOptions{source: "cli"}
	for _, opt := range opts {
		opt(&o)
	}
	if o.finished.IsZero() {
		o.finished = time.Now()
	}
	started := r.Provenance.Time
	if started.IsZero() {
		started = o.finished
	}
	// PostgreSQL keeps microseconds; SQLite is made to keep the same.
	started, o.finished = started.Truncate(time.Microsecond), o.finished.Truncate(time.Microsecond)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("saving audit to %s: %w", s.where, err)
	}
	defer tx.Rollback()
	id, err := s.saveTx(ctx, tx, r, o, started)
	if err != nil {
		return 0, fmt.Errorf("saving audit to %s: %w", s.where, err)
	}
	// A cancellation that raced the last step must not commit.
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("saving audit to %s: %w", s.where, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("saving audit to %s: committing: %w", s.where, err)
	}
	return id, nil
}

func (s *Store) saveTx(ctx context.Context, tx *sql.Tx, r *engine.Result, o saveOptions, started time.Time) (int64, error) {
	step := func(name string) error {
		if testHook != nil {
			if err := testHook(ctx, name); err != nil {
				return err
			}
		}
		return ctx.Err()
	}
	p := r.Provenance
	digests, err := jsonText(p.SnapshotDigests, len(p.SnapshotDigests) == 0)
	if err != nil {
		return 0, err
	}
	policies, err := jsonText(r.Policies, len(r.Policies) == 0)
	if err != nil {
		return 0, err
	}
	stats, err := jsonText(r.Stats, len(r.Stats) == 0)
	if err != nil {
		return 0, err
	}
	inputErrs, err := jsonText(r.Errors, len(r.Errors) == 0)
	if err != nil {
		return 0, err
	}
	var id int64
	err = tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO audits
    (started_at, finished_at, engine_version, bundle_digest, bundle_revision, source, snapshot_digests, policies, stats, errors)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		s.timeArg(started), s.timeArg(o.finished), p.EngineVersion, p.BundleDigest, p.BundleRevision, o.source,
		digests, policies, stats, inputErrs).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("inserting the audit: %w", err)
	}
	if err := step("audit"); err != nil {
		return 0, err
	}

	err = s.insert(ctx, tx, "audit_clusters", clusterCols, len(r.Clusters), func(i int) ([]any, error) {
		c := &r.Clusters[i]
		errs, err := jsonText(c.Errors, len(c.Errors) == 0)
		if err != nil {
			return nil, err
		}
		missing, err := jsonText(c.MissingKinds, len(c.MissingKinds) == 0)
		if err != nil {
			return nil, err
		}
		labels, err := jsonText(c.Labels, len(c.Labels) == 0)
		if err != nil {
			return nil, err
		}
		return []any{id, i, c.Name, c.Context, c.State, errs, missing, c.ServerVersion, c.SnapshotDigest, labels, c.Objects}, nil
	})
	if err != nil {
		return 0, err
	}
	if err := step("clusters"); err != nil {
		return 0, err
	}

	err = s.insert(ctx, tx, "findings", findingCols, len(r.Findings), func(i int) ([]any, error) {
		f := &r.Findings[i]
		controls, err := jsonText(f.Controls, len(f.Controls) == 0)
		if err != nil {
			return nil, err
		}
		details, err := jsonText(f.Details, len(f.Details) == 0)
		if err != nil {
			return nil, fmt.Errorf("finding %d (%s on %s): details: %w", i, f.PolicyID, f.Resource, err)
		}
		excepted, err := jsonText(f.Excepted, f.Excepted == nil)
		if err != nil {
			return nil, err
		}
		var file string
		var line int
		if f.Source != nil {
			file, line = f.Source.File, f.Source.Line
		}
		rs := f.Resource
		return []any{id, i, f.Cluster, f.PolicyID, f.Title, f.Severity.String(), f.Scope, f.Enforcement,
			rs.APIVersion, rs.Kind, rs.Namespace, rs.Name, f.Message, Fingerprint(*f), controls, details, file, line, excepted}, nil
	})
	if err != nil {
		return 0, err
	}
	if err := step("findings"); err != nil {
		return 0, err
	}

	err = s.insert(ctx, tx, "scores", scoreCols, len(r.Scores), func(i int) ([]any, error) {
		sc := &r.Scores[i]
		return []any{id, i, sc.Framework, sc.Cluster, sc.Passed, sc.Failed, sc.Manual, sc.NotApplicable, sc.Percent}, nil
	})
	if err != nil {
		return 0, err
	}
	if err := step("scores"); err != nil {
		return 0, err
	}

	err = s.insert(ctx, tx, "controls", controlCols, len(r.Controls), func(i int) ([]any, error) {
		c := &r.Controls[i]
		pols, err := jsonText(c.Policies, len(c.Policies) == 0)
		if err != nil {
			return nil, err
		}
		return []any{id, i, c.Framework, c.Control, c.Title, c.Cluster, c.Status, pols, c.Passed, c.Failed}, nil
	})
	if err != nil {
		return 0, err
	}
	if err := step("controls"); err != nil {
		return 0, err
	}

	err = s.insert(ctx, tx, "exceptions", exceptionCols, len(r.Exceptions), func(i int) ([]any, error) {
		e := &r.Exceptions[i]
		expired := 0
		if e.Expired {
			expired = 1
		}
		return []any{id, i, e.Policy, e.Reason, e.Ticket, e.Approver, e.Expires, expired, e.Matched}, nil
	})
	if err != nil {
		return 0, err
	}
	if err := step("exceptions"); err != nil {
		return 0, err
	}
	return id, nil
}

var (
	clusterCols = []string{"audit_id", "pos", "name", "context", "state", "errors", "missing_kinds",
		"server_version", "snapshot_digest", "labels", "objects"}
	findingCols = []string{"audit_id", "pos", "cluster", "policy_id", "title", "severity", "scope", "enforcement",
		"api_version", "kind", "namespace", "name", "message", "fingerprint", "controls", "details",
		"source_file", "source_line", "excepted"}
	scoreCols     = []string{"audit_id", "pos", "framework", "cluster", "passed", "failed", "manual", "not_applicable", "percent"}
	controlCols   = []string{"audit_id", "pos", "framework", "control", "title", "cluster", "status", "policies", "passed", "failed"}
	exceptionCols = []string{"audit_id", "pos", "policy", "reason", "ticket", "approver", "expires", "expired", "matched"}
)

// maxParams bounds the placeholders of one INSERT, well below SQLite's
// (32766) and PostgreSQL's (65535) limits.
const maxParams = 4000

// insert writes n rows into table with multi-row INSERTs; row(i) gives the
// values of row i. Rows are built one INSERT at a time, so an audit's
// millions of findings are never all held as arguments at once.
func (s *Store) insert(ctx context.Context, tx *sql.Tx, table string, cols []string, n int, row func(i int) ([]any, error)) error {
	per := maxParams / len(cols)
	one := "(" + placeholders(len(cols)) + ")"
	args := make([]any, 0, min(n, per)*len(cols))
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		args = args[:0]
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(", ")
			}
			q.WriteString(one)
			vals, err := row(i)
			if err != nil {
				return err
			}
			args = append(args, vals...)
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(q.String()), args...); err != nil {
			return fmt.Errorf("inserting %s: %w", table, err)
		}
	}
	return nil
}

// jsonText encodes v as JSON text, or NULL when empty is true.
func jsonText(v any, empty bool) (any, error) {
	if empty {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// Fingerprint identifies a finding across audits: the same cluster, policy,
// resource and message give the same fingerprint. The resource is its API
// group (not version), kind, namespace and name, so that moving an object
// to a newer API version does not make its findings new.
func Fingerprint(f engine.Finding) string {
	group := ""
	if g, _, ok := strings.Cut(f.Resource.APIVersion, "/"); ok {
		group = g
	}
	h := sha256.New()
	for _, part := range []string{f.Cluster, f.PolicyID, group, f.Resource.Kind, f.Resource.Namespace, f.Resource.Name, f.Message} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// stampLayout sorts as text: fixed width, always UTC.
const stampLayout = "2006-01-02T15:04:05.000000000Z"

// timeArg converts t for the dialect's timestamp column: a TIMESTAMPTZ on
// PostgreSQL, fixed-width UTC text on SQLite.
func (s *Store) timeArg(t time.Time) any {
	if s.dialect == postgres {
		return t.UTC()
	}
	return t.UTC().Format(stampLayout)
}

// stamp scans a timestamp column of either dialect.
type stamp struct{ t time.Time }

func (st *stamp) Scan(v any) error {
	switch v := v.(type) {
	case time.Time:
		st.t = v.UTC()
	case string:
		return st.parse(v)
	case []byte:
		return st.parse(string(v))
	default:
		return fmt.Errorf("timestamp: unexpected %T", v)
	}
	return nil
}

func (st *stamp) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", s, err)
	}
	st.t = t.UTC()
	return nil
}
