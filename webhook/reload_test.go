package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
)

func TestCertRotation(t *testing.T) {
	h := start(t, testBundle, true)
	serial := func() int64 {
		t.Helper()
		c := h.newClient() // a new connection, so a new handshake
		defer c.CloseIdleConnections()
		resp, err := c.Get(h.url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if v := resp.TLS.Version; v < tls.VersionTLS12 {
			t.Errorf("TLS version %x, want at least 1.2", v)
		}
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
	}
	if got := serial(); got != 100 {
		t.Fatalf("first certificate serial = %d, want 100", got)
	}
	h.ca.issue(t, 200, h.certFile, h.keyFile)
	if got := serial(); got != 200 {
		t.Fatalf("after rotation, serial = %d, want 200 (no restart)", got)
	}
	// A half-written pair (new key, old certificate) keeps the last good one.
	other := t.TempDir()
	h.ca.issue(t, 300, filepath.Join(other, "c"), filepath.Join(other, "k"))
	key, _ := os.ReadFile(filepath.Join(other, "k"))
	writeFile(t, h.keyFile, key)
	if got := serial(); got != 200 {
		t.Fatalf("with a mismatched pair, serial = %d, want the last good 200", got)
	}
	if err := h.srv.cfg.Certs.LastError(); err == nil || !strings.Contains(err.Error(), h.certFile) {
		t.Fatalf("LastError = %v, want an error naming %s", err, h.certFile)
	}
	if got := h.metric(`fleetguard_webhook_certificate_reloads_total{result="ok"}`); got != "1" {
		t.Errorf("certificate reloads ok = %q, want 1", got)
	}
	if got := h.metric(`fleetguard_webhook_certificate_reloads_total{result="error"}`); got != "1" {
		t.Errorf("certificate reloads error = %q, want 1", got)
	}
	// A TLS 1.1 client is refused.
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: h.ca.Pool, MaxVersion: tls.VersionTLS11}}}
	if _, err := c.Get(h.url + "/healthz"); err == nil {
		t.Fatal("a TLS 1.1 client was served")
	}
}

// bundleServer serves a bundle tarball with an ETag and records If-None-Match.
type bundleServer struct {
	mu       sync.Mutex
	body     []byte
	etag     string
	fail     bool
	requests []string // If-None-Match of each request
}

func (b *bundleServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.requests = append(b.requests, r.Header.Get("If-None-Match"))
	switch {
	case b.fail:
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	case r.Header.Get("If-None-Match") == b.etag:
		w.WriteHeader(http.StatusNotModified)
	default:
		w.Header().Set("ETag", b.etag)
		_, _ = w.Write(b.body)
	}
}

func (b *bundleServer) set(body []byte, etag string, fail bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.body, b.etag, b.fail = body, etag, fail
}

func buildBundle(t *testing.T, dir, revision string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := engine.BuildBundle(context.Background(), dir, &buf, engine.BuildOptions{Revision: revision}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHTTPBundleWithETag(t *testing.T) {
	bs := &bundleServer{}
	bs.set(buildBundle(t, testBundle, "r1"), `"r1"`, false)
	hs := httptest.NewServer(bs)
	defer hs.Close()
	h := start(t, hs.URL+"/bundle.tar.gz", true)
	ctx := context.Background()
	if cur := h.bundles.Current(); cur.Revision != "r1" || cur.Source != hs.URL+"/bundle.tar.gz" {
		t.Fatalf("current bundle = %+v, want revision r1 from the URL", cur)
	}
	if r := h.review(reviewJSON(t, "h1", "CREATE", pod("p", "apps", map[string]any{"team": "a"}, container("app", "nginx:1.27", true)), nil)); r.Allowed {
		t.Fatal("privileged pod admitted")
	}
	// Unchanged: 304, nothing recompiled.
	if swapped, err := h.bundles.Reload(ctx); err != nil || swapped {
		t.Fatalf("Reload with the same ETag = %v, %v; want false, nil", swapped, err)
	}
	// A new revision is swapped in.
	dir := t.TempDir()
	copyDir(t, testBundle, dir)
	if err := os.Remove(filepath.Join(dir, "test", "deny_privileged.rego")); err != nil {
		t.Fatal(err)
	}
	bs.set(buildBundle(t, dir, "r2"), `"r2"`, false)
	if swapped, err := h.bundles.Reload(ctx); err != nil || !swapped {
		t.Fatalf("Reload of a new revision = %v, %v; want true, nil", swapped, err)
	}
	if cur := h.bundles.Current(); cur.Revision != "r2" {
		t.Fatalf("revision = %q, want r2", cur.Revision)
	}
	if r := h.review(reviewJSON(t, "h2", "CREATE", pod("p", "apps", map[string]any{"team": "a"}, container("app", "nginx:1.27", true)), nil)); !r.Allowed {
		t.Fatalf("privileged pod denied after the deny policy was removed: %+v", r.Result)
	}
	// The server goes down: the last good bundle stays.
	bs.set(nil, `"r3"`, true)
	if _, err := h.bundles.Reload(ctx); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Reload from a failing server = %v, want an HTTP 503 error", err)
	}
	if cur := h.bundles.Current(); cur.Revision != "r2" {
		t.Fatalf("revision = %q after a failed fetch, want r2", cur.Revision)
	}
	// A corrupt body is refused too.
	bs.set([]byte("not a tarball"), `"r4"`, false)
	if _, err := h.bundles.Reload(ctx); err == nil {
		t.Fatal("a corrupt bundle was accepted")
	}
	if got := h.metric(`fleetguard_webhook_bundle_info{digest="` + h.bundles.Current().Digest + `",revision="r2",source="` + hs.URL + `/bundle.tar.gz"}`); got != "1" {
		t.Errorf("bundle info for r2 = %q, want 1", got)
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	want := []string{"", `"r1"`, `"r1"`, `"r2"`, `"r2"`}
	if strings.Join(bs.requests, ",") != strings.Join(want, ",") {
		t.Errorf("If-None-Match sent = %q, want %q", bs.requests, want)
	}
}
