package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/loader"

	"github.com/fleetguard/fleetguard/policies"
)

// Bundle is a loaded policy bundle: its OPA bundle, where it came from, and a
// digest of its content that identifies it in provenance.
type Bundle struct {
	// OPA is the bundle as OPA's loader read it, test modules removed.
	OPA *bundle.Bundle
	// FS holds the bundle's files, for parts read beside OPA's loader
	// (Gatekeeper templates and constraints).
	FS fs.FS
	// Source is "embedded", a path or a URL.
	Source string
	// Digest is "sha256:" and the hex digest of the bundle's content.
	Digest string
}

// Revision returns the revision recorded in the bundle's manifest, if any.
func (b *Bundle) Revision() string { return b.OPA.Manifest.Revision }

// LoadOptions tunes LoadBundle.
type LoadOptions struct {
	// Verification, when set, requires a valid signature (OPA bundle signing).
	Verification *bundle.VerificationConfig
	// HTTPClient fetches URL sources; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
}

// LoadBundle reads a bundle from src: "" for the default bundle embedded from
// policies/, a directory, an OPA bundle .tar.gz, or an http(s) URL of one.
// Modules whose names end in _test.rego are left out.
func LoadBundle(ctx context.Context, src string, opts LoadOptions) (*Bundle, error) {
	switch {
	case src == "":
		sub, err := fs.Sub(policies.FS, ".")
		if err != nil {
			return nil, err
		}
		b, err := loadFS(sub, opts)
		if err != nil {
			return nil, fmt.Errorf("loading embedded bundle: %w", err)
		}
		return finish(b, sub, "embedded")
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		raw, err := fetch(ctx, src, opts.HTTPClient)
		if err != nil {
			return nil, err
		}
		return loadTarball(raw, src, opts)
	}
	info, err := os.Stat(src)
	if err != nil {
		return nil, fmt.Errorf("loading bundle: %w", err)
	}
	if info.IsDir() {
		dir := os.DirFS(src)
		b, err := loadFS(dir, opts)
		if err != nil {
			return nil, fmt.Errorf("loading bundle %s: %w", src, err)
		}
		return finish(b, dir, src)
	}
	raw, err := os.ReadFile(src)
	if err != nil {
		return nil, fmt.Errorf("loading bundle: %w", err)
	}
	return loadTarball(raw, src, opts)
}

func loadFS(fsys fs.FS, opts LoadOptions) (*bundle.Bundle, error) {
	l := loader.NewFileLoader().WithFS(fsys).WithProcessAnnotation(true)
	if opts.Verification != nil {
		l = l.WithBundleVerificationConfig(opts.Verification)
	} else {
		l = l.WithSkipBundleVerification(true)
	}
	return l.AsBundle(".")
}

func loadTarball(raw []byte, src string, opts LoadOptions) (*Bundle, error) {
	r := bundle.NewReader(bytes.NewReader(raw)).WithProcessAnnotations(true)
	if opts.Verification != nil {
		r = r.WithBundleVerificationConfig(opts.Verification)
	} else {
		r = r.WithSkipBundleVerification(true)
	}
	b, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("loading bundle %s: %w", src, err)
	}
	fsys, err := tarballFS(raw)
	if err != nil {
		return nil, fmt.Errorf("loading bundle %s: %w", src, err)
	}
	out, err := finish(&b, fsys, src)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	out.Digest = "sha256:" + hex.EncodeToString(sum[:])
	return out, nil
}

func fetch(ctx context.Context, url string, c *http.Client) ([]byte, error) {
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching bundle %s: %w", url, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching bundle %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching bundle %s: HTTP %s", url, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 256<<20))
}

// finish drops test modules and computes a content digest over the sorted
// module sources and the data document.
func finish(b *bundle.Bundle, fsys fs.FS, src string) (*Bundle, error) {
	kept := b.Modules[:0]
	for _, m := range b.Modules {
		if !strings.HasSuffix(m.Path, "_test.rego") {
			kept = append(kept, m)
		}
	}
	b.Modules = kept
	sort.Slice(b.Modules, func(i, j int) bool { return b.Modules[i].Path < b.Modules[j].Path })
	h := sha256.New()
	for _, m := range b.Modules {
		fmt.Fprintf(h, "%s\x00%d\x00", m.Path, len(m.Raw))
		h.Write(m.Raw)
	}
	data, err := json.Marshal(b.Data) // map keys are sorted, so this is canonical
	if err != nil {
		return nil, err
	}
	h.Write(data)
	if err := hashGatekeeper(h, fsys); err != nil {
		return nil, fmt.Errorf("bundle %s: %w", src, err)
	}
	return &Bundle{OPA: b, FS: fsys, Source: src, Digest: "sha256:" + hex.EncodeToString(h.Sum(nil))}, nil
}

// hashGatekeeper adds every file under GatekeeperDir to the digest, in
// lexical order with its path and length, so that changing a template or a
// constraint changes the bundle digest. A bundle without the directory
// adds nothing.
func hashGatekeeper(h io.Writer, fsys fs.FS) error {
	if fsys == nil {
		return nil
	}
	err := fs.WalkDir(fsys, GatekeeperDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(data))
		_, err = h.Write(data)
		return err
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
