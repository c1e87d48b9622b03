package manifest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/internal/yamlsafe"
	"github.com/fleetguard/fleetguard/internal/yamlsafe/yamltest"
)

func names(objs []Object) []string {
	var out []string
	for _, o := range objs {
		md, _ := o.Object["metadata"].(map[string]any)
		name, _ := md["name"].(string)
		out = append(out, o.Object["kind"].(string)+"/"+name+"@"+o.Source.File+":"+strconv.Itoa(o.Source.Line))
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []string
		wantErrs []engine.InputError
	}{
		{
			name: "multi-document with leading separator and comments",
			in:   "---\n# a comment\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n",
			want: []string{"Pod/a@f.yaml:3", "Service/b@f.yaml:8"},
		},
		{
			name:     "broken document between two good ones keeps both",
			in:       "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nspec: [\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: c\n",
			want:     []string{"Pod/a@f.yaml:1", "Pod/c@f.yaml:10"},
			wantErrs: []engine.InputError{{File: "f.yaml", Line: 8, Message: "malformed YAML: did not find expected node content"}},
		},
		{
			name: "kind List is expanded with item lines",
			in:   "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: x\n- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: y\n",
			want: []string{"ServiceAccount/x@f.yaml:4", "ServiceAccount/y@f.yaml:8"},
		},
		{
			name:     "missing kind is a warning and skipped",
			in:       "apiVersion: v1\nmetadata:\n  name: nokind\n",
			wantErrs: []engine.InputError{{File: "f.yaml", Line: 1, Warning: true, Message: `document "nokind" has no kind; skipped`}},
		},
		{
			name:     "a scalar document is an error",
			in:       "just a string\n",
			wantErrs: []engine.InputError{{File: "f.yaml", Line: 1, Message: "document is not a mapping (a Kubernetes object is a YAML mapping)"}},
		},
		{
			name: "JSON object",
			in:   `{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}`,
			want: []string{"Namespace/n@f.yaml:1"},
		},
		{
			name: "empty documents are ignored",
			in:   "---\n---\n# only a comment\n---\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, errs := Parse("f.yaml", []byte(tt.in))
			if got := names(objs); strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("objects = %v, want %v", got, tt.want)
			}
			if len(errs) != len(tt.wantErrs) {
				t.Fatalf("errors = %v, want %v", errs, tt.wantErrs)
			}
			for i := range errs {
				if errs[i] != tt.wantErrs[i] {
					t.Errorf("error %d = %+v, want %+v", i, errs[i], tt.wantErrs[i])
				}
			}
		})
	}
}

func TestScalarTypes(t *testing.T) {
	objs, errs := Parse("t.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\n  creationTimestamp: 2024-01-02T03:04:05Z\ndata:\n  i: 3\n  f: 1.5\n  b: true\n  n: null\n  s: \"007\"\n  hex: 0x10\n  big: 123456789012345678901234567890\n"))
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	o := objs[0].Object
	md := o["metadata"].(map[string]any)
	if ts, ok := md["creationTimestamp"].(string); !ok || ts != "2024-01-02T03:04:05Z" {
		t.Errorf("timestamp = %#v, want the string as written", md["creationTimestamp"])
	}
	d := o["data"].(map[string]any)
	want := map[string]any{"i": int64(3), "f": 1.5, "b": true, "n": nil, "s": "007", "hex": int64(16), "big": 1.2345678901234568e29}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("data.%s = %#v (%T), want %#v (%T)", k, d[k], d[k], v, v)
		}
	}
}

func TestReadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n")
	write("sub/b.yml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n")
	write("sub/c.json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"c"}}`)
	write("sub/readme.md", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ignored\n")
	stdin := strings.NewReader("apiVersion: v1\nkind: Pod\nmetadata:\n  name: s\n")

	objs, errs := Read([]string{dir, filepath.Join(dir, "missing.yaml"), Stdin}, stdin)
	got := names(objs)
	want := []string{
		"Pod/a@" + filepath.Join(dir, "a.yaml") + ":1",
		"Pod/b@" + filepath.Join(dir, "sub/b.yml") + ":1",
		"Pod/c@" + filepath.Join(dir, "sub/c.json") + ":1",
		"Pod/s@<stdin>:1",
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("objects = %v\nwant %v", got, want)
	}
	if len(errs) != 1 || errs[0].File != filepath.Join(dir, "missing.yaml") || errs[0].Message != "no such file or directory" {
		t.Errorf("errors = %+v, want one naming missing.yaml", errs)
	}
}

func TestDeepNestingIsAnError(t *testing.T) {
	in := "apiVersion: v1\nkind: ConfigMap\ndata: " + strings.Repeat("[", 300) + strings.Repeat("]", 300) + "\n"
	objs, errs := Parse("deep.yaml", []byte(in))
	if len(objs) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Message, "nesting") {
		t.Fatalf("objs=%d errs=%+v, want one nesting error", len(objs), errs)
	}
}

// TestAliasBombIsAnError: aliases that double at every level would expand
// to 2^40 values; the reader refuses the document instead of trying, while an
// honest anchor is still expanded.
func TestAliasBombIsAnError(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\nl0: &l0 [x, x]\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [*l%d, *l%d]\n", i, i, i-1, i-1)
	}
	b.WriteString("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\nbase: &b {a: 1}\nuse: *b\n")
	objs, errs := Parse("bomb.yaml", []byte(b.String()))
	// About 1,100 bytes allow 4,200,000 (the 4 MiB floor): l0 to l18 make
	// 3,100,000, and l19 on line 23 another 3,100,000.
	if len(errs) != 1 || errs[0].Line != 23 || errs[0].Message != yamlsafe.Problem {
		t.Fatalf("errs = %+v, want one alias error on line 23", errs)
	}
	if len(objs) != 1 || objs[0].Object["metadata"].(map[string]any)["name"] != "ok" {
		t.Fatalf("objs = %+v, want only the honest document", objs)
	}
	if use, _ := objs[0].Object["use"].(map[string]any); use["a"] != int64(1) {
		t.Errorf("use = %v, want the anchor expanded to {a: 1}", objs[0].Object["use"])
	}
}

// FuzzParse checks that no input makes the reader panic, and that every
// object it returns has apiVersion, kind and a line inside the input.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod}\n"))
	f.Add([]byte("a: &x [*x]\n"))
	for _, seed := range yamltest.Hostile() {
		f.Add(seed)
	}
	f.Add(yamltest.LongStringBomb("apiVersion: v1\nkind: ConfigMap\n", 1<<10))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, errs := Parse("fuzz.yaml", data)
		// Aliases cannot make the objects much larger than the input: a
		// scalar byte is at most six bytes of JSON.
		size := 0
		for _, o := range objs {
			b, err := json.Marshal(o.Object)
			if err != nil {
				t.Fatalf("object does not encode as JSON: %v", err)
			}
			size += len(b)
		}
		if size > 6*yamlsafe.Budget(len(data)) {
			t.Fatalf("%d bytes of YAML gave %d bytes of objects", len(data), size)
		}
		lines := strings.Count(string(data), "\n") + 1
		for _, o := range objs {
			if o.Object["apiVersion"] == "" || o.Object["kind"] == "" {
				t.Fatalf("object without apiVersion or kind: %v", o.Object)
			}
			if o.Source.Line < 1 || o.Source.Line > lines {
				t.Fatalf("line %d outside input of %d lines", o.Source.Line, lines)
			}
		}
		for _, e := range errs {
			if e.File != "fuzz.yaml" || e.Message == "" {
				t.Fatalf("error without file or message: %+v", e)
			}
			if e.Line < 1 || e.Line > yamlsafe.Lines(data) {
				t.Fatalf("error on line %d of an input of %d lines: %+v", e.Line, yamlsafe.Lines(data), e)
			}
		}
	})
}

// TestLongStringAliasIsAnError: a few aliases of a long string stay under
// any count of values, but would make the object a thousand times the size
// of its file; the reader counts the bytes too.
func TestLongStringAliasIsAnError(t *testing.T) {
	doc := yamltest.LongStringBomb("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\n", 16<<10)
	objs, errs := Parse("big.yaml", doc)
	if len(objs) != 0 || len(errs) != 1 || !strings.Contains(errs[0].Message, yamlsafe.Problem) {
		t.Fatalf("objs=%d errs=%+v, want one alias error", len(objs), errs)
	}
}

// TestDocumentOnSeparatorLine: YAML lets a document start on its "---"
// line; it is read, on that line, not dropped.
func TestDocumentOnSeparatorLine(t *testing.T) {
	in := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n--- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n"
	objs, errs := Parse("inline.yaml", []byte(in))
	if len(errs) != 0 || len(objs) != 2 {
		t.Fatalf("objs=%d errs=%+v, want two objects", len(objs), errs)
	}
	if name := objs[1].Object["metadata"].(map[string]any)["name"]; name != "b" || objs[1].Source.Line != 4 {
		t.Errorf("second object %v on line %d, want b on line 4", name, objs[1].Source.Line)
	}
	// A tab after the separator is YAML too; a block mapping cannot start
	// on the separator's line, and gets the decoder's error, not an object
	// without the rest of its fields.
	if objs, errs := Parse("tab.yaml", []byte("---\t{apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n")); len(objs) != 1 || len(errs) != 0 {
		t.Errorf("after a tab: objs=%d errs=%+v, want one object", len(objs), errs)
	}
	in = "--- apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\ndata: {x: y}\n"
	if objs, errs := Parse("block.yaml", []byte(in)); len(objs) != 0 || len(errs) != 1 || errs[0].Line != 1 || !strings.HasPrefix(errs[0].Message, "malformed YAML") {
		t.Errorf("a block mapping on the separator's line: objs=%d errs=%+v, want one malformed-YAML error on line 1", len(objs), errs)
	}
}
