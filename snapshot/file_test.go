package snapshot

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	stdmaps "maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

const fixture = "../testdata/snapshot/cluster.json"

func TestLoadFixture(t *testing.T) {
	s, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	if s.Cluster.Name != "eu-prod" || s.Cluster.Labels["env"] != "production" {
		t.Errorf("cluster = %+v", s.Cluster)
	}
	if s.Status.State != StatePartial || !reflect.DeepEqual(s.Status.MissingKinds, []string{"ConfigMap"}) {
		t.Errorf("status = %+v", s.Status)
	}
	if want := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC); !s.CollectedAt.Equal(want) {
		t.Errorf("collectedAt = %v, want %v", s.CollectedAt, want)
	}
	if len(s.Nodes) != 2 || s.Nodes[1].KubeletVersion != "v1.32.1" {
		t.Errorf("nodes = %+v", s.Nodes)
	}
	if got := len(s.All()); got != 20 {
		t.Errorf("All() has %d objects, want 20", got)
	}
	if k := s.All()[0]["kind"]; k != "ClusterRole" {
		t.Errorf("All()[0] kind = %v, want ClusterRole (kinds sorted)", k)
	}
	want, err := Digest(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(want, "sha256:") || len(want) != len("sha256:")+64 {
		t.Errorf("digest = %q", want)
	}
	dir := t.TempDir()
	for _, name := range []string{"out.json", "out.json.gz"} {
		t.Run("round trip "+name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := Save(path, s); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if isGzip := bytes.HasPrefix(raw, []byte{0x1f, 0x8b}); isGzip != strings.HasSuffix(name, ".gz") {
				t.Errorf("gzip = %v for %s", isGzip, name)
			}
			back, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, s) {
				t.Error("loaded snapshot differs from saved one")
			}
			got, err := Digest(back)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("digest after round trip = %s, want %s", got, want)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) != 0 {
				t.Errorf("temp files left: %v", left)
			}
		})
	}
	t.Run("gzip detected by content", func(t *testing.T) {
		raw, _ := os.ReadFile(fixture)
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(raw)
		zw.Close()
		path := filepath.Join(dir, "zipped.json")
		os.WriteFile(path, buf.Bytes(), 0o600)
		back, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if d, _ := Digest(back); d != want {
			t.Errorf("digest = %s, want %s", d, want)
		}
	})
}

func TestDigestChangesWithContent(t *testing.T) {
	s, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Digest(s)
	s.Cluster.Labels["env"] = "staging"
	b, _ := Digest(s)
	if a == b {
		t.Errorf("digest unchanged after a label change: %s", a)
	}
}

func TestSaveSanitises(t *testing.T) {
	s := New(Cluster{Name: "c"}, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	s.Objects["Secret"] = []map[string]any{{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s", "namespace": "n"}, "data": map[string]any{"k": "Q0FOQVJZ"}}}
	s.Add(map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "n"},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "image": "x", "env": []any{map[string]any{"name": "A", "value": "CANARY"}}}}}})
	path := filepath.Join(t.TempDir(), "s.json")
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	for _, canary := range []string{"CANARY", "Q0FOQVJZ"} {
		if bytes.Contains(raw, []byte(canary)) {
			t.Errorf("saved file holds %q: %s", canary, raw)
		}
	}
	if !bytes.Contains(raw, []byte(`"dataKeys":1`)) {
		t.Errorf("saved file lacks the key count: %s", raw)
	}
}

// minimal returns a valid document with one change applied.
func minimal(t *testing.T, change func(m map[string]any)) []byte {
	t.Helper()
	m := map[string]any{
		"apiVersion": APIVersion, "kind": Kind,
		"cluster":     map[string]any{"name": "c"},
		"collectedAt": "2026-01-01T00:00:00Z",
		"status":      map[string]any{"state": "complete"},
		"objects": map[string]any{
			"Secret": []any{map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s", "namespace": "n"}, "type": "Opaque"}},
			"Pod": []any{map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "n"},
				"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "env": []any{map[string]any{"name": "A"}}}}}}},
		},
	}
	if change != nil {
		change(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func objAt(m map[string]any, kind string) map[string]any {
	return m["objects"].(map[string]any)[kind].([]any)[0].(map[string]any)
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  []byte
		want []string // substrings of the error
	}{
		{"valid", minimal(t, nil), nil},
		{"secret data", minimal(t, func(m map[string]any) { objAt(m, "Secret")["data"] = map[string]any{"k": "eA=="} }),
			[]string{"f.json", "at /objects/Secret/0", "data"}},
		{"last-applied", minimal(t, func(m map[string]any) {
			objAt(m, "Pod")["metadata"].(map[string]any)["annotations"] = map[string]any{LastApplied: "{}"}
		}), []string{"at /objects/Pod/0/metadata/annotations"}},
		{"managedFields", minimal(t, func(m map[string]any) {
			objAt(m, "Pod")["metadata"].(map[string]any)["managedFields"] = []any{}
		}), []string{"at /objects/Pod/0/metadata"}},
		{"literal env value", minimal(t, func(m map[string]any) {
			objAt(m, "Pod")["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["env"] = []any{map[string]any{"name": "A", "value": "v"}}
		}), []string{"at /objects/Pod/0", "spec.containers[0].env[0].value", "Pod n/p"}},
		{"object filed under another kind", minimal(t, func(m map[string]any) { objAt(m, "Pod")["kind"] = "Service" }),
			[]string{"at /objects/Pod/0/kind", `"Service"`}},
		{"bad state", minimal(t, func(m map[string]any) { m["status"] = map[string]any{"state": "fine"} }),
			[]string{"at /status/state"}},
		{"no cluster name", minimal(t, func(m map[string]any) { m["cluster"] = map[string]any{} }),
			[]string{"at /cluster", "name"}},
		{"wrong version", minimal(t, func(m map[string]any) { m["apiVersion"] = "fleetguard.dev/v2" }),
			[]string{"at /apiVersion"}},
		{"bad time", minimal(t, func(m map[string]any) { m["collectedAt"] = "yesterday" }),
			[]string{"at /collectedAt"}},
		{"object without metadata name", minimal(t, func(m map[string]any) { objAt(m, "Pod")["metadata"] = map[string]any{} }),
			[]string{"at /objects/Pod/0/metadata", "name"}},
		{"unknown top-level field", minimal(t, func(m map[string]any) { m["extra"] = 1 }),
			[]string{"at /", "extra"}},
		{"syntax error", []byte("{\n  \"apiVersion\": ,\n}"), []string{"f.json", "line 2"}},
		{"trailing data", append(minimal(t, nil), []byte(" {}")...), []string{"data after the document"}},
		{"empty", []byte(""), []string{"f.json", "invalid JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Decode(bytes.NewReader(tt.doc), "f.json")
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if s.Cluster.Name != "c" || len(s.Objects["Pod"]) != 1 {
					t.Errorf("decoded %+v", s)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	t.Run("gz name with plain content", func(t *testing.T) {
		_, err := Decode(bytes.NewReader(minimal(t, nil)), "f.json.gz")
		if err == nil || !strings.Contains(err.Error(), "f.json.gz") || !strings.Contains(err.Error(), "not gzip") {
			t.Errorf("error = %v", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := Load(filepath.Join(t.TempDir(), "nope.json"))
		if err == nil || !strings.Contains(err.Error(), "nope.json") {
			t.Errorf("error = %v", err)
		}
	})
}

// sameValidation fails unless validating doc one object at a time
// (validateDoc, what Decode does) gives exactly what validating it whole does.
func sameValidation(t *testing.T, doc any) {
	t.Helper()
	want, got := validate(doc), validateDoc(doc)
	if (want == nil) != (got == nil) || (want != nil && want.Error() != got.Error()) {
		t.Fatalf("validating per object differs from validating the document:\n got %v\nwant %v", got, want)
	}
}

func TestValidateDocMatchesValidate(t *testing.T) {
	pods := func(n int, bad ...int) []any {
		var out []any
		for i := range n {
			p := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": fmt.Sprintf("p%d", i)}}
			out = append(out, p)
		}
		for _, i := range bad {
			out[i].(map[string]any)["metadata"] = map[string]any{"name": "", "managedFields": []any{}}
		}
		return out
	}
	docs := map[string][]byte{
		"valid":                           minimal(t, nil),
		"many bad objects, in path order": minimal(t, func(m map[string]any) { m["objects"].(map[string]any)["Pod"] = pods(12, 2, 10, 11) }),
		"bad header and bad objects": minimal(t, func(m map[string]any) {
			m["status"] = map[string]any{"state": "fine"}
			m["objects"].(map[string]any)["Pod"] = pods(3, 1)
			objAt(m, "Secret")["data"] = map[string]any{"k": "eA=="}
		}),
		"bad kind name":         minimal(t, func(m map[string]any) { m["objects"].(map[string]any)["pod"] = pods(2, 0) }),
		"kind not a list":       minimal(t, func(m map[string]any) { m["objects"].(map[string]any)["Pod"] = "x" }),
		"object not an object":  minimal(t, func(m map[string]any) { m["objects"].(map[string]any)["Pod"] = []any{1, pods(1)[0]} }),
		"objects not an object": minimal(t, func(m map[string]any) { m["objects"] = []any{} }),
		"no objects":            minimal(t, func(m map[string]any) { delete(m, "objects") }),
		"over fifty problems": minimal(t, func(m map[string]any) {
			bad := make([]int, 60)
			for i := range bad {
				bad[i] = i
			}
			m["objects"].(map[string]any)["Pod"] = pods(60, bad...)
		}),
		"configmap with data": minimal(t, func(m map[string]any) {
			m["objects"].(map[string]any)["ConfigMap"] = []any{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c"}, "data": map[string]any{"k": "v"}}}
		}),
	}
	for name, raw := range docs {
		t.Run(name, func(t *testing.T) {
			var doc any
			if err := unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			sameValidation(t, doc)
		})
	}
	// The comparison can fail: a document with problems is not valid per object.
	var doc any
	if err := unmarshal(docs["many bad objects, in path order"], &doc); err != nil {
		t.Fatal(err)
	}
	err := validateDoc(doc)
	if err == nil || !strings.Contains(err.Error(), "at /objects/Pod/10/metadata") {
		t.Fatalf("error = %v", err)
	}
	if i, j := strings.Index(err.Error(), "/objects/Pod/10/"), strings.Index(err.Error(), "/objects/Pod/2/"); i > j {
		t.Errorf("problems not in path order (as validate lists them): %v", err)
	}
}

func TestSaveRefusesInvalid(t *testing.T) {
	s := New(Cluster{}, time.Now())
	path := filepath.Join(t.TempDir(), "s.json")
	err := Save(path, s)
	if err == nil || !strings.Contains(err.Error(), "at /cluster/name") {
		t.Fatalf("error = %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("file written despite the error: %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	raw, err := os.ReadFile(fixture)
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	f.Add(raw)
	f.Add(buf.Bytes())
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"apiVersion":"fleetguard.dev/v1alpha1","kind":"ClusterSnapshot","cluster":{"name":"c"},"collectedAt":"2026-01-01T00:00:00Z","status":{"state":"complete"},"objects":{"Pod":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","env":[{"name":"A"}]}]}}]}}`))
	f.Add([]byte{0x1f, 0x8b, 0x08})
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc any
		if unmarshal(data, &doc) == nil {
			sameValidation(t, doc)
		}
		s, fast, err := decodeFrom(bytes.NewReader(data), "fuzz.json", 0)
		if err != nil {
			return
		}
		out, err := Marshal(s)
		if err != nil {
			t.Fatalf("marshal of a loaded snapshot: %v", err)
		}
		if fast != "" && !bytes.Equal(out, data) && !bytes.Equal(out, gunzip(t, data)) {
			t.Fatalf("the digest of the bytes read was taken, but they are not the canonical encoding:\n read %.300q\n want %.300q", data, out)
		}
		back, again, err := decodeFrom(bytes.NewReader(out), "again.json", 0)
		if err != nil {
			t.Fatalf("a loaded snapshot does not load again: %v", err)
		}
		d1, _ := Digest(s)
		d2, _ := Digest(back)
		if d1 != d2 {
			t.Fatalf("digest changed on round trip: %s, %s", d1, d2)
		}
		if fast != "" && fast != d1 {
			t.Fatalf("digest of the bytes read %s, Digest %s", fast, d1)
		}
		if again != d1 {
			t.Fatalf("the canonical encoding's digest is not taken from its bytes: %q, want %s", again, d1)
		}
		s.Derive() // must not panic on any valid snapshot
	})
}

// gunzip is data decompressed, or data itself when it is not gzip.
func gunzip(t *testing.T, data []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return data
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return data
	}
	return out
}

// stdJSON is what Marshal promised to equal: encoding/json without HTML
// escaping and without the final newline.
func stdJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestMarshalMatchesEncodingJSON(t *testing.T) {
	fix, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for c := range 256 {
		all.WriteByte(byte(c))
	}
	odd := New(Cluster{Name: "odd <&>", Labels: map[string]string{"a\u2028b": "\u2029"}}, time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC))
	odd.Objects["Pod"] = []map[string]any{{
		"kind": "Pod", "apiVersion": "v1", "metadata": map[string]any{"name": "p"},
		"bytes":   all.String(),
		"invalid": "a\xffb\xc3",
		"unicode": "é日本\U0001F600 <script>&amp;",
		"numbers": []any{json.Number("0"), json.Number("-12"), json.Number("1.5e3"), json.Number("0.25"), json.Number(""), 3, int64(-4), 2.5, float64(1e21), uint(7)},
		"empty":   map[string]any{},
		"nilmap":  map[string]any(nil),
		"nilarr":  []any(nil),
		"arr":     []any{},
		"typed":   map[string]string{"z": "1", "a": "<2>"},
		"bools":   []any{true, false, nil},
	}}
	odd.Objects["Empty"] = []map[string]any{}
	odd.Objects["Nil"] = nil
	noObjects := New(Cluster{Name: "none"}, time.Unix(0, 0))
	noObjects.Objects = nil
	tests := []struct {
		name string
		s    *Snapshot
	}{{"fixture", fix}, {"odd values", odd}, {"no objects map", noObjects}, {"empty", New(Cluster{Name: "e"}, time.Unix(0, 0))}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.s)
			if err != nil {
				t.Fatal(err)
			}
			want := stdJSON(t, tt.s)
			if !bytes.Equal(got, want) {
				i := 0
				for i < len(got) && i < len(want) && got[i] == want[i] {
					i++
				}
				t.Fatalf("Marshal differs from encoding/json at byte %d:\n got %q\nwant %q", i, got[i:min(len(got), i+60)], want[i:min(len(want), i+60)])
			}
			sum := sha256.Sum256(want)
			if d, _ := Digest(tt.s); d != "sha256:"+hex.EncodeToString(sum[:]) {
				t.Errorf("Digest = %s, not the hash of the canonical JSON", d)
			}
		})
	}
	t.Run("invalid number", func(t *testing.T) {
		s := New(Cluster{Name: "c"}, time.Unix(0, 0))
		s.Objects["Pod"] = []map[string]any{{"n": json.Number("12abc")}}
		if _, err := Marshal(s); err == nil || !strings.Contains(err.Error(), "12abc") || !strings.Contains(err.Error(), "Pod") {
			t.Errorf("error = %v", err)
		}
	})
}

// pages splits objs in batches of n, as the fetchers add them page by page.
func pages(objs []map[string]any, n int) [][]map[string]any {
	var out [][]map[string]any
	for len(objs) > n {
		out = append(out, objs[:n])
		objs = objs[n:]
	}
	return append(out, objs)
}

// cloneObjects deep-copies the objects of s through JSON, so that two
// writers sanitise their own copies.
func cloneSnapshot(t *testing.T, s *Snapshot) *Snapshot {
	t.Helper()
	b, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	c := &Snapshot{}
	if err := unmarshal(b, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWriterMatchesSave(t *testing.T) {
	fix, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Digest(fix)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"w.json", "w.json.gz"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			saved := filepath.Join(dir, "saved-"+name)
			if err := Save(saved, cloneSnapshot(t, fix)); err != nil {
				t.Fatal(err)
			}
			s := cloneSnapshot(t, fix)
			path := filepath.Join(dir, name)
			w, err := Create(path)
			if err != nil {
				t.Fatal(err)
			}
			// Kinds concurrently, each in pages of 2, as the fetchers do.
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for k, objs := range s.Objects {
				wg.Go(func() {
					for _, page := range pages(objs, 2) {
						b := w.Batch(k)
						for _, o := range page {
							if err := b.Add(o); err != nil {
								errs <- err
							}
						}
						if err := b.Commit(); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if n := w.Len(); n != 20 {
				t.Errorf("Len = %d, want 20", n)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("file exists before Commit: %v", err)
			}
			s.Objects = nil
			if err := w.Commit(s); err != nil {
				t.Fatal(err)
			}
			back, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := Digest(back); got != want {
				t.Errorf("digest of the written file = %s, want %s", got, want)
			}
			if !reflect.DeepEqual(back, fix) {
				t.Error("written snapshot differs from the fixture")
			}
			if got, exp := plain(t, path), plain(t, saved); !bytes.Equal(got, exp) {
				t.Errorf("Writer and Save wrote different bytes:\n%s\n%s", got, exp)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
				t.Errorf("temp files left: %v", left)
			}
		})
	}
}

// plain returns the content of a snapshot file, gunzipped if need be.
func plain(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return raw
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func testPod(name string, env ...any) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": name, "namespace": "n"},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "c", "env": env}}}}
}

func TestWriter(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		// fill adds objects through w; s is the header passed to Commit.
		fill    func(t *testing.T, w *Writer, s *Snapshot)
		wantErr []string // substrings of Commit's error; nil for success
		want    func(t *testing.T, s *Snapshot, raw []byte)
	}{
		{
			name: "sanitises before keeping anything",
			fill: func(t *testing.T, w *Writer, s *Snapshot) {
				b := w.Batch("Secret")
				b.Add(map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
					"metadata": map[string]any{"name": "s", "namespace": "n", "annotations": map[string]any{LastApplied: `{"data":{"k":"Q0FOQVJZ"}}`}},
					"data":     map[string]any{"k": "Q0FOQVJZ"}})
				b.Commit()
				p := w.Batch("Pod")
				p.Add(testPod("p", map[string]any{"name": "A", "value": "CANARY"}))
				p.Commit()
			},
			want: func(t *testing.T, s *Snapshot, raw []byte) {
				for _, canary := range []string{"CANARY", "Q0FOQVJZ", LastApplied} {
					if bytes.Contains(raw, []byte(canary)) {
						t.Errorf("file holds %q: %s", canary, raw)
					}
				}
				if n := s.Objects["Secret"][0]["dataKeys"]; n != json.Number("1") {
					t.Errorf("dataKeys = %v, want 1", n)
				}
			},
		},
		{
			name: "pages keep their order and a dropped kind is left out",
			fill: func(t *testing.T, w *Writer, s *Snapshot) {
				for _, names := range [][]string{{"a", "b"}, {}, {"c"}} {
					b := w.Batch("Pod")
					for _, n := range names {
						b.Add(testPod(n))
					}
					if b.Len() != len(names) {
						t.Errorf("batch Len = %d, want %d", b.Len(), len(names))
					}
					b.Commit()
				}
				r := w.Batch("Role")
				r.Add(map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": map[string]any{"name": "r"}})
				r.Commit()
				w.Drop("Role")
				// A page read again after a failure: the first try is dropped.
				failed := w.Batch("Pod")
				failed.Add(testPod("dup"))
				again := w.Batch("Pod")
				again.Add(testPod("d"))
				again.Commit()
				s.Status = Status{State: StatePartial, Errors: []Error{{Kind: "Role", Message: "forbidden"}}, MissingKinds: []string{"Role"}}
				s.Objects = map[string][]map[string]any{"Service": {{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "svc"}}}}
			},
			want: func(t *testing.T, s *Snapshot, raw []byte) {
				var names []string
				for _, o := range s.Objects["Pod"] {
					names = append(names, o["metadata"].(map[string]any)["name"].(string))
				}
				if !reflect.DeepEqual(names, []string{"a", "b", "c", "d"}) {
					t.Errorf("pods = %v, want a b c d", names)
				}
				if _, ok := s.Objects["Role"]; ok {
					t.Error("dropped kind Role is in the file")
				}
				if len(s.Objects["Service"]) != 1 || s.Status.State != StatePartial {
					t.Errorf("objects of the header or status lost: %v %+v", s.Objects["Service"], s.Status)
				}
			},
		},
		{
			name: "schema problems name the path across pages",
			fill: func(t *testing.T, w *Writer, s *Snapshot) {
				b := w.Batch("Pod")
				b.Add(testPod("a"))
				b.Add(testPod("b"))
				b.Commit()
				b = w.Batch("Pod")
				b.Add(map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"namespace": "n"}})
				b.Commit()
				c := w.Batch("ConfigMap")
				c.Add(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "labels": map[string]string{"x": "y"}}})
				c.Commit()
			},
			wantErr: []string{"does not match the snapshot schema", "at /objects/Pod/2/metadata: missing properties: 'name'"},
		},
		{
			name: "object under another kind",
			fill: func(t *testing.T, w *Writer, s *Snapshot) {
				b := w.Batch("Service")
				b.Add(testPod("p"))
				b.Commit()
			},
			wantErr: []string{"invalid snapshot", `at /objects/Service/0/kind: "Pod" filed under "Service"`},
		},
		{
			name: "bad header",
			fill: func(t *testing.T, w *Writer, s *Snapshot) {
				s.Cluster.Name = ""
				b := w.Batch("bad kind")
				b.Add(map[string]any{"apiVersion": "v1", "kind": "bad kind", "metadata": map[string]any{"name": "x"}})
				b.Commit()
			},
			wantErr: []string{"at /cluster/name", "at /objects"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "c.json")
			w, err := Create(path)
			if err != nil {
				t.Fatal(err)
			}
			s := New(Cluster{Name: "c"}, at)
			tt.fill(t, w, s)
			err = w.Commit(s)
			if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
				t.Errorf("temp files left: %v", left)
			}
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("no error")
				}
				for _, want := range append(tt.wantErr, path) {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q lacks %q", err, want)
					}
				}
				if _, err := os.Stat(path); !os.IsNotExist(err) {
					t.Errorf("file written despite the error: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			back, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(path)
			tt.want(t, back, raw)
			if err := w.Batch("Pod").Commit(); err == nil || !strings.Contains(err.Error(), "after the writer was closed") {
				t.Errorf("commit after close: %v", err)
			}
		})
	}
	t.Run("abort", func(t *testing.T) {
		dir := t.TempDir()
		w, err := Create(filepath.Join(dir, "a.json.gz"))
		if err != nil {
			t.Fatal(err)
		}
		b := w.Batch("Pod")
		b.Add(testPod("p"))
		b.Commit()
		w.Abort()
		w.Abort()
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("files left after Abort: %v", left)
		}
	})
}

func TestSaveValidatesNonJSONTypes(t *testing.T) {
	s := New(Cluster{Name: "c"}, time.Unix(0, 0))
	// Set by hand, not decoded: the validator cannot walk map[string]string.
	s.Objects["Namespace"] = []map[string]any{{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "", "labels": map[string]string{"a": "b"}}}}
	err := Save(filepath.Join(t.TempDir(), "s.json"), s)
	if err == nil || !strings.Contains(err.Error(), "at /objects/Namespace/0/metadata/name") {
		t.Fatalf("error = %v", err)
	}
	s.Objects["Namespace"][0]["metadata"].(map[string]any)["name"] = "ns"
	path := filepath.Join(t.TempDir(), "s.json")
	if err := Save(path, s); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Objects["Namespace"][0]["metadata"].(map[string]any)["labels"]; !reflect.DeepEqual(got, map[string]any{"a": "b"}) {
		t.Errorf("labels = %v", got)
	}
}

// BenchmarkBatchAdd is the per-object cost of streaming a snapshot:
// sanitise, validate and encode.
func BenchmarkBatchAdd(b *testing.B) {
	s, err := Load(fixture)
	if err != nil {
		b.Fatal(err)
	}
	w, err := Create(filepath.Join(b.TempDir(), "b.json"))
	if err != nil {
		b.Fatal(err)
	}
	defer w.Abort()
	objs := s.All()
	for b.Loop() {
		for _, o := range objs {
			k := o["kind"].(string)
			bt := w.Batch(k)
			if err := bt.Add(o); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	s, err := Load(fixture)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Marshal(s); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPlainValid holds the fast path of object validation to the schema: it
// may only accept what the schema accepts.
func TestPlainValid(t *testing.T) {
	fix, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := objectSchemas()
	if err != nil {
		t.Fatal(err)
	}
	type obj = map[string]any
	md := func(kv ...any) obj {
		m := obj{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	secret := func(extra obj) obj {
		o := obj{"apiVersion": "v1", "kind": "Secret", "metadata": md("name", "s", "namespace", "n")}
		stdmaps.Copy(o, extra)
		return o
	}
	cases := []struct {
		name string
		kind string
		obj  obj
		fast bool // whether the fast path should accept it
	}{
		{"pod", "Pod", testPod("p"), true},
		{"labels and annotations", "Pod", obj{"apiVersion": "v1", "kind": "Pod", "metadata": md("name", "p", "labels", obj{"a": "b"}, "annotations", obj{"c": "d"})}, true},
		{"secret", "Secret", secret(obj{"type": "Opaque", "immutable": true, "dataKeys": json.Number("2")}), true},
		{"secret, int dataKeys", "Secret", secret(obj{"dataKeys": int64(0)}), true},
		{"config map", "ConfigMap", obj{"apiVersion": "v1", "kind": "ConfigMap", "metadata": md("name", "c")}, true},
		{"no apiVersion", "Pod", obj{"kind": "Pod", "metadata": md("name", "p")}, false},
		{"empty kind", "Pod", obj{"apiVersion": "v1", "kind": "", "metadata": md("name", "p")}, false},
		{"numeric kind", "Pod", obj{"apiVersion": "v1", "kind": json.Number("1"), "metadata": md("name", "p")}, false},
		{"no metadata", "Pod", obj{"apiVersion": "v1", "kind": "Pod"}, false},
		{"empty name", "Pod", obj{"apiVersion": "v1", "kind": "Pod", "metadata": md("name", "")}, false},
		{"numeric namespace", "Pod", obj{"apiVersion": "v1", "kind": "Pod", "metadata": md("name", "p", "namespace", json.Number("3"))}, false},
		{"null namespace", "Pod", obj{"apiVersion": "v1", "kind": "Pod", "metadata": md("name", "p", "namespace", nil)}, false},
		{"non-string label", "Pod", obj{"apiVersion": "v1", "kind": "Pod", "metadata": md("name", "p", "labels", obj{"a": true})}, false},
		{"labels not a map", "Pod", obj{"apiVersion": "v1", "kind": "Pod", "metadata": md("name", "p", "labels", []any{})}, false},
		{"last-applied", "Pod", obj{"apiVersion": "v1", "kind": "Pod", "metadata": md("name", "p", "annotations", obj{LastApplied: "{}"})}, false},
		{"managedFields", "Pod", obj{"apiVersion": "v1", "kind": "Pod", "metadata": md("name", "p", "managedFields", []any{})}, false},
		{"secret data", "Secret", secret(obj{"data": obj{}}), false},
		{"secret apps/v1", "Secret", secret(obj{"apiVersion": "apps/v1"}), false},
		{"secret negative keys", "Secret", secret(obj{"dataKeys": json.Number("-1")}), false},
		{"secret fractional keys", "Secret", secret(obj{"dataKeys": json.Number("1.5")}), false},
		{"secret numeric type", "Secret", secret(obj{"type": json.Number("1")}), false},
		{"config map with data", "ConfigMap", obj{"apiVersion": "v1", "kind": "ConfigMap", "metadata": md("name", "c"), "data": obj{}}, false},
		{"config map with labels", "ConfigMap", obj{"apiVersion": "v1", "kind": "ConfigMap", "metadata": md("name", "c", "labels", obj{"a": "b"})}, false},
		{"config map with namespace", "ConfigMap", obj{"apiVersion": "v1", "kind": "ConfigMap", "metadata": md("name", "c", "namespace", "n")}, true},
		{"config map with uid", "ConfigMap", obj{"apiVersion": "v1", "kind": "ConfigMap", "metadata": md("name", "c", "uid", "u")}, false},
		{"config map with type", "ConfigMap", obj{"apiVersion": "v1", "kind": "ConfigMap", "metadata": md("name", "c"), "type": "x"}, false},
		{"secret filed as config map", "ConfigMap", secret(nil), false},
	}
	for _, k := range sortedKeys(fix.Objects) {
		for i, o := range fix.Objects[k] {
			cases = append(cases, struct {
				name string
				kind string
				obj  obj
				fast bool
			}{fmt.Sprintf("fixture %s %d", k, i), k, o, true})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sch := schemas[c.kind]
			if sch == nil {
				sch = schemas[""]
			}
			schemaOK := validateJSON(sch, c.obj) == nil
			fast := plainValid(c.kind, c.obj)
			if fast && !schemaOK {
				t.Fatalf("the fast path accepts what the schema refuses")
			}
			if fast != c.fast {
				t.Errorf("fast path = %v, want %v (schema: %v)", fast, c.fast, schemaOK)
			}
		})
	}
}

// TestDecodeTakesObjectsAsDecoded checks that building the Snapshot from
// the validated document gives what decoding the file into the struct
// gives, for every snapshot fixture.
func TestDecodeTakesObjectsAsDecoded(t *testing.T) {
	files, err := filepath.Glob("../testdata/snapshot/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if unmarshal(data, &doc) != nil || validate(doc) != nil {
			continue // the invalid fixtures have their own tests
		}
		got, _, err := decode(data, f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		want := &Snapshot{}
		if err := unmarshal(data, want); err != nil {
			t.Fatal(err)
		}
		if want.Objects == nil {
			want.Objects = map[string][]map[string]any{}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: decoded snapshot differs from decoding into the struct", f)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no valid snapshot fixture was checked")
	}
}

// sizeHint is exact for a gzip snapshot and a plain one, bounded for a
// trailer that lies, and a wrong hint still loads the snapshot.
func TestSizeHint(t *testing.T) {
	raw := minimal(t, nil)
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	lying := bytes.Clone(gz.Bytes())
	copy(lying[len(lying)-4:], []byte{0xff, 0xff, 0xff, 0xff}) // ISIZE 4 GiB - 1
	for name, c := range map[string]struct {
		data []byte
		max  int64 // the hint is at most this, and exactly this unless lie
		lie  bool
	}{
		"s.json":        {raw, int64(len(raw)), false},
		"s.json.gz":     {gz.Bytes(), int64(len(raw)), false},
		"lying.json.gz": {lying, int64(len(lying)) * maxDeflateRatio, true},
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		got := sizeHint(f)
		f.Close()
		if got > c.max || (!c.lie && got != c.max) {
			t.Errorf("%s: hint %d, want %d (at most)", name, got, c.max)
		}
		if c.lie {
			// gzip checks its trailer: a lying size fails to load, cleanly.
			if _, err := Load(path); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s: error = %v", name, err)
			}
			continue
		}
		if s, err := Load(path); err != nil || s.Cluster.Name != "c" {
			t.Errorf("%s: Load = %v, %v", name, s, err)
		}
	}
}

// LoadDigest hashes the bytes of a file that holds the canonical encoding,
// escapes included, and encodes anything else again: the digest is always
// Digest(s).
func TestLoadDigest(t *testing.T) {
	s, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	// Strings Marshal escapes: the canonical file holds them escaped.
	s.Objects["Namespace"][0]["metadata"].(map[string]any)["annotations"] = map[string]any{
		"note": "a \"quoted\" \\ line\nwith a tab\t, a bell \a and \u2028",
	}
	want, err := Digest(s)
	if err != nil {
		t.Fatal(err)
	}
	canonical, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	saved := filepath.Join(dir, "saved.json.gz")
	if err := Save(saved, s); err != nil {
		t.Fatal(err)
	}
	pretty := bytes.ReplaceAll(canonical, []byte(`,"`), []byte(", \""))
	slash := bytes.Replace(canonical, []byte(`"v1"`), []byte(`"v\/1"`), 1) // "v/1" unescaped
	for name, c := range map[string]struct {
		data []byte
		fast bool
	}{
		"canonical":     {canonical, true},
		"spaced":        {pretty, false},
		"escaped slash": {slash, false},
		"saved (gzip)":  {nil, true},
	} {
		path := saved
		if c.data != nil {
			path = filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
			if err := os.WriteFile(path, c.data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		loaded, fast, err := load(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if (fast != "") != c.fast {
			t.Errorf("%s: digest of the bytes read %q, want it taken: %v", name, fast, c.fast)
		}
		_, got, err := LoadDigest(path)
		if err != nil {
			t.Fatal(err)
		}
		wantHere := want
		if name == "escaped slash" {
			wantHere, _ = Digest(loaded) // another snapshot: one apiVersion is v/1
		}
		if got != wantHere {
			t.Errorf("%s: LoadDigest %s, want %s", name, got, wantHere)
		}
	}
}
