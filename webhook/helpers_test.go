package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/webhook/webhooktest"
)

// testCA is a generated CA that issues serving certificates for 127.0.0.1.
type testCA struct{ *webhooktest.CA }

func newCA(t *testing.T) *testCA {
	t.Helper()
	ca, err := webhooktest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{ca}
}

// issue writes a serving certificate with the given serial to certFile and keyFile.
func (ca *testCA) issue(t *testing.T, serial int64, certFile, keyFile string) {
	t.Helper()
	if err := ca.Issue(serial, certFile, keyFile); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a concurrency-safe log or decision log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lines decodes what was written as decision log lines.
func (s *syncBuffer) lines(t *testing.T) []DecisionRecord {
	var out []DecisionRecord
	for _, l := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if l == "" {
			continue
		}
		var r DecisionRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("decision log line %q: %v", l, err)
		}
		out = append(out, r)
	}
	return out
}

// harness is a webhook served over real TLS on 127.0.0.1.
type harness struct {
	t        *testing.T
	srv      *Server
	bundles  *Bundles
	ca       *testCA
	certFile string
	keyFile  string
	url      string
	client   *http.Client
	log      *syncBuffer
	stop     func() // stops serving; idempotent
}

type harnessOpt func(*Config)

// start serves src ("" for the embedded bundle). load says whether to load
// the bundle before serving.
func start(t *testing.T, src string, load bool, opts ...harnessOpt) *harness {
	t.Helper()
	return startWith(t, NewBundles(src, engine.LoadOptions{}), load, opts...)
}

// startWith serves the given Bundles.
func startWith(t *testing.T, bundles *Bundles, load bool, opts ...harnessOpt) *harness {
	t.Helper()
	src := bundles.Source()
	dir := t.TempDir()
	h := &harness{t: t, ca: newCA(t), certFile: filepath.Join(dir, "tls.crt"), keyFile: filepath.Join(dir, "tls.key"), log: &syncBuffer{}}
	h.ca.issue(t, 100, h.certFile, h.keyFile)
	certs, err := NewCerts(h.certFile, h.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	h.bundles = bundles
	cfg := Config{
		Bundles: h.bundles, Certs: certs, DecisionLog: h.log,
		Logger: discardLogger(),
	}
	for _, o := range opts {
		o(&cfg)
	}
	h.srv = New(cfg)
	if load {
		if _, err := h.bundles.Reload(context.Background()); err != nil {
			t.Fatalf("loading bundle %s: %v", src, err)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.srv.Serve(ctx, ln) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
	}
	t.Cleanup(h.stop)
	h.url = "https://" + ln.Addr().String()
	h.client = h.newClient()
	return h
}

func (h *harness) newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: h.ca.Pool, MinVersion: tls.VersionTLS12},
	}}
}

// post sends body to /validate and returns the status and body.
func (h *harness) post(body []byte) (int, []byte) {
	h.t.Helper()
	resp, err := h.client.Post(h.url+"/validate", "application/json", bytes.NewReader(body))
	if err != nil {
		h.t.Fatalf("POST /validate: %v", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// review sends an AdmissionReview and decodes the response, checking the uid.
func (h *harness) review(body []byte) *admissionv1.AdmissionResponse {
	h.t.Helper()
	code, out := h.post(body)
	if code != http.StatusOK {
		h.t.Fatalf("POST /validate: HTTP %d: %s", code, out)
	}
	var rv admissionv1.AdmissionReview
	if err := json.Unmarshal(out, &rv); err != nil {
		h.t.Fatalf("decoding response %s: %v", out, err)
	}
	if rv.APIVersion != "admission.k8s.io/v1" || rv.Kind != "AdmissionReview" || rv.Response == nil {
		h.t.Fatalf("response is not an AdmissionReview with a response: %s", out)
	}
	var in admissionv1.AdmissionReview
	_ = json.Unmarshal(body, &in)
	if rv.Response.UID != in.Request.UID {
		h.t.Fatalf("response uid %q, want %q", rv.Response.UID, in.Request.UID)
	}
	return rv.Response
}

func (h *harness) get(path string) (int, string) {
	h.t.Helper()
	resp, err := h.client.Get(h.url + path)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// metric returns the value of one sample line of /metrics ("name{labels}").
func (h *harness) metric(sample string) string {
	h.t.Helper()
	_, body := h.get("/metrics")
	for _, l := range strings.Split(body, "\n") {
		if strings.HasPrefix(l, sample+" ") {
			return strings.TrimPrefix(l, sample+" ")
		}
	}
	return ""
}

// pod returns a Pod object.
func pod(name, ns string, labels map[string]any, containers ...map[string]any) map[string]any {
	cs := make([]any, len(containers))
	for i, c := range containers {
		cs[i] = c
	}
	md := map[string]any{"name": name, "namespace": ns}
	if labels != nil {
		md["labels"] = labels
	}
	return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": map[string]any{"containers": cs}}
}

func container(name, image string, privileged bool) map[string]any {
	c := map[string]any{"name": name, "image": image}
	if privileged {
		c["securityContext"] = map[string]any{"privileged": true}
	}
	return c
}

// reviewJSON builds an AdmissionReview for a Pod.
func reviewJSON(t testing.TB, uid, op string, obj, old map[string]any) []byte {
	t.Helper()
	ns := ""
	name := ""
	if o := firstNonNil(obj, old); o != nil {
		md := o["metadata"].(map[string]any)
		ns, _ = md["namespace"].(string)
		name, _ = md["name"].(string)
	}
	req := map[string]any{
		"uid":       uid,
		"kind":      map[string]any{"group": "", "version": "v1", "kind": "Pod"},
		"resource":  map[string]any{"group": "", "version": "v1", "resource": "pods"},
		"name":      name,
		"namespace": ns,
		"operation": op,
		"userInfo":  map[string]any{"username": "alice", "groups": []any{"dev"}},
	}
	if obj != nil {
		req["object"] = obj
	}
	if old != nil {
		req["oldObject"] = old
	}
	raw, err := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func firstNonNil(ms ...map[string]any) map[string]any {
	for _, m := range ms {
		if m != nil {
			return m
		}
	}
	return nil
}

// copyDir copies a directory tree (the test bundle) to dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), raw, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// serveDirect calls the /validate handler without echo's Recover middleware.
func serveDirect(s *Server, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/validate", strings.NewReader(body))
	rec := httptest.NewRecorder()
	if err := s.handleValidate(s.echo.NewContext(req, rec)); err != nil {
		rec.Code = 599
	}
	return rec
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
