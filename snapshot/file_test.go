package snapshot

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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
		s, err := Decode(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			return
		}
		out, err := Marshal(s)
		if err != nil {
			t.Fatalf("marshal of a loaded snapshot: %v", err)
		}
		back, err := Decode(bytes.NewReader(out), "again.json")
		if err != nil {
			t.Fatalf("a loaded snapshot does not load again: %v", err)
		}
		d1, _ := Digest(s)
		d2, _ := Digest(back)
		if d1 != d2 {
			t.Fatalf("digest changed on round trip: %s, %s", d1, d2)
		}
		s.Derive() // must not panic on any valid snapshot
	})
}
