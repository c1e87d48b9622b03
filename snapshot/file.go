package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fleetguard/fleetguard/internal/schema"
)

//go:embed schema.json
var schemaJSON []byte

// Schema returns the JSON Schema of the snapshot document.
func Schema() []byte { return bytes.Clone(schemaJSON) }

var compiled = schema.Compiled("https://fleetguard.dev/schemas/snapshot/v1alpha1.json", schemaJSON, true)

// maxSize bounds a decompressed snapshot, so a gzip bomb fails cleanly.
const maxSize = 4 << 30

// Load reads, validates and decodes the snapshot at path: plain JSON, or gzip
// when the name ends in ".gz" or the content starts with the gzip magic.
// Errors name the file and, for schema errors, the JSON path.
func Load(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading snapshot: %w", err)
	}
	defer f.Close()
	return Decode(f, path)
}

// Decode reads, validates and decodes one snapshot from r, gzip-compressed or
// not (detected from the content). name is used in errors only.
func Decode(r io.Reader, name string) (*Snapshot, error) {
	br := bufio.NewReader(r)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: gzip: %w", name, err)
		}
		defer zr.Close()
		in = zr
	} else if strings.HasSuffix(name, ".gz") {
		return nil, fmt.Errorf("snapshot %s: name ends in .gz but the content is not gzip", name)
	}
	data, err := io.ReadAll(io.LimitReader(in, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: reading: %w", name, err)
	}
	if len(data) > maxSize {
		return nil, fmt.Errorf("snapshot %s: larger than %d bytes", name, int64(maxSize))
	}
	return decode(data, name)
}

func decode(data []byte, name string) (*Snapshot, error) {
	var doc any
	if err := unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", name, err)
	}
	if err := validate(doc); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", name, err)
	}
	s := &Snapshot{}
	if err := unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", name, err)
	}
	if err := check(s); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", name, err)
	}
	if s.Objects == nil {
		s.Objects = map[string][]map[string]any{}
	}
	return s, nil
}

// unmarshal decodes one JSON value, numbers as json.Number so objects round
// trip exactly, and refuses trailing data.
func unmarshal(data []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, err)
		}
		return fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("invalid JSON: data after the document")
	}
	return nil
}

func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// validate checks a decoded document against the schema; the error lists
// every leaf failure as "at /json/path: message".
func validate(doc any) error {
	sch, err := compiled()
	if err != nil {
		return err
	}
	err = sch.Validate(doc)
	if err == nil {
		return nil
	}
	problems := schema.Problems(err)
	if problems == nil {
		return fmt.Errorf("validating: %w", err)
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.String()
	}
	return fmt.Errorf("does not match the snapshot schema:\n  %s", strings.Join(lines, "\n  "))
}

// check enforces what the schema cannot say: objects sit under their own
// kind, and nothing Sanitize removes is present.
func check(s *Snapshot) error {
	var problems []string
	kinds := make([]string, 0, len(s.Objects))
	for k := range s.Objects {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		for i, obj := range s.Objects[k] {
			if kind, _ := obj["kind"].(string); kind != k {
				problems = append(problems, fmt.Sprintf("at /objects/%s/%d/kind: %q filed under %q", k, i, kind, k))
			}
			for _, p := range Leaks(obj) {
				problems = append(problems, fmt.Sprintf("at /objects/%s/%d: %s must not be stored (%s)", k, i, p, objName(obj)))
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid snapshot:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// Marshal returns the canonical JSON encoding of s: compact, map keys sorted,
// no HTML escaping. Digest hashes exactly these bytes.
func Marshal(s *Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, fmt.Errorf("encoding snapshot of cluster %q: %w", s.Cluster.Name, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Digest returns "sha256:<hex>" over the canonical JSON of s (see Marshal).
// Equal snapshots have equal digests, whether saved plain or gzipped.
func Digest(s *Snapshot) (string, error) {
	b, err := Marshal(s)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// Save sanitises every object of s (in place), validates the document and
// writes it to path atomically: a temp file in the same directory, synced,
// then renamed, so a reader or an interrupted run never sees half a file.
// The file is gzip-compressed when path ends in ".gz", and has mode 0600.
func Save(path string, s *Snapshot) error {
	for _, objs := range s.Objects {
		for _, o := range objs {
			Sanitize(o)
		}
	}
	data, err := Marshal(s)
	if err != nil {
		return err
	}
	var doc any
	if err := unmarshal(data, &doc); err != nil {
		return fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	if err := validate(doc); err != nil {
		return fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	if err := check(s); err != nil {
		return fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	var w io.Writer = tmp
	var zw *gzip.Writer
	if strings.HasSuffix(path, ".gz") {
		zw = gzip.NewWriter(tmp)
		w = zw
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return fmt.Errorf("saving snapshot %s: %w", path, err)
		}
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	done = true
	return nil
}

// objName names an object in errors: "Kind ns/name".
func objName(obj map[string]any) string {
	kind, _ := obj["kind"].(string)
	ns, name := meta(obj)
	if ns != "" {
		return kind + " " + ns + "/" + name
	}
	return kind + " " + name
}
