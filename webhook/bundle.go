package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/gatekeeper"
)

// Loaded is one compiled bundle in service.
type Loaded struct {
	Engine   *engine.Engine
	Source   string
	Revision string
	Digest   string
	LoadedAt time.Time
}

// BundleStatus is the state of the bundle source, for /readyz.
type BundleStatus struct {
	Source         string     `json:"source"`
	Revision       string     `json:"revision,omitempty"`
	Digest         string     `json:"digest,omitempty"`
	LoadedAt       *time.Time `json:"loadedAt,omitempty"`
	AgeSeconds     float64    `json:"ageSeconds,omitempty"`
	LastCheck      *time.Time `json:"lastCheck,omitempty"`
	LastError      string     `json:"lastReloadError,omitempty"`
	LastErrorAt    *time.Time `json:"lastReloadErrorAt,omitempty"`
	ReloadFailures int64      `json:"reloadFailures"`
}

// Bundles keeps the current compiled bundle and replaces it when its source
// changes. The current bundle is swapped atomically: a request sees either
// the old or the new engine, never a mix. A bad or unreachable bundle keeps
// the last good one. Bundles is safe for concurrent use.
type Bundles struct {
	src     string
	load    engine.LoadOptions
	client  *http.Client
	now     func() time.Time
	onSwap  func(*Loaded)
	onError func(error)

	cur atomic.Pointer[Loaded]

	mu          sync.Mutex // serialises Reload and guards the fields below
	fingerprint string     // content hash (file, dir) or ETag (URL) of the current bundle
	lastCheck   time.Time
	lastErr     error
	lastErrAt   time.Time
	failures    int64
}

// NewBundles returns a Bundles for src: "" for the embedded default bundle,
// a directory, an OPA bundle .tar.gz, or an http(s) URL polled with ETag.
// Nothing is loaded until Reload.
func NewBundles(src string, load engine.LoadOptions) *Bundles {
	c := load.HTTPClient
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	return &Bundles{src: src, load: load, client: c, now: time.Now}
}

// Current returns the bundle in service, or nil before the first load.
func (b *Bundles) Current() *Loaded { return b.cur.Load() }

// Source returns the configured bundle source ("embedded" for the default).
func (b *Bundles) Source() string {
	if b.src == "" {
		return "embedded"
	}
	return b.src
}

// Status reports the bundle in service and the last reload error.
func (b *Bundles) Status() BundleStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := BundleStatus{Source: b.Source(), ReloadFailures: b.failures}
	if cur := b.cur.Load(); cur != nil {
		t := cur.LoadedAt
		s.Revision, s.Digest, s.LoadedAt = cur.Revision, cur.Digest, &t
		s.AgeSeconds = b.now().Sub(t).Seconds()
	}
	if !b.lastCheck.IsZero() {
		t := b.lastCheck
		s.LastCheck = &t
	}
	if b.lastErr != nil {
		t := b.lastErrAt
		s.LastError, s.LastErrorAt = b.lastErr.Error(), &t
	}
	return s
}

// Reload checks the source and, when it changed, compiles the new bundle and
// swaps it in. It reports whether a new bundle went into service. On error
// the bundle in service is kept and the error is recorded for Status.
func (b *Bundles) Reload(ctx context.Context) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.lastCheck = b.now()
	swapped, err := b.reload(ctx)
	if err != nil {
		b.lastErr, b.lastErrAt = err, b.now()
		b.failures++
		if b.onError != nil {
			b.onError(err)
		}
		return false, err
	}
	b.lastErr = nil
	return swapped, nil
}

func (b *Bundles) reload(ctx context.Context) (bool, error) {
	switch {
	case b.src == "":
		if b.cur.Load() != nil {
			return false, nil // the embedded bundle never changes
		}
		return b.compile(ctx, "", "embedded", "")
	case strings.HasPrefix(b.src, "http://") || strings.HasPrefix(b.src, "https://"):
		return b.reloadURL(ctx)
	}
	fp, err := fingerprint(b.src)
	if err != nil {
		return false, fmt.Errorf("reading bundle %s: %w", b.src, err)
	}
	if fp == b.fingerprint && b.cur.Load() != nil {
		return false, nil
	}
	return b.compile(ctx, b.src, b.src, fp)
}

// compile loads path (a file, a directory or "" for embedded), compiles it
// and swaps it in, recording fp as the fingerprint of what is in service.
func (b *Bundles) compile(ctx context.Context, path, source, fp string) (bool, error) {
	bun, err := engine.LoadBundle(ctx, path, b.load)
	if err != nil {
		return false, err
	}
	bun.Source = source
	eng, err := engine.New(ctx, engine.WithBundle(bun))
	if err != nil {
		return false, err
	}
	warm(ctx, eng)
	l := &Loaded{Engine: eng, Source: source, Revision: bun.Revision(), Digest: bun.Digest, LoadedAt: b.now()}
	b.cur.Store(l)
	b.fingerprint = fp
	if b.onSwap != nil {
		b.onSwap(l)
	}
	return true, nil
}

// reloadURL fetches the bundle with If-None-Match; 304 keeps the current one.
func (b *Bundles) reloadURL(ctx context.Context) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.src, nil)
	if err != nil {
		return false, fmt.Errorf("fetching bundle %s: %w", b.src, err)
	}
	if b.fingerprint != "" && !strings.HasPrefix(b.fingerprint, "sha256:") && b.cur.Load() != nil {
		req.Header.Set("If-None-Match", b.fingerprint)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return false, fmt.Errorf("fetching bundle %s: %w", b.src, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		return false, nil
	case http.StatusOK:
	default:
		return false, fmt.Errorf("fetching bundle %s: HTTP %s", b.src, resp.Status)
	}
	// engine.LoadBundle reads files and URLs, not bytes: stage the body in
	// a temporary file so the ETag request stays ours.
	tmp, err := os.CreateTemp("", "fleetguard-bundle-*.tar.gz")
	if err != nil {
		return false, fmt.Errorf("fetching bundle %s: %w", b.src, err)
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, 256<<20+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("fetching bundle %s: %w", b.src, err)
	}
	if n > 256<<20 {
		return false, fmt.Errorf("fetching bundle %s: larger than 256 MiB", b.src)
	}
	// Without an ETag, the content hash tells whether anything changed.
	fp := resp.Header.Get("ETag")
	if fp == "" {
		fp = "sha256:" + hex.EncodeToString(h.Sum(nil))
		if fp == b.fingerprint && b.cur.Load() != nil {
			return false, nil
		}
	}
	return b.compile(ctx, tmp.Name(), b.src, fp)
}

// Poll reloads every interval until ctx is done. Errors are recorded (see
// Status) and polling goes on.
func (b *Bundles) Poll(ctx context.Context, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = b.Reload(ctx)
		}
	}
}

// fingerprint hashes a bundle file, or every regular file under a bundle
// directory with its path, so that any content change is seen.
func fingerprint(src string) (string, error) {
	info, err := os.Stat(src)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if !info.IsDir() {
		f, err := os.Open(src)
		if err != nil {
			return "", err
		}
		defer f.Close()
		if _, err := io.Copy(h, f); err != nil {
			return "", err
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	var files []string
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, p := range files {
		raw, err := os.ReadFile(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed while walking; the next poll sees the rest
			}
			return "", err
		}
		rel, _ := filepath.Rel(src, p)
		fmt.Fprintf(h, "%s\x00%d\x00", rel, len(raw))
		h.Write(raw)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Run loads the bundle, then polls the source every interval until ctx is
// done. Until a first load succeeds it retries every interval (every 5 s
// when interval is 0, which otherwise disables polling).
func (b *Bundles) Run(ctx context.Context, every time.Duration) {
	retry := every
	if retry <= 0 {
		retry = 5 * time.Second
	}
	for {
		if _, err := b.Reload(ctx); err == nil || b.Current() != nil {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
	}
	b.Poll(ctx, every)
}

// warmKinds are prepared before a bundle goes into service, so the first
// requests after a swap do not pay for query preparation.
var warmKinds = [][2]string{
	{"v1", "Pod"}, {"apps/v1", "Deployment"}, {"apps/v1", "StatefulSet"}, {"apps/v1", "DaemonSet"},
	{"apps/v1", "ReplicaSet"}, {"batch/v1", "Job"}, {"batch/v1", "CronJob"}, {"v1", "Service"}, {"v1", "Namespace"},
}

func warm(ctx context.Context, eng *engine.Engine) {
	for _, k := range warmKinds {
		_, _ = eng.EvalObject(ctx, &engine.ObjectInput{Object: map[string]any{
			"apiVersion": k[0], "kind": k[1], "metadata": map[string]any{"name": "warm-up", "namespace": "warm-up"},
		}, EnforcementPoint: gatekeeper.PointWebhook})
	}
}
