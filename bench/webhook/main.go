// Command bench-webhook measures the admission webhook: open-loop latency at
// a fixed rate over keep-alive TLS connections (latency counted from each
// request's scheduled send time, so a slow server cannot hide its queue:
// no coordinated omission), a no-op handler as the floor in the same run,
// the maximum throughput (closed loop), and a fault run with bundle swaps
// and certificate rotation. See README.md.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fleetguard/fleetguard/bench/internal/proc"
	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/policies"
	"github.com/fleetguard/fleetguard/webhook"
	"github.com/fleetguard/fleetguard/webhook/webhooktest"
)

func main() {
	var c config
	flag.StringVar(&c.target, "target", "", "external /validate URL to load (default: a webhook started in this process with the default bundle)")
	flag.StringVar(&c.caFile, "ca", "", "CA certificate for -target (default: skip verification)")
	flag.Float64Var(&c.rate, "rate", 1000, "open-loop request rate (requests/s)")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "open-loop run length")
	flag.IntVar(&c.conns, "conns", 64, "keep-alive connections (concurrent senders)")
	flag.DurationVar(&c.maxDuration, "max-duration", 5*time.Second, "closed-loop maximum-throughput run length (0 skips)")
	flag.BoolVar(&c.fault, "fault", false, "run the fault test instead: bundle swapped and certificate rotated during the run")
	flag.DurationVar(&c.swapEvery, "swap-every", 5*time.Second, "fault run: swap the bundle and rotate the certificate this often")
	flag.BoolVar(&c.jsonOut, "json", false, "print the report as JSON")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if err := proc.StartCPUProfile(*cpuProfile); err != nil {
		fmt.Fprintln(os.Stderr, "bench-webhook:", err)
		os.Exit(2)
	}
	defer pprof.StopCPUProfile()
	rep, err := run(context.Background(), c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-webhook:", err)
		os.Exit(2)
	}
	if c.jsonOut {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		rep.print(os.Stdout)
	}
	if rep.Fault != nil && (rep.Fault.Failed > 0 || rep.Fault.Wrong > 0) {
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

type config struct {
	target, caFile string
	rate           float64
	duration       time.Duration
	conns          int
	maxDuration    time.Duration
	fault          bool
	swapEvery      time.Duration
	jsonOut        bool
}

// Stats summarises one run.
type Stats struct {
	Name       string  `json:"name"`
	Requests   int     `json:"requests"`
	Failed     int     `json:"failed"` // transport errors, non-200, wrong uid
	Wrong      int     `json:"wrong"`  // allowed when a deny was expected, or the reverse
	P50ms      float64 `json:"p50Ms"`
	P95ms      float64 `json:"p95Ms"`
	P99ms      float64 `json:"p99Ms"`
	Maxms      float64 `json:"maxMs"`
	Throughput float64 `json:"throughputPerSec"`
	FirstError string  `json:"firstError,omitempty"`
}

// FaultStats adds what the fault run changed under load.
type FaultStats struct {
	Stats
	Swaps     int      `json:"bundleSwaps"`
	Revisions []string `json:"revisionsServed"`
	Rotations int      `json:"certRotations"`
	Serials   []string `json:"certSerialsServed"`
}

// Report is the whole run.
type Report struct {
	Date     string      `json:"date"`
	Rate     float64     `json:"rate"`
	Duration string      `json:"duration"`
	Conns    int         `json:"conns"`
	Policies int         `json:"policies,omitempty"`
	Floor    *Stats      `json:"floor,omitempty"`
	Webhook  *Stats      `json:"webhook,omitempty"`
	MaxFloor *Stats      `json:"maxFloor,omitempty"`
	MaxHook  *Stats      `json:"maxWebhook,omitempty"`
	Fault    *FaultStats `json:"fault,omitempty"`
}

func (r *Report) print(w io.Writer) {
	fmt.Fprintf(w, "bench-webhook  %s  rate=%.0f/s duration=%s conns=%d policies=%d\n", r.Date, r.Rate, r.Duration, r.Conns, r.Policies)
	fmt.Fprintf(w, "%-22s %8s %6s %6s %8s %8s %8s %8s %10s\n", "run", "requests", "failed", "wrong", "p50 ms", "p95 ms", "p99 ms", "max ms", "req/s")
	for _, s := range []*Stats{r.Floor, r.Webhook, r.MaxFloor, r.MaxHook} {
		if s != nil {
			fmt.Fprintf(w, "%-22s %8d %6d %6d %8.3f %8.3f %8.3f %8.3f %10.0f\n", s.Name, s.Requests, s.Failed, s.Wrong, s.P50ms, s.P95ms, s.P99ms, s.Maxms, s.Throughput)
		}
	}
	if f := r.Fault; f != nil {
		fmt.Fprintf(w, "%-22s %8d %6d %6d %8.3f %8.3f %8.3f %8.3f %10.0f\n", f.Name, f.Requests, f.Failed, f.Wrong, f.P50ms, f.P95ms, f.P99ms, f.Maxms, f.Throughput)
		fmt.Fprintf(w, "fault: %d bundle swaps (revisions served: %s), %d certificate rotations (serials served: %s)\n",
			f.Swaps, strings.Join(f.Revisions, " "), f.Rotations, strings.Join(f.Serials, " "))
	}
	for _, s := range []*Stats{r.Floor, r.Webhook, r.MaxFloor, r.MaxHook} {
		if s != nil && s.FirstError != "" {
			fmt.Fprintf(w, "%s: first error: %s\n", s.Name, s.FirstError)
		}
	}
	if r.Fault != nil && r.Fault.FirstError != "" {
		fmt.Fprintf(w, "fault: first error: %s\n", r.Fault.FirstError)
	}
}

func run(ctx context.Context, c config) (*Report, error) {
	if c.rate <= 0 || c.duration <= 0 || c.conns <= 0 {
		return nil, errors.New("-rate, -duration and -conns must be positive")
	}
	rep := &Report{Date: time.Now().UTC().Format("2006-01-02"), Rate: c.rate, Duration: c.duration.String(), Conns: c.conns}
	dir, err := os.MkdirTemp("", "bench-webhook-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ca, err := webhooktest.NewCA()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	if c.fault {
		f, err := faultRun(ctx, c, ca, dir)
		rep.Fault = f
		return rep, err
	}

	floorURL, err := serveFloor(ctx, ca, dir)
	if err != nil {
		return nil, err
	}
	floor := newLoader(ca.Pool, c.conns)
	target := c.target
	hook := floor
	if target == "" {
		srv, url, err := serveWebhook(ctx, ca, dir, "", 0)
		if err != nil {
			return nil, err
		}
		target = url
		rep.Policies = len(srv.bundles.Current().Engine.Policies())
		hook = newLoader(ca.Pool, c.conns)
	} else {
		pool := (*x509.CertPool)(nil)
		if c.caFile != "" {
			pem, err := os.ReadFile(c.caFile)
			if err != nil {
				return nil, err
			}
			pool = x509.NewCertPool()
			pool.AppendCertsFromPEM(pem)
		}
		hook = newLoader(pool, c.conns)
	}
	// Warm up both connections pools and the engine's prepared queries.
	floor.closedLoop(ctx, "warm-up", floorURL, c.conns, 300*time.Millisecond, false)
	hook.closedLoop(ctx, "warm-up", target, c.conns, 300*time.Millisecond, true)

	rep.Floor = floor.openLoop(ctx, "floor (no-op) open", floorURL, c.rate, c.duration, false)
	rep.Webhook = hook.openLoop(ctx, "webhook open", target, c.rate, c.duration, true)
	if c.maxDuration > 0 {
		rep.MaxFloor = floor.closedLoop(ctx, "floor (no-op) max", floorURL, c.conns, c.maxDuration, false)
		rep.MaxHook = hook.closedLoop(ctx, "webhook max", target, c.conns, c.maxDuration, true)
	}
	return rep, nil
}

// loader sends AdmissionReviews over a pool of keep-alive TLS connections.
type loader struct {
	client *http.Client
	tr     *http.Transport
	seq    atomic.Int64
	bodies [2]reviewTemplate // [0] expected allowed, [1] expected denied
}

func newLoader(pool *x509.CertPool, conns int) *loader {
	tc := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if pool == nil {
		tc.InsecureSkipVerify = true //nolint:gosec // -target without -ca on loopback
	}
	tr := &http.Transport{
		TLSClientConfig:     tc,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     time.Minute,
		ForceAttemptHTTP2:   false,
	}
	return &loader{client: &http.Client{Transport: tr, Timeout: 10 * time.Second}, tr: tr, bodies: templates()}
}

type result struct {
	latency time.Duration
	failed  bool
	wrong   bool
	err     string
	serial  string
}

// send posts one review and checks the answer; checkDecision compares
// allowed with the expected verdict.
func (l *loader) send(ctx context.Context, url string, checkDecision bool) result {
	n := l.seq.Add(1)
	deny := n%2 == 1
	tmpl := l.bodies[0]
	if deny {
		tmpl = l.bodies[1]
	}
	uid := fmt.Sprintf("bench-%d", n)
	body := tmpl.with(uid)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return result{failed: true, err: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return result{failed: true, err: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{failed: true, err: err.Error()}
	}
	r := result{}
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		r.serial = resp.TLS.PeerCertificates[0].SerialNumber.String()
	}
	if resp.StatusCode != http.StatusOK {
		r.failed, r.err = true, fmt.Sprintf("HTTP %d: %.200s", resp.StatusCode, raw)
		return r
	}
	var out struct {
		Response struct {
			UID     string `json:"uid"`
			Allowed bool   `json:"allowed"`
		} `json:"response"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Response.UID != uid {
		r.failed, r.err = true, fmt.Sprintf("bad answer for %s: %.200s", uid, raw)
		return r
	}
	if checkDecision && out.Response.Allowed == deny {
		r.wrong, r.err = true, fmt.Sprintf("%s: allowed=%v, want %v: %.300s", uid, out.Response.Allowed, !deny, raw)
	}
	return r
}

// openLoop sends rate requests per second for d, each at its scheduled
// time whatever the state of earlier ones, and measures from that time.
func (l *loader) openLoop(ctx context.Context, name, url string, rate float64, d time.Duration, check bool) *Stats {
	s, _ := l.openLoopHook(ctx, name, url, rate, d, check, 0, nil)
	return s
}

// openLoopHook is openLoop that calls every(i) in its own goroutine when
// request i (i > 0) is scheduled and i is a multiple of n.
func (l *loader) openLoopHook(ctx context.Context, name, url string, rate float64, d time.Duration, check bool, n int, every func(i int)) (*Stats, []result) {
	total := int(rate * d.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	results := make([]result, total)
	jobs := make(chan int, total)
	start := time.Now().Add(20 * time.Millisecond)
	var wg sync.WaitGroup
	for w := 0; w < l.tr.MaxConnsPerHost; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				sched := start.Add(time.Duration(i) * interval)
				r := l.send(ctx, url, check)
				r.latency = time.Since(sched)
				results[i] = r
			}
		}()
	}
	var hooks sync.WaitGroup
	for i := 0; i < total; i++ {
		if wait := time.Until(start.Add(time.Duration(i) * interval)); wait > 0 {
			time.Sleep(wait)
		}
		if every != nil && n > 0 && i > 0 && i%n == 0 {
			hooks.Add(1)
			go func(i int) { defer hooks.Done(); every(i) }(i)
		}
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	hooks.Wait()
	st := summarise(name, results, time.Since(start))
	return st, results
}

// closedLoop keeps conns requests in flight for d: the maximum throughput.
func (l *loader) closedLoop(ctx context.Context, name, url string, conns int, d time.Duration, check bool) *Stats {
	var mu sync.Mutex
	var results []result
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []result
			for time.Now().Before(deadline) {
				t := time.Now()
				r := l.send(ctx, url, check)
				r.latency = time.Since(t)
				local = append(local, r)
			}
			mu.Lock()
			results = append(results, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return summarise(name, results, time.Since(start))
}

func summarise(name string, rs []result, elapsed time.Duration) *Stats {
	s := &Stats{Name: name, Requests: len(rs)}
	lat := make([]float64, 0, len(rs))
	for _, r := range rs {
		if r.failed {
			s.Failed++
		}
		if r.wrong {
			s.Wrong++
		}
		if r.err != "" && s.FirstError == "" {
			s.FirstError = r.err
		}
		lat = append(lat, float64(r.latency.Microseconds())/1000)
	}
	sort.Float64s(lat)
	q := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := int(p*float64(len(lat))+0.5) - 1
		return lat[max(0, min(i, len(lat)-1))]
	}
	s.P50ms, s.P95ms, s.P99ms = q(0.50), q(0.95), q(0.99)
	if len(lat) > 0 {
		s.Maxms = lat[len(lat)-1]
	}
	s.Throughput = float64(len(rs)-s.Failed) / elapsed.Seconds()
	return s
}

// reviewTemplate is an AdmissionReview body with a placeholder uid.
type reviewTemplate struct{ before, after string }

func (t reviewTemplate) with(uid string) string { return t.before + uid + t.after }

// templates returns a compliant Pod (admitted by the default bundle) and a
// privileged one (denied).
func templates() [2]reviewTemplate {
	pod := func(privileged bool) map[string]any {
		sc := map[string]any{"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "runAsNonRoot": true,
			"capabilities": map[string]any{"drop": []any{"ALL"}}}
		if privileged {
			sc["privileged"] = true
		}
		return map[string]any{
			"apiVersion": "v1", "kind": "Pod",
			"metadata": map[string]any{"name": "web", "namespace": "shop", "labels": map[string]any{"app": "web", "team": "shop"}},
			"spec": map[string]any{
				"automountServiceAccountToken": false,
				"securityContext":              map[string]any{"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": map[string]any{"type": "RuntimeDefault"}},
				"containers": []any{map[string]any{
					"name": "web", "image": "registry.example.com/shop/web:1.4.2@sha256:3b1a1f1e4bb6b3c1c0b4a8c5b9f8e2d7c6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1",
					"securityContext": sc,
					"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"},
						"limits": map[string]any{"cpu": "500m", "memory": "256Mi"}},
				}},
			},
		}
	}
	var out [2]reviewTemplate
	for i, priv := range []bool{false, true} {
		raw, _ := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": map[string]any{
			"uid":  "@UID@",
			"kind": map[string]any{"group": "", "version": "v1", "kind": "Pod"}, "resource": map[string]any{"group": "", "version": "v1", "resource": "pods"},
			"namespace": "shop", "name": "web", "operation": "CREATE",
			"userInfo": map[string]any{"username": "bench", "groups": []any{"system:authenticated"}},
			"object":   pod(priv),
		}})
		before, after, _ := strings.Cut(string(raw), "@UID@")
		out[i] = reviewTemplate{before, after}
	}
	return out
}

// serveFloor serves a no-op webhook: it reads the review, and admits it
// with the same uid. The same TLS, HTTP server and JSON decoding of the uid
// as the webhook, and no evaluation.
func serveFloor(ctx context.Context, ca *webhooktest.CA, dir string) (string, error) {
	certFile, keyFile := filepath.Join(dir, "floor.crt"), filepath.Join(dir, "floor.key")
	if err := ca.Issue(1, certFile, keyFile); err != nil {
		return "", err
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return "", err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(io.LimitReader(r.Body, webhook.MaxBodyBytes))
		var in struct {
			Request struct {
				UID string `json:"uid"`
			} `json:"request"`
		}
		_ = json.Unmarshal(raw, &in)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":%q,"allowed":true}}`, in.Request.UID)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	hs := &http.Server{Handler: h, TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair}}}
	go func() { _ = hs.ServeTLS(ln, "", "") }()
	go func() { <-ctx.Done(); _ = hs.Close() }()
	return "https://" + ln.Addr().String() + "/", nil
}

type hookServer struct {
	bundles  *webhook.Bundles
	certFile string
	keyFile  string
}

// serveWebhook starts the real webhook on 127.0.0.1 with bundle src.
func serveWebhook(ctx context.Context, ca *webhooktest.CA, dir, src string, serial int64) (*hookServer, string, error) {
	h := &hookServer{certFile: filepath.Join(dir, "tls.crt"), keyFile: filepath.Join(dir, "tls.key")}
	if err := ca.Issue(100+serial, h.certFile, h.keyFile); err != nil {
		return nil, "", err
	}
	certs, err := webhook.NewCerts(h.certFile, h.keyFile)
	if err != nil {
		return nil, "", err
	}
	h.bundles = webhook.NewBundles(src, engine.LoadOptions{})
	srv := webhook.New(webhook.Config{Bundles: h.bundles, Certs: certs, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if _, err := h.bundles.Reload(ctx); err != nil {
		return nil, "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	go func() { _ = srv.Serve(ctx, ln) }()
	return h, "https://" + ln.Addr().String() + "/validate", nil
}

// faultRun loads the webhook at the configured rate while the bundle is
// swapped (a new revision compiled and swapped in) and the certificate
// rotated (new connections see the new one) every swapEvery.
func faultRun(ctx context.Context, c config, ca *webhooktest.CA, dir string) (*FaultStats, error) {
	bdir := filepath.Join(dir, "bundle")
	if err := copyEmbedded(bdir); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(bdir, ".manifest"), []byte(`{"revision":"fault-0"}`), 0o644); err != nil {
		return nil, err
	}
	h, url, err := serveWebhook(ctx, ca, dir, bdir, 0)
	if err != nil {
		return nil, err
	}
	l := newLoader(ca.Pool, c.conns)
	l.closedLoop(ctx, "warm-up", url, c.conns, 200*time.Millisecond, true)
	fst := &FaultStats{}
	var mu sync.Mutex
	var hookErr error
	every := int(c.rate * c.swapEvery.Seconds())
	swap := func(i int) {
		mu.Lock()
		defer mu.Unlock()
		n := i / every
		rev := fmt.Sprintf(`{"revision":"fault-%d"}`, n)
		if err := os.WriteFile(filepath.Join(bdir, ".manifest"), []byte(rev), 0o644); err != nil {
			hookErr = err
			return
		}
		swapped, err := h.bundles.Reload(ctx)
		if err != nil || !swapped {
			hookErr = fmt.Errorf("swap %d: swapped=%v err=%v", n, swapped, err)
			return
		}
		fst.Swaps++
		if err := ca.Issue(int64(100+n), h.certFile, h.keyFile); err != nil {
			hookErr = err
			return
		}
		fst.Rotations++
		l.tr.CloseIdleConnections() // new connections, new handshakes, the new certificate
	}
	revs := map[string]bool{}
	st, results := l.openLoopHook(ctx, "fault open", url, c.rate, c.duration, true, every, func(i int) {
		swap(i)
		mu.Lock()
		revs[h.bundles.Current().Revision] = true
		mu.Unlock()
	})
	fst.Stats = *st
	serials := map[string]bool{}
	for _, r := range results {
		if r.serial != "" {
			serials[r.serial] = true
		}
	}
	for s := range serials {
		fst.Serials = append(fst.Serials, s)
	}
	for r := range revs {
		fst.Revisions = append(fst.Revisions, r)
	}
	sort.Strings(fst.Serials)
	sort.Strings(fst.Revisions)
	return fst, hookErr
}

// copyEmbedded writes the embedded default bundle to dir.
func copyEmbedded(dir string) error {
	return fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		raw, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, raw, 0o644)
	})
}
