package pgtest

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestFindBinariesMissing(t *testing.T) {
	onlyInitdb := t.TempDir()
	if err := os.WriteFile(filepath.Join(onlyInitdb, "initdb"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		wantName string
	}{
		{"nothing installed", t.TempDir(), `"initdb"`},
		{"initdb without postgres", onlyInitdb, `"postgres"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := findBinaries(tc.path, []string{filepath.Join(t.TempDir(), "*", "bin")})
			if err == nil {
				t.Fatal("findBinaries found binaries in an empty PATH")
			}
			for _, want := range []string{tc.wantName, "make deps", "postgresql"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %s", err, want)
				}
			}
		})
	}
}

func TestFindBinariesPrefersOneDirectory(t *testing.T) {
	// initdb from PATH, postgres from initdb's own directory.
	dir := t.TempDir()
	other := t.TempDir()
	for _, p := range []string{filepath.Join(dir, "initdb"), filepath.Join(dir, "postgres"), filepath.Join(other, "postgres")} {
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	initdb, postgres, err := findBinaries(other+string(filepath.ListSeparator)+dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if initdb != filepath.Join(dir, "initdb") || postgres != filepath.Join(dir, "postgres") {
		t.Errorf("findBinaries = %s, %s; want both from %s", initdb, postgres, dir)
	}
}

// TestStartAndCleanup starts a real server, uses it, and checks that the
// cleanup stopped it and removed its directory.
func TestStartAndCleanup(t *testing.T) {
	var srv *Server
	t.Run("running", func(t *testing.T) {
		srv = Start(t)
		ctx := context.Background()
		dsn := srv.NewDatabase(t)
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var user, db string
		if err := conn.QueryRow(ctx, "SELECT current_user, current_database()").Scan(&user, &db); err != nil {
			t.Fatal(err)
		}
		if user != "postgres" || !strings.HasPrefix(db, "t1_") {
			t.Errorf("connected as %s to %s; want postgres to t1_…", user, db)
		}
		var dataDir string
		if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dataDir); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(dataDir, srv.dir) {
			t.Errorf("data directory %s is not under the test's directory %s", dataDir, srv.dir)
		}
		if os.Geteuid() == 0 {
			st, err := os.Stat(dataDir)
			if err != nil {
				t.Fatal(err)
			}
			if uid := st.Sys().(*syscall.Stat_t).Uid; uid == 0 {
				t.Errorf("the data directory is owned by root; the server must not run as root")
			}
		}
	})
	if srv == nil {
		t.Fatal("the server did not start")
	}
	if _, err := os.Stat(srv.dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after cleanup, %s still exists (stat: %v)", srv.dir, err)
	}
	conn, err := net.Dial("tcp", net.JoinHostPort(srv.Host, strconv.Itoa(srv.Port)))
	if err == nil {
		conn.Close()
		t.Errorf("after cleanup, something still listens on port %d", srv.Port)
	}
}
