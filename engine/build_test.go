package engine

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/bundle"
)

const buildPolicy = `# METADATA
# title: Privileged containers (build test)
# description: A policy used to test bundle building.
# custom:
#   id: BUILD-001
#   severity: high
#   scope: object
#   kinds: [Pod]
#   controls:
#     test: ["1"]
#   remediation: Do not run privileged containers.
package build.privileged

violation contains {"msg": sprintf("container %q is privileged", [c.container.name])} if {
	some c in input.containers
	c.container.securityContext.privileged == true
	data.build.settings.enabled
}
`

const constraintYAML = `apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata:
  name: must-have-team
spec:
  parameters:
    labels:
      - key: team
`

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rsaKeys writes a PEM private key and returns its path and the PEM public key.
func rsaKeys(t *testing.T) (string, string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	priv := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(p, priv, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
}

func verification(pub string) *bundle.VerificationConfig {
	return bundle.NewVerificationConfig(map[string]*bundle.KeyConfig{"default": {Key: pub, Algorithm: "RS256"}}, "default", "", nil)
}

// rewrite returns the tarball with one file's content changed.
func rewrite(t *testing.T, raw []byte, name string, edit func([]byte) []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	found := false
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		if h.Name == name {
			data, found = edit(data), true
		}
		h.Size = int64(len(data))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		_, _ = tw.Write(data)
	}
	if !found {
		t.Fatalf("%s not in the bundle", name)
	}
	tw.Close()
	zw.Close()
	return out.Bytes()
}

func TestBuildBundle(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"build/privileged.rego":            buildPolicy,
		"build/privileged_test.rego":       "package build.privileged_test\n\ntest_x if true\n",
		"build/settings/data.json":         `{"enabled": true}`,
		"gatekeeper/required-labels.yaml":  constraintYAML,
		"gatekeeper/templates/labels.yaml": readTemplate(t),
		"README.md":                        "not part of the bundle",
		".git/config":                      "[core]",
		".manifest":                        `{"roots": [""], "metadata": {"team": "platform"}}`,
	})
	keyFile, pub := rsaKeys(t)
	_, otherPub := rsaKeys(t)
	ctx := context.Background()
	build := func(t *testing.T, signed bool) ([]byte, BuildInfo) {
		t.Helper()
		opts := BuildOptions{Revision: "git-abc123"}
		if signed {
			opts.Signing = bundle.NewSigningConfig(keyFile, "RS256", "")
		}
		var buf bytes.Buffer
		info, err := BuildBundle(ctx, dir, &buf, opts)
		if err != nil {
			t.Fatalf("BuildBundle: %v", err)
		}
		return buf.Bytes(), info
	}
	load := func(raw []byte, v *bundle.VerificationConfig) (*Bundle, error) {
		p := filepath.Join(t.TempDir(), "bundle.tar.gz")
		if err := os.WriteFile(p, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		return LoadBundle(ctx, p, LoadOptions{Verification: v})
	}

	t.Run("unsigned loads and evaluates", func(t *testing.T) {
		raw, info := build(t, false)
		if info.Signed || info.Revision != "git-abc123" || strings.Join(info.Modules, ",") != "build/privileged.rego" ||
			strings.Join(info.Files, ",") != "gatekeeper/required-labels.yaml,gatekeeper/templates/labels.yaml" || strings.Join(info.Data, ",") != "build/settings/data.json" {
			t.Fatalf("info = %+v", info)
		}
		b, err := load(raw, nil)
		if err != nil {
			t.Fatal(err)
		}
		if b.Revision() != "git-abc123" || b.Digest != info.Digest || b.OPA.Manifest.Metadata["team"] != "platform" {
			t.Fatalf("loaded revision %q digest %s metadata %v; want git-abc123 %s team=platform", b.Revision(), b.Digest, b.OPA.Manifest.Metadata, info.Digest)
		}
		got, err := fs.ReadFile(b.FS, "gatekeeper/required-labels.yaml")
		if err != nil || string(got) != constraintYAML {
			t.Fatalf("raw Gatekeeper file in the bundle = %q, %v", got, err)
		}
		if _, err := fs.Stat(b.FS, "README.md"); err == nil {
			t.Error("README.md was put in the bundle")
		}
		e, err := New(ctx, WithBundle(b))
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.EvalObject(ctx, &ObjectInput{Object: map[string]any{
			"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p", "labels": map[string]any{"team": "a"}},
			"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "securityContext": map[string]any{"privileged": true}}}},
		}})
		if err != nil || len(v.Findings) != 1 || v.Findings[0].Message != `container "c" is privileged` {
			t.Fatalf("findings = %+v, %v; want one from data-enabled BUILD-001", v.Findings, err)
		}
		if _, err := load(raw, verification(pub)); err == nil || !strings.Contains(err.Error(), "missing .signatures.json") {
			t.Fatalf("unsigned bundle with verification required: %v, want missing signature error", err)
		}
	})

	t.Run("signed verifies", func(t *testing.T) {
		raw, info := build(t, true)
		if !info.Signed {
			t.Fatal("info.Signed = false")
		}
		b, err := load(raw, verification(pub))
		if err != nil {
			t.Fatalf("verifying a signed bundle: %v", err)
		}
		if b.Revision() != "git-abc123" {
			t.Fatalf("revision = %q", b.Revision())
		}
		if _, err := load(raw, nil); err != nil {
			t.Fatalf("loading a signed bundle without verification: %v", err)
		}
	})

	t.Run("wrong key fails", func(t *testing.T) {
		raw, _ := build(t, true)
		if _, err := load(raw, verification(otherPub)); err == nil {
			t.Fatal("a bundle signed with another key verified")
		}
	})

	tampered := []struct{ name, file, old, new string }{
		{"tampered policy", "/build/privileged.rego", "privileged == true", "privileged == false"},
		{"tampered Gatekeeper file", "/gatekeeper/required-labels.yaml", "key: team", "key: owner"},
		{"tampered data", "/data.json", "true", "false"},
		{"tampered manifest", "/.manifest", "git-abc123", "git-evil"},
	}
	for _, tc := range tampered {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := build(t, true)
			bad := rewrite(t, raw, tc.file, func(b []byte) []byte {
				if !bytes.Contains(b, []byte(tc.old)) {
					t.Fatalf("%s does not contain %q: %s", tc.file, tc.old, b)
				}
				return bytes.Replace(b, []byte(tc.old), []byte(tc.new), 1)
			})
			if _, err := load(bad, verification(pub)); err == nil {
				t.Fatalf("%s passed verification", tc.file)
			}
		})
	}

	t.Run("bad input names the file", func(t *testing.T) {
		bad := writeTree(t, map[string]string{"p/broken.rego": "package p\n\nviolation contains x if {\n"})
		_, err := BuildBundle(ctx, bad, io.Discard, BuildOptions{})
		if err == nil || !strings.Contains(err.Error(), "broken.rego") {
			t.Fatalf("err = %v, want one naming broken.rego", err)
		}
		empty := writeTree(t, map[string]string{"README.md": "x"})
		if _, err := BuildBundle(ctx, empty, io.Discard, BuildOptions{}); err == nil || !strings.Contains(err.Error(), "no Rego modules") {
			t.Fatalf("err = %v, want no Rego modules", err)
		}
	})

	t.Run("default bundle builds", func(t *testing.T) {
		var buf bytes.Buffer
		info, err := BuildBundle(ctx, "../policies", &buf, BuildOptions{Revision: "r"})
		if err != nil {
			t.Fatal(err)
		}
		e, err := New(ctx, WithBundle(mustLoad(t, buf.Bytes())))
		if err != nil {
			t.Fatal(err)
		}
		def, err := New(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(e.Policies()) != len(def.Policies()) || len(info.Modules) == 0 {
			t.Fatalf("built default bundle has %d policies, embedded has %d", len(e.Policies()), len(def.Policies()))
		}
	})
}

func mustLoad(t *testing.T, raw []byte) *Bundle {
	t.Helper()
	b, err := loadTarball(raw, "test", LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readTemplate returns the Gatekeeper library's K8sRequiredLabels template.
func readTemplate(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../testdata/gatekeeper/library/requiredlabels/template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
