package engine

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/util"
)

// BuildOptions configures BuildBundle.
type BuildOptions struct {
	// Revision is recorded in the bundle manifest.
	Revision string
	// Signing, when set, signs the bundle (OPA bundle signing: a JWT in
	// .signatures.json over the hash of every file in the bundle).
	Signing *bundle.SigningConfig
	// KeyID is the "keyid" claim of the signature; verifiers look the
	// public key up by it. Empty means "default".
	KeyID string
}

// BuildInfo describes a built bundle.
type BuildInfo struct {
	Revision string   `json:"revision"`
	Modules  []string `json:"modules"`
	Data     []string `json:"data,omitempty"`
	Files    []string `json:"files,omitempty"` // raw files: Gatekeeper YAML and other documents
	Signed   bool     `json:"signed"`
	Digest   string   `json:"digest"`
}

// BuildBundle builds an OPA bundle .tar.gz from a policy directory and writes
// it to w. It takes the Rego modules (not *_test.rego), data.json and
// data.yaml files (at their directory's path in data), and every other YAML
// or JSON file as a raw file (Gatekeeper templates and constraints), which
// the engine reads from the tarball. A .manifest at the root is kept, with
// its revision replaced by opts.Revision when set. With opts.Signing every
// file is signed, raw files included. The result is loaded and compiled
// before it is written, so a bundle that the engine would refuse is never
// produced; errors name the file.
func BuildBundle(ctx context.Context, dir string, w io.Writer, opts BuildOptions) (BuildInfo, error) {
	var info BuildInfo
	b := bundle.Bundle{Data: map[string]any{}}
	var raws []rawFile
	if mf, err := os.ReadFile(filepath.Join(dir, ".manifest")); err == nil {
		if err := json.Unmarshal(mf, &b.Manifest); err != nil {
			return info, fmt.Errorf("%s: %w", filepath.Join(dir, ".manifest"), err)
		}
	}
	if opts.Revision != "" {
		b.Manifest.Revision = opts.Revision
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != dir && strings.HasPrefix(name, ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch ext := path.Ext(name); {
		case ext == ".rego":
			if strings.HasSuffix(name, "_test.rego") {
				return nil
			}
			m, err := ast.ParseModuleWithOpts("/"+rel, string(raw), ast.ParserOptions{ProcessAnnotation: true})
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			b.Modules = append(b.Modules, bundle.ModuleFile{URL: "/" + rel, Path: "/" + rel, Raw: raw, Parsed: m})
			info.Modules = append(info.Modules, rel)
		case name == "data.json" || name == "data.yaml" || name == "data.yml":
			var v any
			if err := util.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if err := insertData(b.Data, path.Dir(rel), v); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			info.Data = append(info.Data, rel)
		case ext == ".yaml" || ext == ".yml" || ext == ".json":
			raws = append(raws, rawFile{path: "/" + rel, data: raw})
			info.Files = append(info.Files, rel)
		}
		return nil
	})
	if err != nil {
		return info, fmt.Errorf("building bundle from %s: %w", dir, err)
	}
	if len(b.Modules) == 0 && len(raws) == 0 {
		return info, fmt.Errorf("building bundle from %s: no Rego modules and no Gatekeeper files found", dir)
	}
	sort.Slice(b.Modules, func(i, j int) bool { return b.Modules[i].Path < b.Modules[j].Path })
	sort.Slice(raws, func(i, j int) bool { return raws[i].path < raws[j].path })
	if opts.Signing != nil {
		keyID := opts.KeyID
		if keyID == "" {
			keyID = "default"
		}
		files, err := signedFiles(&b, raws)
		if err != nil {
			return info, fmt.Errorf("signing bundle from %s: %w", dir, err)
		}
		token, err := bundle.GenerateSignedToken(files, opts.Signing, keyID)
		if err != nil {
			return info, fmt.Errorf("signing bundle from %s: %w", dir, err)
		}
		b.Signatures.Signatures = []string{token}
		info.Signed = true
	}
	var buf bytes.Buffer
	if err := writeTarball(&buf, &b, raws); err != nil {
		return info, fmt.Errorf("writing bundle from %s: %w", dir, err)
	}
	// Load and compile what was built, as the webhook and the scan will.
	loaded, err := loadTarball(buf.Bytes(), dir, LoadOptions{})
	if err != nil {
		return info, err
	}
	if _, err := New(ctx, WithBundle(loaded)); err != nil {
		return info, err
	}
	info.Revision, info.Digest = b.Manifest.Revision, loaded.Digest
	_, err = w.Write(buf.Bytes())
	return info, err
}

type rawFile struct {
	path string
	data []byte
}

// insertData puts v at the slash-separated dir path in data.
func insertData(data map[string]any, dir string, v any) error {
	if dir == "." || dir == "" {
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("data at the bundle root must be an object")
		}
		for k, x := range m {
			data[k] = x
		}
		return nil
	}
	parts := strings.Split(dir, "/")
	cur := data
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			if _, taken := cur[p]; taken {
				return fmt.Errorf("data path %s conflicts with another data file", dir)
			}
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	last := parts[len(parts)-1]
	if old, ok := cur[last].(map[string]any); ok {
		m, isMap := v.(map[string]any)
		if !isMap {
			return fmt.Errorf("data path %s conflicts with another data file", dir)
		}
		for k, x := range m {
			old[k] = x
		}
		return nil
	}
	cur[last] = v
	return nil
}

// signedFiles hashes every file the tarball will hold, as OPA's verifier
// will: structured documents (data.json, .manifest) canonically, the rest
// byte for byte.
func signedFiles(b *bundle.Bundle, raws []rawFile) ([]bundle.FileInfo, error) {
	h, err := bundle.NewSignatureHasher(bundle.SHA256)
	if err != nil {
		return nil, err
	}
	var files []bundle.FileInfo
	add := func(name string, v any) error {
		sum, err := h.HashFile(v)
		if err != nil {
			return fmt.Errorf("hashing %s: %w", name, err)
		}
		files = append(files, bundle.NewFile(strings.TrimPrefix(name, "/"), hex.EncodeToString(sum), string(bundle.SHA256)))
		return nil
	}
	for _, m := range b.Modules {
		if err := add(m.Path, m.Raw); err != nil {
			return nil, err
		}
	}
	if err := add("data.json", b.Data); err != nil {
		return nil, err
	}
	if !b.Manifest.Empty() {
		raw, err := json.Marshal(b.Manifest)
		if err != nil {
			return nil, err
		}
		var doc map[string]any
		if err := util.Unmarshal(raw, &doc); err != nil {
			return nil, err
		}
		if err := add(".manifest", doc); err != nil {
			return nil, err
		}
	}
	for _, r := range raws {
		if err := add(r.path, r.data); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// writeTarball writes the bundle in OPA's layout (/data.json, modules,
// /.signatures.json, /.manifest) plus the raw files.
func writeTarball(w io.Writer, b *bundle.Bundle, raws []rawFile) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	put := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	putJSON := func(name string, v any) error {
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return put(name, raw)
	}
	if err := putJSON("/data.json", b.Data); err != nil {
		return err
	}
	for _, m := range b.Modules {
		if err := put(m.Path, m.Raw); err != nil {
			return err
		}
	}
	if len(b.Signatures.Signatures) > 0 {
		if err := putJSON("/.signatures.json", b.Signatures); err != nil {
			return err
		}
	}
	if !b.Manifest.Empty() {
		if err := putJSON("/.manifest", b.Manifest); err != nil {
			return err
		}
	}
	for _, r := range raws {
		if err := put(r.path, r.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}
