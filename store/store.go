// Package store keeps the history of audits: every engine.Result an audit
// produced, with its provenance, findings, scores and per-cluster status.
//
// Two backends share one schema, applied by numbered migrations: SQLite
// (a file, the default, through a pure-Go driver) for one machine, and
// PostgreSQL (a postgres:// URL, through pgx) for a fleet whose in-cluster
// agents push their audits to one shared database.
//
// A Store is safe for concurrent use, and several processes may write to
// the same database at once: each audit is saved in one transaction.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// ErrNotFound is returned (wrapped) when an audit asked for is not stored.
var ErrNotFound = errors.New("audit not found")

// Store is an open audit history. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect dialect
	// where names the database in errors: the file path, or the
	// PostgreSQL URL without its password.
	where string
}

// Option configures Open.
type Option func(*options)

type options struct {
	mustExist bool
}

// MustExist makes Open fail, instead of creating an empty history, when the
// SQLite file does not exist. Commands that only read history use it.
func MustExist() Option { return func(o *options) { o.mustExist = true } }

// Open opens the history named by dsn and brings its schema up to date.
//
// A dsn starting with postgres:// or postgresql:// is a PostgreSQL
// connection URL. Anything else is the path of a SQLite file, created (with
// its directory) when missing; an empty dsn means DefaultPath. SQLite runs
// in WAL mode with a busy timeout, so concurrent writers wait for each
// other rather than fail.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if isPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	path := dsn
	if path == "" {
		p, err := DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	return openSQLite(ctx, path, o)
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// DefaultPath returns the SQLite file used when no store is named:
// $XDG_DATA_HOME/fleetguard/history.db, or ~/.local/share/fleetguard/history.db
// when XDG_DATA_HOME is unset.
func DefaultPath() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "fleetguard", "history.db"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the default history file: %w (set XDG_DATA_HOME or use --store)", err)
	}
	return filepath.Join(home, ".local", "share", "fleetguard", "history.db"), nil
}

func openSQLite(ctx context.Context, path string, o options) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("history file %q: the name must not contain '?' or '#'", path)
	}
	if _, err := os.Stat(path); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("history file %s: %w", path, err)
		}
		if o.mustExist {
			return nil, fmt.Errorf("history file %s does not exist (an audit with --store %s creates it): %w", path, path, ErrNotFound)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("creating the directory of history file %s: %w", path, err)
		}
	}
	// busy_timeout makes a writer wait for the lock; _txlock=immediate takes
	// the write lock at BEGIN, so a transaction never fails half-way on a
	// lock upgrade that the busy timeout cannot wait out.
	dsn := path + "?_pragma=busy_timeout(60000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening history file %s: %w", path, err)
	}
	s := &Store{db: db, dialect: sqlite, where: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	where := redact(dsn)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening history database %s: %w", where, err)
	}
	db.SetMaxOpenConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to history database %s: %w", where, err)
	}
	s := &Store{db: db, dialect: postgres, where: where}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// redact drops the password from a connection URL, for error messages.
func redact(dsn string) string {
	scheme, rest, ok := strings.Cut(dsn, "://")
	if !ok {
		return dsn
	}
	at := strings.LastIndex(rest, "@")
	slash := strings.Index(rest, "/")
	if at < 0 || (slash >= 0 && slash < at) {
		return dsn
	}
	userinfo := rest[:at]
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		userinfo = user + ":xxxxx"
	}
	return scheme + "://" + userinfo + rest[at:]
}

// Where names the database: the SQLite file, or the PostgreSQL URL without
// its password.
func (s *Store) Where() string { return s.where }

// Close closes the database. The Store must not be used afterwards.
func (s *Store) Close() error { return s.db.Close() }

// dialect holds the few differences between the two SQL dialects.
type dialect int

const (
	sqlite dialect = iota
	postgres
)

func (d dialect) String() string {
	if d == postgres {
		return "postgres"
	}
	return "sqlite"
}

// rebind turns ? placeholders into $1, $2… for PostgreSQL. Queries in this
// package never hold a literal '?'.
func (d dialect) rebind(q string) string {
	if d != postgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
