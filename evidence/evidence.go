// Package evidence signs and verifies the files an audit produced, so that
// a report handed to an auditor can be proven unchanged and tied to the
// bundle and snapshots that produced it. Signatures are ed25519 over the
// exact bytes of a JSON manifest that lists every file's SHA-256.
package evidence

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// ManifestName and SignatureName are the files Sign writes beside the reports.
const (
	ManifestName  = "evidence.json"
	SignatureName = "evidence.json.sig"
)

// Manifest lists what an audit produced and what produced it.
type Manifest struct {
	APIVersion      string            `json:"apiVersion"`
	Kind            string            `json:"kind"`
	Created         time.Time         `json:"created"`
	EngineVersion   string            `json:"engineVersion"`
	BundleDigest    string            `json:"bundleDigest"`
	SnapshotDigests map[string]string `json:"snapshotDigests,omitempty"`
	Files           []File            `json:"files"`
	KeyID           string            `json:"keyId"`
}

// File is one signed file, by path relative to the manifest's directory.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Provenance is what Sign records besides the files.
type Provenance struct {
	EngineVersion   string
	BundleDigest    string
	SnapshotDigests map[string]string
	Time            time.Time
}

// Sign hashes files (which must sit in dir or below it), writes dir/evidence.json
// and dir/evidence.json.sig (base64 ed25519 signature of the manifest bytes),
// and returns the manifest.
func Sign(dir string, files []string, p Provenance, key ed25519.PrivateKey) (*Manifest, error) {
	m := &Manifest{
		APIVersion: "fleetguard.dev/v1alpha1", Kind: "EvidenceManifest",
		Created: p.Time.UTC(), EngineVersion: p.EngineVersion, BundleDigest: p.BundleDigest,
		SnapshotDigests: p.SnapshotDigests, KeyID: KeyID(key.Public().(ed25519.PublicKey)),
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, err
		}
		rel, err := filepath.Rel(absDir, abs)
		if err != nil || rel == ".." || len(rel) > 2 && rel[:3] == ".."+string(filepath.Separator) {
			return nil, fmt.Errorf("evidence: %s is outside %s; write every report under one directory", f, dir)
		}
		sum, size, err := hashFile(abs)
		if err != nil {
			return nil, fmt.Errorf("evidence: %w", err)
		}
		m.Files = append(m.Files, File{Path: filepath.ToSlash(rel), SHA256: sum, Size: size})
	}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	raw = append(raw, '\n')
	sig := ed25519.Sign(key, raw)
	if err := os.WriteFile(filepath.Join(dir, ManifestName), raw, 0o644); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, SignatureName), []byte(base64.StdEncoding.EncodeToString(sig)+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	return m, nil
}

// Verify checks manifestPath's signature with pub and every listed file's
// size and digest. Any changed byte in the manifest, the signature or a file
// fails with an error naming what differs.
func Verify(manifestPath string, pub ed25519.PublicKey) (*Manifest, error) {
	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	sigText, err := os.ReadFile(manifestPath + ".sig")
	if err != nil {
		return nil, fmt.Errorf("evidence: signature: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(string(bytes.TrimRight(sigText, "\r\n ")))
	if err != nil {
		return nil, fmt.Errorf("evidence: signature %s.sig is not base64: %w", manifestPath, err)
	}
	if !ed25519.Verify(pub, raw, sig) {
		return nil, fmt.Errorf("evidence: signature of %s does not verify with key %s: the manifest or its signature changed, or the key is wrong", manifestPath, KeyID(pub))
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("evidence: %s: %w", manifestPath, err)
	}
	dir := filepath.Dir(manifestPath)
	var errs []error
	for _, f := range m.Files {
		sum, size, err := hashFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case err != nil:
			errs = append(errs, err)
		case size != f.Size || sum != f.SHA256:
			errs = append(errs, fmt.Errorf("%s changed: sha256 %s, signed %s", f.Path, sum, f.SHA256))
		}
	}
	if len(errs) > 0 {
		return &m, fmt.Errorf("evidence: %w", errors.Join(errs...))
	}
	return &m, nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// KeyID names a public key: the first 16 hex digits of its SHA-256.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// GenerateKey writes a new ed25519 key pair as PEM: the private key (PKCS #8,
// mode 0600) and the public key (PKIX), as openssl genpkey -algorithm ed25519 does.
func GenerateKey(privPath, pubPath string) error {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return err
	}
	p8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	pk, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	if err := os.WriteFile(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pk}), 0o644)
}

// LoadPrivateKey reads a PEM PKCS #8 ed25519 private key.
func LoadPrivateKey(path string) (ed25519.PrivateKey, error) {
	block, err := readPEM(path)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an ed25519 private key", path)
	}
	return ek, nil
}

// LoadPublicKey reads a PEM PKIX ed25519 public key.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	block, err := readPEM(path)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ek, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an ed25519 public key", path)
	}
	return ek, nil
}

func readPEM(path string) (*pem.Block, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	return block, nil
}
