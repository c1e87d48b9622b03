package engine

import (
	"encoding/json"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// readsOf builds a finished read set from dotted paths.
func readsOf(paths ...[]string) *readSet {
	rs := &readSet{}
	for _, p := range paths {
		rs.add(p)
	}
	rs.finish()
	return rs
}

func TestProjectValue(t *testing.T) {
	doc := map[string]any{
		"object": map[string]any{
			"kind":     "Pod",
			"metadata": map[string]any{"name": "web", "namespace": "shop", "labels": map[string]any{"app": "web"}},
			"spec":     map[string]any{"hostPID": true, "containers": []any{map[string]any{"name": "c", "image": "x"}}},
			"status":   map[string]any{"phase": "Running"},
		},
		"operation": "",
	}
	rs := readsOf([]string{"object", "spec"}, []string{"object", "metadata", "namespace"}, []string{"object", "metadata", "uid"}, []string{"userInfo"})
	got, err := projectValue(doc, rs)
	if err != nil {
		t.Fatal(err)
	}
	// What is read is there whole, what is not is left out, and what the
	// input lacks stays undefined (no uid, no userInfo).
	want := ast.MustParseTerm(`{"object": {"metadata": {"namespace": "shop"}, "spec": {"hostPID": true, "containers": [{"name": "c", "image": "x"}]}}}`).Value
	if got.Compare(want) != 0 {
		t.Errorf("projection = %v, want %v", got, want)
	}
	all, err := projectValue(doc, readsOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if whole, _ := ast.InterfaceToValue(doc); all.Compare(whole) != 0 {
		t.Errorf("the projection onto everything = %v, want the whole input %v", all, whole)
	}
}

func TestMemoKey(t *testing.T) {
	rs := readsOf([]string{"pod", "spec"}, []string{"containers"}, []string{"object", "metadata", "namespace"})
	spec := func(image string) map[string]any {
		return map[string]any{"containers": []any{map[string]any{"name": "c", "image": image}}, "replicas": json.Number("2")}
	}
	doc := func(name string, s map[string]any) map[string]any {
		return map[string]any{
			"object":     map[string]any{"metadata": map[string]any{"name": name, "namespace": "shop"}, "spec": s},
			"pod":        map[string]any{"spec": s},
			"containers": []any{map[string]any{"container": s["containers"].([]any)[0]}},
		}
	}
	key := func(d map[string]any) [32]byte {
		t.Helper()
		k, ok := memoKey("/Pod", d, rs)
		if !ok {
			t.Fatalf("no key for %v", d)
		}
		return k
	}
	base := key(doc("a", spec("x:1")))
	if key(doc("b", spec("x:1"))) != base {
		t.Error("objects that differ only in what is not read (the name) have different keys")
	}
	if key(doc("a", spec("x:2"))) == base {
		t.Error("objects whose pod specs differ have the same key")
	}
	if k, _ := memoKey("apps/Deployment", doc("a", spec("x:1")), rs); k == base {
		t.Error("the same input under another query has the same key")
	}
	// A map met twice is encoded by its number the second time; a map
	// that is not the one met before must not pass for it.
	shared := doc("a", spec("x:1"))
	other := doc("a", spec("x:1"))
	other["pod"] = map[string]any{"spec": spec("x:2")}
	if key(shared) == key(other) {
		t.Error("an input whose pod spec differs from its object's spec has the key of one where they are the same")
	}
	// Numbers of different Go types are kept apart.
	n := doc("a", spec("x:1"))
	n["pod"].(map[string]any)["spec"].(map[string]any)["replicas"] = 2.0
	if key(n) == base {
		t.Error("json.Number 2 and float64 2 have the same key")
	}
	// A type the key cannot encode gives no key: evaluated without the memo.
	odd := doc("a", spec("x:1"))
	odd["containers"] = []map[string]string{{"name": "c"}}
	if _, ok := memoKey("/Pod", odd, rs); ok {
		t.Error("an input holding []map[string]string has a key")
	}
}
