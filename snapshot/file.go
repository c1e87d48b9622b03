package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/fleetguard/fleetguard/internal/readall"
	"github.com/fleetguard/fleetguard/internal/schema"
)

//go:embed schema.json
var schemaJSON []byte

// Schema returns the JSON Schema of the snapshot document.
func Schema() []byte { return bytes.Clone(schemaJSON) }

const schemaID = "https://fleetguard.dev/schemas/snapshot/v1alpha1.json"

var compiled = schema.Compiled(schemaID, schemaJSON, true)

// objectSchemas are the schema's definitions of one object, by the kind they
// apply to ("" for every other kind), so that Save and Writer validate each
// object on its own instead of a second, decoded copy of the whole document.
var objectSchemas = sync.OnceValues(func() (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.AssertFormat = true
	if err := c.AddResource(schemaID, bytes.NewReader(schemaJSON)); err != nil {
		return nil, fmt.Errorf("loading schema %s: %w", schemaID, err)
	}
	out := map[string]*jsonschema.Schema{}
	for kind, def := range map[string]string{"": "object", "Secret": "secret", "ConfigMap": "configMap"} {
		s, err := c.Compile(schemaID + "#/$defs/" + def)
		if err != nil {
			return nil, fmt.Errorf("compiling schema %s#/$defs/%s: %w", schemaID, def, err)
		}
		out[kind] = s
	}
	return out, nil
})

// maxSize bounds a decompressed snapshot, so a gzip bomb fails cleanly.
const maxSize = 4 << 30

// maxProblems bounds the problems listed in one error.
const maxProblems = 50

// Load reads, validates and decodes the snapshot at path: plain JSON, or gzip
// when the name ends in ".gz" or the content starts with the gzip magic.
// Errors name the file and, for schema errors, the JSON path.
func Load(path string) (*Snapshot, error) {
	s, _, err := load(path)
	return s, err
}

// LoadDigest is Load that also returns the snapshot's Digest. A file that
// Save wrote holds the canonical encoding itself, and its digest is then
// the hash of the bytes read, without encoding the snapshot again; any
// other file's is computed as Digest computes it. Either way it is
// Digest(s) (FuzzLoad holds it to that). A snapshot that loads but cannot
// be encoded comes with an empty digest, and Digest(s) says why.
func LoadDigest(path string) (*Snapshot, string, error) {
	s, digest, err := load(path)
	if err != nil || digest != "" {
		return s, digest, err
	}
	digest, _ = Digest(s)
	return s, digest, nil
}

// load is Load with the snapshot's digest when the bytes read are its
// canonical encoding ("" when they may not be).
func load(path string) (*Snapshot, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("reading snapshot: %w", err)
	}
	defer f.Close()
	return decodeFrom(f, path, sizeHint(f))
}

// sizeHint guesses the decoded size of a snapshot file, so that reading it
// allocates once: gzip's trailer holds the size of the last member's data
// (mod 4 GiB), a plain file's size is its own. 0 when unknown. It is only a
// guess: a wrong one costs a reallocation, never a wrong read.
func sizeHint(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil || st.Size() < 18 { // less than a gzip header and trailer
		return 0
	}
	var head [2]byte
	var tail [4]byte
	if _, err := f.ReadAt(head[:], 0); err != nil {
		return 0
	}
	if head != [2]byte{0x1f, 0x8b} {
		return st.Size()
	}
	if _, err := f.ReadAt(tail[:], st.Size()-4); err != nil {
		return 0
	}
	// The trailer is the file's word: no more than deflate can expand to.
	return min(int64(binary.LittleEndian.Uint32(tail[:])), st.Size()*maxDeflateRatio)
}

// maxDeflateRatio bounds how much deflate can expand its input.
const maxDeflateRatio = 1032

// Decode reads, validates and decodes one snapshot from r, gzip-compressed or
// not (detected from the content). name is used in errors only.
func Decode(r io.Reader, name string) (*Snapshot, error) {
	s, _, err := decodeFrom(r, name, 0)
	return s, err
}

// decodeFrom is Decode with a guess of the decoded size (0: none).
func decodeFrom(r io.Reader, name string, hint int64) (*Snapshot, string, error) {
	br := bufio.NewReader(r)
	var in io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", fmt.Errorf("snapshot %s: gzip: %w", name, err)
		}
		defer zr.Close()
		in = zr
	} else if strings.HasSuffix(name, ".gz") {
		return nil, "", fmt.Errorf("snapshot %s: name ends in .gz but the content is not gzip", name)
	}
	data, err := readall.Sized(io.LimitReader(in, maxSize+1), min(hint, maxSize+1))
	if err != nil {
		return nil, "", fmt.Errorf("snapshot %s: reading: %w", name, err)
	}
	if len(data) > maxSize {
		return nil, "", fmt.Errorf("snapshot %s: larger than %d bytes", name, int64(maxSize))
	}
	return decode(data, name)
}

// decode decodes and checks one snapshot document, with its digest when
// data is its canonical encoding ("" when it may not be).
func decode(data []byte, name string) (*Snapshot, string, error) {
	doc, span, err := decodeDocument(data)
	if err != nil {
		return nil, "", fmt.Errorf("snapshot %s: %w", name, err)
	}
	if err := validateDoc(doc); err != nil {
		return nil, "", fmt.Errorf("snapshot %s: %w", name, err)
	}
	s, err := fromDoc(doc)
	if err != nil {
		return nil, "", fmt.Errorf("snapshot %s: %w", name, err)
	}
	if err := check(s); err != nil {
		return nil, "", fmt.Errorf("snapshot %s: %w", name, err)
	}
	if s.Objects == nil {
		s.Objects = map[string][]map[string]any{}
	}
	return s, canonicalDigest(s, data, span), nil
}

// canonicalDigest is Digest(s) when data, which s was decoded from, is
// the canonical encoding of s, and "" when that is not certain: the
// objects were written as Marshal writes them (span), and the rest is
// exactly Marshal's header for s. It costs one encoding of the header
// instead of one of the whole snapshot.
func canonicalDigest(s *Snapshot, data []byte, span objectsSpan) string {
	if !span.canonical || span.end != len(data)-1 || data[len(data)-1] != '}' {
		return ""
	}
	// The schema holds objects to an object of arrays of objects, which
	// fromDoc takes as they are: Marshal writes them back as read.
	head, err := encodeHeader(s, true) // ends with the objects' '{'
	if err != nil || !bytes.Equal(head, data[:span.start+1]) {
		return ""
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// fromDoc builds the Snapshot from its validated document. The objects,
// most of a snapshot, are taken as decoded; only the rest is encoded and
// decoded again into the typed fields (decoding the whole file twice cost
// a third of loading a snapshot).
func fromDoc(doc any) (*Snapshot, error) {
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("the document is not an object")
	}
	rest := make(map[string]any, len(m))
	for k, v := range m {
		if k != "objects" {
			rest[k] = v
		}
	}
	raw, err := json.Marshal(rest)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{}
	if err := unmarshal(raw, s); err != nil {
		return nil, err
	}
	if m["objects"] == nil {
		return s, nil
	}
	byKind, ok := m["objects"].(map[string]any)
	if !ok {
		return nil, errors.New("objects: want an object of kinds")
	}
	s.Objects = make(map[string][]map[string]any, len(byKind))
	for kind, list := range byKind {
		items, ok := list.([]any)
		if !ok && list != nil {
			return nil, fmt.Errorf("objects.%s: want an array of objects", kind)
		}
		objs := make([]map[string]any, len(items))
		for i, it := range items {
			if objs[i], ok = it.(map[string]any); !ok && it != nil {
				return nil, fmt.Errorf("objects.%s[%d]: want an object", kind, i)
			}
		}
		s.Objects[kind] = objs
	}
	return s, nil
}

// unmarshal decodes one JSON value, numbers as json.Number so objects round
// trip exactly, and refuses trailing data. decodeValue does the same, faster,
// into an any.
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
	lines, err := problems(doc)
	if err != nil || len(lines) == 0 {
		return err
	}
	return schemaError(lines)
}

// problems lists doc's schema failures, sorted; the error is for a
// validator that fails otherwise.
func problems(doc any) ([]string, error) {
	sch, err := compiled()
	if err != nil {
		return nil, err
	}
	ps, err := problemsOf(sch.Validate(doc))
	if err != nil {
		return nil, err
	}
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return lines, nil
}

// problemsOf reads a validator's result: its problems (none when err is
// nil), or an error when the validator failed otherwise.
func problemsOf(err error) ([]schema.Problem, error) {
	if err == nil {
		return nil, nil
	}
	ps := schema.Problems(err)
	if ps == nil {
		return nil, fmt.Errorf("validating: %w", err)
	}
	return ps, nil
}

// validateDoc is validate, with the objects checked one at a time
// (validateObject, whose common case skips the schema validator): the
// document with each kind's objects left out first, then every object. The
// problems are those validate lists, in its order.
func validateDoc(doc any) error {
	m, ok := doc.(map[string]any)
	objs, ok2 := m["objects"].(map[string]any)
	if !ok || !ok2 {
		return validate(doc)
	}
	header := make(map[string]any, len(m))
	for k, v := range m {
		header[k] = v
	}
	empty := make(map[string]any, len(objs))
	for k, v := range objs {
		list, ok := v.([]any)
		if !ok {
			return validate(doc) // not a list: the schema says what is wrong
		}
		for _, x := range list {
			if _, ok := x.(map[string]any); !ok {
				return validate(doc)
			}
		}
		empty[k] = []any{}
	}
	header["objects"] = empty
	lines, err := problems(header)
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(objs) {
		for i, x := range objs[k].([]any) {
			ps, err := validateObject(k, x.(map[string]any))
			if err != nil {
				return fmt.Errorf("object %d of kind %s: %w", i, k, err)
			}
			for _, p := range ps {
				lines = append(lines, p.at(k, i))
			}
		}
	}
	if len(lines) == 0 {
		return nil
	}
	sort.Strings(lines)
	return schemaError(lines)
}

func schemaError(lines []string) error {
	return fmt.Errorf("does not match the snapshot schema:\n  %s", strings.Join(cap50(lines), "\n  "))
}

func checkError(lines []string) error {
	return fmt.Errorf("invalid snapshot:\n  %s", strings.Join(cap50(lines), "\n  "))
}

func cap50(lines []string) []string {
	if len(lines) <= maxProblems {
		return lines
	}
	return append(slices.Clip(lines[:maxProblems]), fmt.Sprintf("... and %d more", len(lines)-maxProblems))
}

// check enforces what the schema cannot say: objects sit under their own
// kind, and nothing Sanitize removes is present.
func check(s *Snapshot) error {
	var lines []string
	for _, k := range sortedKeys(s.Objects) {
		for i, obj := range s.Objects[k] {
			for _, p := range checkObject(k, obj) {
				lines = append(lines, p.at(k, i))
			}
		}
	}
	if len(lines) > 0 {
		return checkError(lines)
	}
	return nil
}

// problem is one failure of one object; path is a JSON pointer within the
// object ("" for the object itself).
type problem struct {
	path, msg string
}

// at formats p as found in the i-th object of kind k, with k escaped as
// the schema validator escapes a JSON pointer's tokens, so that a problem
// reads the same whichever of the two found it.
func (p problem) at(k string, i int) string {
	if k == "" { // the validator leaves an empty token out
		return fmt.Sprintf("at /objects/%d%s: %s", i, p.path, p.msg)
	}
	k = url.PathEscape(strings.NewReplacer("~", "~0", "/", "~1").Replace(k))
	return fmt.Sprintf("at /objects/%s/%d%s: %s", k, i, p.path, p.msg)
}

// checkObject is check for one object filed under kind k.
func checkObject(k string, obj map[string]any) []problem {
	var out []problem
	if kind, _ := obj["kind"].(string); kind != k {
		out = append(out, problem{"/kind", fmt.Sprintf("%q filed under %q", kind, k)})
	}
	for _, p := range Leaks(obj) {
		out = append(out, problem{"", fmt.Sprintf("%s must not be stored (%s)", p, objName(obj))})
	}
	return out
}

// validateObject checks one object filed under kind k against the schema's
// definition for it, as validating the whole document would.
func validateObject(k string, obj map[string]any) ([]problem, error) {
	schemas, err := objectSchemas()
	if err != nil {
		return nil, err
	}
	if plainValid(k, obj) {
		return nil, nil
	}
	sch := schemas[k]
	if sch == nil {
		sch = schemas[""]
	}
	ps, err := problemsOf(validateJSON(sch, obj))
	if err != nil {
		return nil, err
	}
	out := make([]problem, len(ps))
	for i, p := range ps {
		if p.Pointer == "/" {
			p.Pointer = ""
		}
		out[i] = problem{p.Pointer, p.Message}
	}
	return out, nil
}

// plainValid reports whether obj, filed under kind k, has the plain shape
// that its definition in the schema ($defs object, secret or configMap)
// accepts; false means "ask the schema", which gives the verdict and the
// message. It spares the validator's allocations on the 99.9% of objects a
// cluster serves; TestPlainValid holds it to the schema.
func plainValid(k string, obj map[string]any) bool {
	switch k {
	case "Secret", "ConfigMap":
		if obj["apiVersion"] != "v1" || obj["kind"] != k {
			return false
		}
		for f, v := range obj {
			switch f {
			case "apiVersion", "kind", "metadata":
			case "type":
				if _, ok := v.(string); !ok || k != "Secret" {
					return false
				}
			case "immutable":
				if _, ok := v.(bool); !ok || k != "Secret" {
					return false
				}
			case "dataKeys":
				if k != "Secret" || !count(v) {
					return false
				}
			default:
				return false
			}
		}
	default:
		if v, ok := obj["apiVersion"].(string); !ok || v == "" {
			return false
		}
		if v, ok := obj["kind"].(string); !ok || v == "" {
			return false
		}
	}
	md, ok := obj["metadata"].(map[string]any)
	if !ok {
		return false
	}
	if v, ok := md["name"].(string); !ok || v == "" {
		return false
	}
	if v, ok := md["namespace"]; ok {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	if _, ok := md["managedFields"]; ok {
		return false
	}
	if k == "ConfigMap" {
		// Its metadata holds the name and namespace only.
		_, hasNS := md["namespace"]
		if len(md) > 1 && !(len(md) == 2 && hasNS) {
			return false
		}
	}
	for _, f := range []string{"labels", "annotations"} {
		v, ok := md[f]
		if !ok {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		for _, e := range m {
			if _, ok := e.(string); !ok {
				return false
			}
		}
	}
	if ann, ok := md["annotations"].(map[string]any); ok {
		if _, ok := ann[LastApplied]; ok {
			return false
		}
	}
	return true
}

// count reports whether v is a non-negative JSON integer.
func count(v any) bool {
	switch n := v.(type) {
	case json.Number:
		return plainInt(string(n)) && !strings.HasPrefix(string(n), "-")
	case int:
		return n >= 0
	case int64:
		return n >= 0
	}
	return false
}

// validateJSON validates v, which should hold only JSON types. The validator
// refuses other Go types (a map[string]string set by hand): then v is
// validated in its JSON form.
func validateJSON(sch *jsonschema.Schema, v map[string]any) error {
	err := sch.Validate(v)
	var bad jsonschema.InvalidJSONTypeError
	if !errors.As(err, &bad) {
		return err
	}
	b, err := appendJSON(nil, v)
	if err != nil {
		return err
	}
	doc, err := decodeValue(b)
	if err != nil {
		return err
	}
	return sch.Validate(doc)
}

// validateHeader checks everything of s but its objects against the schema:
// the document with each kind of objects (kinds) present and empty.
func validateHeader(s *Snapshot, kinds []string) error {
	h := *s
	h.Objects = make(map[string][]map[string]any, len(kinds))
	for _, k := range kinds {
		h.Objects[k] = []map[string]any{}
	}
	b, err := json.Marshal(&h)
	if err != nil {
		return fmt.Errorf("encoding snapshot of cluster %q: %w", s.Cluster.Name, err)
	}
	doc, err := decodeValue(b)
	if err != nil {
		return err
	}
	return validate(doc)
}

// validateAll validates s as Load would, one object at a time: the schema
// first, then check.
func validateAll(s *Snapshot) error {
	kinds := sortedKeys(s.Objects)
	if err := validateHeader(s, kinds); err != nil {
		return err
	}
	var bad, leaks []string
	for _, k := range kinds {
		for i, obj := range s.Objects[k] {
			ps, err := validateObject(k, obj)
			if err != nil {
				return fmt.Errorf("object %d of kind %s: %w", i, k, err)
			}
			for _, p := range ps {
				bad = append(bad, p.at(k, i))
			}
			for _, p := range checkObject(k, obj) {
				leaks = append(leaks, p.at(k, i))
			}
		}
	}
	if len(bad) > 0 {
		return schemaError(bad)
	}
	if len(leaks) > 0 {
		return checkError(leaks)
	}
	return nil
}

// Marshal returns the canonical JSON encoding of s: compact, map keys sorted,
// no HTML escaping (what encoding/json writes for s with SetEscapeHTML(false),
// without the final newline). Digest hashes exactly these bytes.
func Marshal(s *Snapshot) ([]byte, error) {
	var buf bytes.Buffer
	if err := encode(&buf, s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Digest returns "sha256:<hex>" over the canonical JSON of s (see Marshal).
// Equal snapshots have equal digests, whether saved plain or gzipped. It
// hashes the encoding as it is produced, without holding it.
func Digest(s *Snapshot) (string, error) {
	h := sha256.New()
	bw := bufio.NewWriterSize(h, 64<<10)
	if err := encode(bw, s); err != nil {
		return "", err
	}
	if err := bw.Flush(); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// encode writes the canonical JSON of s to w, one object at a time.
func encode(w io.Writer, s *Snapshot) error {
	if s.Objects == nil {
		b, err := encodeHeader(s, false)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	head, err := encodeHeader(s, true)
	if err != nil {
		return err
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	var buf []byte
	for i, k := range sortedKeys(s.Objects) {
		buf = buf[:0]
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = appendString(buf, k)
		buf = append(buf, ':')
		objs := s.Objects[k]
		if objs == nil {
			buf = append(buf, "null"...)
		} else {
			buf = append(buf, '[')
			for j, obj := range objs {
				if j > 0 {
					buf = append(buf, ',')
				}
				if buf, err = appendObject(buf, obj); err != nil {
					return fmt.Errorf("encoding snapshot of cluster %q: object %d of kind %s: %w", s.Cluster.Name, j, k, err)
				}
				if len(buf) >= 32<<10 {
					if _, err := w.Write(buf); err != nil {
						return err
					}
					buf = buf[:0]
				}
			}
			buf = append(buf, ']')
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	_, err = w.Write([]byte("}}"))
	return err
}

// encodeHeader encodes s without its objects. open leaves the document open
// after `"objects":{`, for the objects to follow; otherwise the document is
// complete with "objects":null.
func encodeHeader(s *Snapshot, open bool) ([]byte, error) {
	h := *s
	h.Objects = nil
	if open {
		h.Objects = map[string][]map[string]any{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&h); err != nil {
		return nil, fmt.Errorf("encoding snapshot of cluster %q: %w", s.Cluster.Name, err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if open {
		b = bytes.TrimSuffix(b, []byte("}}"))
	}
	return b, nil
}

// Save sanitises every object of s (in place), validates the document and
// writes it to path atomically: a temp file in the same directory, synced,
// then renamed, so a reader or an interrupted run never sees half a file.
// The file is gzip-compressed when path ends in ".gz", and has mode 0600.
// Objects are validated and encoded one at a time, so Save holds no second
// copy of the document.
func Save(path string, s *Snapshot) error {
	for _, objs := range s.Objects {
		for _, o := range objs {
			Sanitize(o)
		}
	}
	if err := validateAll(s); err != nil {
		return fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	if err := writeFile(path, func(w io.Writer) error { return encode(w, s) }); err != nil {
		return fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	return nil
}

// writeFile writes what fill writes to path atomically (temp file in the
// same directory, synced, renamed), gzip-compressed when path ends in ".gz".
// Nothing is left behind on failure.
func writeFile(path string, fill func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 64<<10)
	var w io.Writer = bw
	var zw *gzip.Writer
	if strings.HasSuffix(path, ".gz") {
		zw = gzip.NewWriter(bw)
		w = zw
	}
	if err := fill(w); err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	done = true
	return nil
}

// Writer writes one snapshot file as its objects arrive, so that a process
// taking a snapshot holds a page of objects rather than the cluster. Objects
// are sanitised, validated and encoded as they are added, then kept only in
// their encoded form, in a spool file next to the output; Commit writes the
// document (the same bytes Save writes for the same snapshot) atomically.
// Writer and its Batches of different kinds are safe for concurrent use.
type Writer struct {
	path  string
	spool *os.File

	mu    sync.Mutex
	size  int64
	kinds map[string]*spooled
	err   error // the first spool write error
	done  bool
}

// spooled is what the spool holds of one kind.
type spooled struct {
	n        int
	sections [][2]int64 // offset, length
	bad      []string   // schema problems, formatted
	leaks    []string   // check problems, formatted
}

// Create starts a snapshot file at path (gzip when it ends in ".gz"). The
// spool is a hidden temp file in the same directory, removed by Commit and
// Abort; nothing appears at path before Commit.
func Create(path string) (*Writer, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".spool-*")
	if err != nil {
		return nil, fmt.Errorf("saving snapshot %s: %w", path, err)
	}
	return &Writer{path: path, spool: f, kinds: map[string]*spooled{}}, nil
}

// Batch returns an empty batch of objects of kind k. Its objects become part
// of the snapshot only when it is committed, so a batch of a page that failed
// half way can be dropped and the page read again.
func (w *Writer) Batch(k string) *Batch { return &Batch{w: w, kind: k} }

// Batch is objects of one kind on their way into a Writer. It is not safe for
// concurrent use; batches of one kind are committed in the order their
// objects are to appear.
type Batch struct {
	w     *Writer
	kind  string
	buf   []byte
	n     int
	bad   []indexed
	leaks []indexed
}

type indexed struct {
	i int
	p problem
}

// Add sanitises obj in place, validates it and appends its canonical JSON to
// the batch; obj is not retained. Problems are reported by Writer.Commit, as
// Save reports them; the error is for what cannot be encoded at all.
func (b *Batch) Add(obj map[string]any) error {
	Sanitize(obj)
	ps, err := validateObject(b.kind, obj)
	if err != nil {
		return fmt.Errorf("object %d of kind %s: %w", b.n, b.kind, err)
	}
	for _, p := range ps {
		b.bad = append(b.bad, indexed{b.n, p})
	}
	for _, p := range checkObject(b.kind, obj) {
		b.leaks = append(b.leaks, indexed{b.n, p})
	}
	mark := len(b.buf)
	if b.n > 0 {
		b.buf = append(b.buf, ',')
	}
	if b.buf, err = appendObject(b.buf, obj); err != nil {
		b.buf = b.buf[:mark]
		return fmt.Errorf("encoding %s: %w", objName(obj), err)
	}
	b.n++
	return nil
}

// Len returns the number of objects in the batch.
func (b *Batch) Len() int { return b.n }

// Commit appends the batch's objects to the snapshot, after those of the
// batches of its kind committed before, and empties the batch.
func (b *Batch) Commit() error {
	w := b.w
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return fmt.Errorf("saving snapshot %s: batch of %s committed after the writer was closed", w.path, b.kind)
	}
	if w.err != nil {
		return w.err
	}
	if b.n == 0 {
		return nil
	}
	sp := w.kinds[b.kind]
	if sp == nil {
		sp = &spooled{}
		w.kinds[b.kind] = sp
	}
	if _, err := w.spool.Write(b.buf); err != nil {
		w.err = fmt.Errorf("saving snapshot %s: spool: %w", w.path, err)
		return w.err
	}
	for _, p := range b.bad {
		sp.bad = append(sp.bad, p.p.at(b.kind, sp.n+p.i))
	}
	for _, p := range b.leaks {
		sp.leaks = append(sp.leaks, p.p.at(b.kind, sp.n+p.i))
	}
	sp.sections = append(sp.sections, [2]int64{w.size, int64(len(b.buf))})
	sp.n += b.n
	w.size += int64(len(b.buf))
	b.buf, b.n, b.bad, b.leaks = b.buf[:0], 0, nil, nil
	return nil
}

// Drop forgets every object of kind k committed so far, as if none had been
// added: for a kind whose listing failed half way.
func (w *Writer) Drop(k string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.kinds, k)
}

// Len returns the number of objects committed so far.
func (w *Writer) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, sp := range w.kinds {
		n += sp.n
	}
	return n
}

// Commit validates the document (s gives everything but the objects
// committed through batches; objects of s, if any, are added after them),
// writes it to the path given to Create, atomically, and removes the spool.
// Kinds without objects are left out of the document. On error nothing is
// written. The Writer cannot be used after Commit.
func (w *Writer) Commit(s *Snapshot) error {
	for _, k := range sortedKeys(s.Objects) {
		b := w.Batch(k)
		for _, obj := range s.Objects[k] {
			if err := b.Add(obj); err != nil {
				w.Abort()
				return fmt.Errorf("saving snapshot %s: %w", w.path, err)
			}
		}
		if err := b.Commit(); err != nil {
			w.Abort()
			return err
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	defer w.close()
	if w.done {
		return fmt.Errorf("saving snapshot %s: writer already closed", w.path)
	}
	if w.err != nil {
		return w.err
	}
	kinds := make([]string, 0, len(w.kinds))
	for k := range w.kinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	if err := validateHeader(s, kinds); err != nil {
		return fmt.Errorf("saving snapshot %s: %w", w.path, err)
	}
	var bad, leaks []string
	for _, k := range kinds {
		bad = append(bad, w.kinds[k].bad...)
		leaks = append(leaks, w.kinds[k].leaks...)
	}
	if len(bad) > 0 {
		return fmt.Errorf("saving snapshot %s: %w", w.path, schemaError(bad))
	}
	if len(leaks) > 0 {
		return fmt.Errorf("saving snapshot %s: %w", w.path, checkError(leaks))
	}
	h := *s
	h.Objects = map[string][]map[string]any{}
	head, err := encodeHeader(&h, true)
	if err != nil {
		return err
	}
	err = writeFile(w.path, func(out io.Writer) error {
		if _, err := out.Write(head); err != nil {
			return err
		}
		for i, k := range kinds {
			var b []byte
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ":["...)
			if _, err := out.Write(b); err != nil {
				return err
			}
			for j, sec := range w.kinds[k].sections {
				if j > 0 {
					if _, err := out.Write([]byte{','}); err != nil {
						return err
					}
				}
				if _, err := io.Copy(out, io.NewSectionReader(w.spool, sec[0], sec[1])); err != nil {
					return fmt.Errorf("spool: %w", err)
				}
			}
			if _, err := out.Write([]byte{']'}); err != nil {
				return err
			}
		}
		_, err := out.Write([]byte("}}"))
		return err
	})
	if err != nil {
		return fmt.Errorf("saving snapshot %s: %w", w.path, err)
	}
	return nil
}

// Abort removes the spool and writes nothing. It is safe to call more than
// once, and after Commit.
func (w *Writer) Abort() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.close()
}

func (w *Writer) close() {
	if w.done {
		return
	}
	w.done = true
	w.spool.Close()
	os.Remove(w.spool.Name())
	w.kinds = nil
}

// appendObject appends the canonical JSON of obj to b.
func appendObject(b []byte, obj map[string]any) ([]byte, error) {
	if obj == nil {
		return append(b, "null"...), nil
	}
	return appendJSON(b, obj)
}

// appendJSON appends the canonical JSON of v to b: byte for byte what
// encoding/json writes with SetEscapeHTML(false), without reflection for the
// types a decoded object holds (maps, slices, strings, json.Number, bools,
// integers); any other type goes through encoding/json.
func appendJSON(b []byte, v any) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, v), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case json.Number:
		if plainInt(string(v)) {
			return append(b, v...), nil
		}
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case map[string]any:
		if v == nil {
			return append(b, "null"...), nil
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			if b, err = appendJSON(b, v[k]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b, err
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
}

// plainInt reports whether s is a JSON integer: -?(0|[1-9][0-9]*).
func plainInt(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string exactly as encoding/json does
// without HTML escaping: invalid UTF-8 becomes \ufffd, and U+2028 and U+2029
// are escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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
