// Package pgtest starts a real PostgreSQL server for tests: initdb into a
// temporary directory, then postgres on a free loopback port, with its unix
// socket in the same directory. The server and the directory are removed
// when the test ends, even when it fails.
//
// The binaries come from PATH or from Debian's /usr/lib/postgresql/*/bin
// (`make deps` installs them). When they are missing the test fails, naming
// the binary: a missing server is a gap, not a reason to skip.
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a running PostgreSQL server owned by one test.
type Server struct {
	// Host and Port are where the server listens (127.0.0.1).
	Host string
	Port int
	// User is the superuser, trusted without a password.
	User string
	dir  string
	dbs  atomic.Int64
}

// searchDirs are where Debian installs the server binaries, besides PATH.
var searchDirs = []string{"/usr/lib/postgresql/*/bin"}

// FindBinaries returns the paths of initdb and postgres, looked up in PATH
// first, then in the newest /usr/lib/postgresql/*/bin. Both come from the
// same directory when that directory holds both. The error names the
// missing binary and says how to install it.
func FindBinaries() (initdb, postgres string, err error) {
	return findBinaries(os.Getenv("PATH"), searchDirs)
}

func findBinaries(path string, globs []string) (initdb, postgres string, err error) {
	var dirs []string
	for _, d := range filepath.SplitList(path) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	for _, g := range globs {
		matches, _ := filepath.Glob(g)
		// Newest version first: /usr/lib/postgresql/17/bin before 15.
		sort.Slice(matches, func(i, j int) bool { return versionOf(matches[i]) > versionOf(matches[j]) })
		dirs = append(dirs, matches...)
	}
	find := func(name string) string {
		for _, d := range dirs {
			p := filepath.Join(d, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
				if real, err := filepath.EvalSymlinks(p); err == nil {
					return real
				}
				return p
			}
		}
		return ""
	}
	initdb = find("initdb")
	if initdb == "" {
		return "", "", missing("initdb", path, globs)
	}
	// initdb runs the postgres of its own directory; use the same one.
	if p := filepath.Join(filepath.Dir(initdb), "postgres"); isExec(p) {
		return initdb, p, nil
	}
	postgres = find("postgres")
	if postgres == "" {
		return "", "", missing("postgres", path, globs)
	}
	return initdb, postgres, nil
}

func versionOf(dir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return v
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

func missing(name, path string, globs []string) error {
	return fmt.Errorf("PostgreSQL binary %q not found in PATH (%s) nor in %s: install PostgreSQL with `make deps` (Debian package postgresql)",
		name, path, strings.Join(globs, ", "))
}

// Start starts a PostgreSQL server for t and stops it, removing its files,
// in t.Cleanup. It fails t when the binaries are missing or the server does
// not come up, with the server's log in the message. When running as root
// the server runs as the postgres user (or nobody), since PostgreSQL
// refuses to run as root.
func Start(t testing.TB) *Server {
	t.Helper()
	initdb, postgres, err := FindBinaries()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	// initdb's scripts write to /dev/null; a tool that replaced it with a
	// regular file (a rename onto it) breaks them obscurely.
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("pgtest: %s is not a character device (something replaced it with a file); initdb needs it: restore it with `mknod -m 666 /dev/null.new c 1 3 && mv /dev/null.new /dev/null`", os.DevNull)
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cred, err := serverUser()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	data, sock := filepath.Join(dir, "data"), filepath.Join(dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if cred != nil {
		for _, p := range []string{dir, sock} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				t.Fatalf("pgtest: giving %s to uid %d: %v", p, cred.Uid, err)
			}
		}
	}
	env := []string{"LC_ALL=C", "LANG=C", "TZ=UTC", "PATH=" + os.Getenv("PATH")}

	cmd := exec.Command(initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	cmd.Env = env
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pgtest: %s failed: %v\n%s", initdb, err, out)
	}

	port, err := freePort()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	logPath := filepath.Join(dir, "postgres.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer logf.Close()
	srv := exec.Command(postgres, "-D", data, "-p", strconv.Itoa(port), "-k", sock,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=60", "-c", "shared_buffers=32MB")
	srv.Env = env
	srv.Dir = dir
	srv.Stdout, srv.Stderr = logf, logf
	// Pdeathsig: if the test binary dies without running cleanups, the
	// server shuts down at once (SIGQUIT) instead of lingering.
	srv.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGQUIT}
	if err := srv.Start(); err != nil {
		t.Fatalf("pgtest: starting %s: %v", postgres, err)
	}
	exited := make(chan struct{})
	go func() { srv.Wait(); close(exited) }()
	t.Cleanup(func() { stop(t, srv, exited) })

	s := &Server{Host: "127.0.0.1", Port: port, User: "postgres", dir: dir}
	if err := s.waitReady(exited); err != nil {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("pgtest: %v\npostgres log:\n%s", err, lastLines(log, 30))
	}
	return s
}

// serverUser returns the credential to run the server with: nil when not
// root, else the postgres user, or nobody.
func serverUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, fmt.Errorf("running as root and no postgres or nobody user to run PostgreSQL as (it refuses root): create one with `useradd --system postgres`")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startTimeout bounds the wait for a fresh server to accept connections.
const startTimeout = 60 * time.Second

func (s *Server) waitReady(exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	var last error
	for {
		conn, err := pgx.Connect(ctx, s.DSN("postgres"))
		if err == nil {
			conn.Close(ctx)
			return nil
		}
		last = err
		select {
		case <-exited:
			return fmt.Errorf("postgres exited before accepting connections on port %d", s.Port)
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready on port %d after %s: %v", s.Port, startTimeout, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// stop asks the server for a fast shutdown, and kills its process group if
// it has not exited within 30 seconds.
func stop(t testing.TB, srv *exec.Cmd, exited <-chan struct{}) {
	select {
	case <-exited:
		return
	default:
	}
	pgid := srv.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Logf("pgtest: postgres did not stop after SIGINT; killing process group %d", pgid)
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-exited
	}
}

// DSN returns a postgres:// URL for database db on the server.
func (s *Server) DSN(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(s.User),
		Host:     net.JoinHostPort(s.Host, strconv.Itoa(s.Port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// NewDatabase creates an empty database, unique on this server, and
// returns its URL. Tests sharing one server use it to stay independent.
func (s *Server) NewDatabase(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", s.dbs.Add(1), sanitize(t.Name()))
	if len(name) > 63 {
		name = name[:63]
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.DSN("postgres"))
	if err != nil {
		t.Fatalf("pgtest: connecting to create database %s: %v", name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: creating database %s: %v", name, err)
	}
	return s.DSN(name)
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}
