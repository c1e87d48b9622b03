package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/fleetguard/fleetguard/internal/testfleet"
	"github.com/fleetguard/fleetguard/snapshot"
	"github.com/fleetguard/fleetguard/store"
)

// TestSnapshot runs `policy snapshot` on the seeded local fleet, with a
// kubeconfig that also holds a context on a closed port and a canary value
// seeded the way kubectl apply would leave it. The same fleet serves the
// live paths of `policy audit` (interrupted) and `policy serve`.
func TestSnapshot(t *testing.T) {
	f := testfleet.Start(t, testfleet.Options{Seed: true})
	raw := make([]byte, 12)
	rand.Read(raw)
	canary := "canary-" + hex.EncodeToString(raw)
	if err := f.Cluster("staging-eu").SeedCanary(context.Background(), canary); err != nil {
		t.Fatal(err)
	}
	kc := withDeadContext(t, f.Kubeconfig)

	t.Run("all contexts: exit 3, the dead one named, the others written, nothing leaked", func(t *testing.T) {
		dir := t.TempDir()
		stdout, stderr, code, osOut := runCaptured(t, "snapshot", "--kubeconfig", kc, "--all-contexts", "-o", dir, "-v")
		if code != exitIncomplete {
			t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitIncomplete, stderr)
		}
		for _, want := range []string{`policy: snapshot dead (context "dead", https://127.0.0.1:`, "): unreachable", "connection refused", "1 of 7 clusters incomplete: dead"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr does not say %q:\n%s", want, stderr)
			}
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		var names []string
		for _, p := range files {
			names = append(names, filepath.Base(p))
		}
		want := []string{"dead.json", "dev-auditor.json", "dev.json", "prod-us-auditor.json", "prod-us.json", "staging-eu-auditor.json", "staging-eu.json"}
		if !reflect.DeepEqual(names, want) {
			t.Errorf("files = %v, want %v (and no temp file)", names, want)
		}
		for _, p := range files {
			if !strings.Contains(stdout, p+"\n") {
				t.Errorf("stdout does not list %s", p)
			}
			s, err := snapshot.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			wantState := snapshot.StateComplete
			if s.Cluster.Name == "dead" {
				wantState = snapshot.StateUnreachable
			}
			if s.Status.State != wantState {
				t.Errorf("%s: state %s, want %s (%+v)", p, s.Status.State, wantState, s.Status.Errors)
			}
		}
		s, err := snapshot.Load(filepath.Join(dir, "staging-eu.json"))
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for _, o := range s.All() {
			md, _ := o["metadata"].(map[string]any)
			if n, _ := md["name"].(string); strings.HasPrefix(n, "canary-") {
				found = append(found, o["kind"].(string)+"/"+n)
			}
		}
		slices.Sort(found)
		if want := []string{"ConfigMap/canary-config", "Deployment/canary-deploy", "Pod/canary-pod", "Secret/canary-secret"}; !reflect.DeepEqual(found, want) {
			t.Errorf("canary objects = %v, want %v", found, want)
		}
		leaks := map[string]string{"stdout": stdout, "stderr": stderr, "process output": osOut}
		for _, p := range files {
			b, _ := os.ReadFile(p)
			leaks[p] = string(b)
		}
		logs, _ := filepath.Glob(filepath.Join(f.Dir, "logs", "*"))
		for _, p := range logs {
			b, _ := os.ReadFile(p)
			leaks[p] = string(b)
		}
		for where, text := range leaks {
			if strings.Contains(text, canary) {
				t.Errorf("the canary value leaked into %s", where)
			}
		}
	})

	t.Run("fleet config, gzip, names and labels", func(t *testing.T) {
		dir := t.TempDir()
		_, stderr, code := run(t, "", "snapshot", "--config", f.Config, "-o", dir, "--gzip", "--workers", "1")
		if code != exitOK {
			t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
		}
		for _, c := range f.Clusters {
			s, err := snapshot.Load(filepath.Join(dir, c.Name+".json.gz"))
			if err != nil {
				t.Fatal(err)
			}
			if s.Cluster.Name != c.Name || !reflect.DeepEqual(s.Cluster.Labels, c.Labels) || s.Status.State != snapshot.StateComplete {
				t.Errorf("%s: cluster %+v state %s, want labels %v and complete", c.Name, s.Cluster, s.Status.State, c.Labels)
			}
		}
	})

	t.Run("path pattern and one context", func(t *testing.T) {
		dir := t.TempDir()
		_, stderr, code := run(t, "", "snapshot", "--kubeconfig", kc, "--context", "prod-us-auditor", "-o", filepath.Join(dir, "x-{name}.json.gz"))
		if code != exitOK {
			t.Fatalf("exit %d; stderr:\n%s", code, stderr)
		}
		if _, err := snapshot.Load(filepath.Join(dir, "x-prod-us-auditor.json.gz")); err != nil {
			t.Error(err)
		}
	})

	t.Run("interrupted: nothing written", func(t *testing.T) {
		dir := t.TempDir()
		err := runInterrupted("snapshot", "--kubeconfig", kc, "--all-contexts", "-o", dir)
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitIncomplete || !strings.Contains(err.Error(), "interrupted; 7 of 7 clusters not written") {
			t.Errorf("error = %v, want exit 3, interrupted", err)
		}
		if files, _ := os.ReadDir(dir); len(files) != 0 {
			t.Errorf("files written after the interrupt: %v", files)
		}
	})

	t.Run("audit interrupted: nothing stored or written", func(t *testing.T) {
		dir := t.TempDir()
		err := runInterrupted("audit", "--kubeconfig", kc, "--all-contexts", "-o", "json="+filepath.Join(dir, "audit.json"), "--store", filepath.Join(dir, "history.db"))
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != exitIncomplete || !strings.Contains(err.Error(), "interrupted while reading and evaluating clusters; nothing was stored or written") {
			t.Errorf("error = %v, want exit 3, interrupted", err)
		}
		if files, _ := os.ReadDir(dir); len(files) != 0 {
			t.Errorf("files written after the interrupt: %v", files)
		}
	})

	t.Run("serve runs a scheduled audit of live clusters", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		root := newRoot()
		root.SetArgs([]string{"serve", "--listen", addr, "--kubeconfig", kc, "--context", "dev", "--context", "prod-us", "--run-now", "--store", filepath.Join(t.TempDir(), "h.db")})
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		done := make(chan error, 1)
		go func() { done <- root.ExecuteContext(ctx) }()
		var audits []store.Summary
		for deadline := time.Now().Add(90 * time.Second); len(audits) == 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			resp, err := http.Get("http://" + addr + "/api/audits")
			if err != nil {
				continue
			}
			_ = json.NewDecoder(resp.Body).Decode(&audits)
			resp.Body.Close()
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve ended with %v", err)
		}
		if len(audits) != 1 {
			t.Fatalf("audits after --run-now: %+v", audits)
		}
		var names []string
		for _, c := range audits[0].Clusters {
			names = append(names, c.Name+":"+c.State)
		}
		if want := []string{"dev:complete", "prod-us:complete"}; !reflect.DeepEqual(names, want) || audits[0].Findings == 0 {
			t.Errorf("audit clusters %v (want %v), %d findings", names, want, audits[0].Findings)
		}
	})

	t.Run("usage errors", func(t *testing.T) {
		tests := []struct {
			name string
			args []string
			want string
		}{
			{"no output", []string{"snapshot", "--kubeconfig", kc}, "-o DIR is required"},
			{"unknown context", []string{"snapshot", "--kubeconfig", kc, "--context", "nope", "-o", t.TempDir()}, `context "nope" is not in kubeconfig ` + kc},
			{"bad config", []string{"snapshot", "--config", "../../testdata/fetchers/bad-fleet.yaml", "-o", t.TempDir()}, "bad-fleet.yaml:7: at /clusters/0/labels/tier"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, stderr, code := run(t, "", tt.args...)
				if code != exitUsage || !strings.Contains(stderr, tt.want) {
					t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.want)
				}
			})
		}
	})
}

// runCaptured runs the CLI in-process like run, and also captures what
// anything writes to the process's own stdout and stderr meanwhile (client-go
// logs through klog to os.Stderr).
func runCaptured(t *testing.T, args ...string) (stdout, stderr string, code int, osOut string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() {
		os.Stdout, os.Stderr = oldOut, oldErr
	}()
	stdout, stderr, code = run(t, "", args...)
	os.Stdout, os.Stderr = oldOut, oldErr
	w.Close()
	osOut = <-done
	return stdout, stderr, code, osOut
}

// withDeadContext copies the kubeconfig and adds a context "dead" on a
// closed loopback port.
func withDeadContext(t *testing.T, path string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cl := clientcmdapi.NewCluster()
	cl.Server = "https://" + addr
	cl.InsecureSkipTLSVerify = true
	cfg.Clusters["dead"] = cl
	ai := clientcmdapi.NewAuthInfo()
	ai.Token = "x"
	cfg.AuthInfos["dead"] = ai
	cx := clientcmdapi.NewContext()
	cx.Cluster, cx.AuthInfo = "dead", "dead"
	cfg.Contexts["dead"] = cx
	out := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, out); err != nil {
		t.Fatal(err)
	}
	return out
}

// seedCanary creates a Secret as kubectl apply leaves it (the last-applied
// annotation holds the value), a Pod with the value in a literal env var,
// and a ConfigMap holding it.

// runInterrupted runs the command as if Ctrl-C had been pressed at once:
// its context is cancelled before it starts.
func runInterrupted(args ...string) error {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(io.Discard)
	root.SetErr(io.Discard)
	return root.ExecuteContext(ctx)
}
