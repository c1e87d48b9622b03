package evidence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSignVerifyAndTamper(t *testing.T) {
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "key.pem"), filepath.Join(dir, "key.pub")
	if err := GenerateKey(priv, pub); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	os.MkdirAll(filepath.Join(out, "sub"), 0o755)
	files := map[string]string{"report.html": "<html>scores</html>", "audit.json": `{"findings":[]}`, "sub/report.pdf": "%PDF-1.7"}
	var paths []string
	for name, content := range files {
		p := filepath.Join(out, name)
		os.WriteFile(p, []byte(content), 0o644)
		paths = append(paths, p)
	}
	key, err := LoadPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pubKey, err := LoadPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Sign(out, paths, Provenance{EngineVersion: "v1", BundleDigest: "sha256:abc", SnapshotDigests: map[string]string{"dev": "sha256:def"}, Time: time.Unix(0, 0)}, key)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != 3 || m.Files[0].Path != "audit.json" || m.Files[2].Path != "sub/report.pdf" {
		t.Fatalf("files = %+v", m.Files)
	}
	manifest := filepath.Join(out, ManifestName)
	got, err := Verify(manifest, pubKey)
	if err != nil {
		t.Fatalf("verify of untouched files: %v", err)
	}
	if got.BundleDigest != "sha256:abc" || got.SnapshotDigests["dev"] != "sha256:def" {
		t.Errorf("manifest provenance = %+v", got)
	}

	// Flipping any single byte of any file, the manifest or the signature fails.
	for _, name := range []string{"report.html", "audit.json", "sub/report.pdf", ManifestName, SignatureName} {
		t.Run("tamper "+name, func(t *testing.T) {
			p := filepath.Join(out, name)
			orig, _ := os.ReadFile(p)
			for _, i := range []int{0, len(orig) / 2, len(orig) - 2} {
				b := append([]byte(nil), orig...)
				b[i] ^= 0x01
				os.WriteFile(p, b, 0o644)
				if _, err := Verify(manifest, pubKey); err == nil {
					t.Errorf("verify passed with byte %d of %s changed", i, name)
				}
			}
			os.WriteFile(p, orig, 0o644)
			if _, err := Verify(manifest, pubKey); err != nil {
				t.Fatalf("restored file fails: %v", err)
			}
		})
	}

	// Another key does not verify.
	other := filepath.Join(dir, "other")
	GenerateKey(other+".pem", other+".pub")
	otherPub, _ := LoadPublicKey(other + ".pub")
	if _, err := Verify(manifest, otherPub); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("wrong key: err = %v", err)
	}
}

func TestSignRefusesFilesOutsideDir(t *testing.T) {
	dir := t.TempDir()
	GenerateKey(filepath.Join(dir, "k.pem"), filepath.Join(dir, "k.pub"))
	key, _ := LoadPrivateKey(filepath.Join(dir, "k.pem"))
	os.MkdirAll(filepath.Join(dir, "out"), 0o755)
	outside := filepath.Join(dir, "x.json")
	os.WriteFile(outside, []byte("{}"), 0o644)
	if _, err := Sign(filepath.Join(dir, "out"), []string{outside}, Provenance{}, key); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("err = %v, want outside", err)
	}
}
