package gatekeeper

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/internal/yamlsafe"
	"github.com/fleetguard/fleetguard/internal/yamlsafe/yamltest"
)

// docError is the start of every ReadDocs error: the file and a line.
var docError = regexp.MustCompile(`^fuzz\.yaml:(\d+): \S`)

// FuzzReadDocs holds ReadDocs to its contract on any input: it never panics;
// it returns documents or an error, never both; every error starts with the
// file and a line inside the input and has no stack trace; every document
// has the file, a kind and the line it starts on, in order, and its text is
// the input from that line on; blank input gives no documents; and reading
// the same bytes twice gives the same documents or error.
func FuzzReadDocs(f *testing.F) {
	err := filepath.WalkDir("../testdata/gatekeeper", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		f.Add(b)
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(probeTemplate))
	f.Add([]byte(probeConstraint + "---\n" + probeTemplate))
	f.Add([]byte("# only a comment\n---\n\n--- # another\n...\n"))
	f.Add([]byte("apiVersion: v1\r\nkind: Pod\r\n---\r\nkind: List\r\nitems: []\r\n"))
	f.Add([]byte("kind: K\n---\n: bad\n"))
	f.Add([]byte("--- {kind: Inline}\n"))
	f.Add([]byte("kind: A\n--- \nkind: B\n---\t\nkind: C\n----\n"))
	for _, seed := range yamltest.Hostile() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := ReadDocs("fuzz.yaml", data)
		docs2, err2 := ReadDocs("fuzz.yaml", data)
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() || !reflect.DeepEqual(docs, docs2) {
			t.Fatalf("two reads of the same bytes differ:\n%v\n%v", err, err2)
		}
		lines := bytes.SplitAfter(data, []byte("\n"))
		if err != nil {
			if docs != nil {
				t.Fatalf("both documents and an error: %v", err)
			}
			msg := err.Error()
			m := docError.FindStringSubmatch(msg)
			if m == nil {
				t.Fatalf("error does not start with the file and a line: %q", msg)
			}
			if n, _ := strconv.Atoi(m[1]); n < 1 || n > len(lines) {
				t.Fatalf("error names line %d of an input of %d lines: %q", n, len(lines), msg)
			}
			if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
				t.Fatalf("error holds a stack trace: %q", msg)
			}
			return
		}
		if yamlsafe.Blank(data) && len(docs) > 0 {
			t.Fatalf("%d documents in blank input", len(docs))
		}
		prev := 0
		for i, d := range docs {
			if d.File != "fuzz.yaml" || d.Where() != fmt.Sprintf("fuzz.yaml:%d", d.Line) {
				t.Fatalf("document %d: file %q, where %q", i, d.File, d.Where())
			}
			if d.Line <= prev || d.Line > len(lines) {
				t.Fatalf("document %d starts on line %d (previous %d, %d lines)", i, d.Line, prev, len(lines))
			}
			prev = d.Line
			if rest := bytes.Join(lines[d.Line-1:], nil); !bytes.HasPrefix(rest, d.Text) {
				t.Fatalf("document %d is not the input from line %d:\n%q\n%q", i, d.Line, d.Text, rest)
			}
			if d.Obj == nil || d.Obj.GetKind() == "" {
				t.Fatalf("document %d has no kind: %v", i, d.Obj)
			}
			if l := firstContentLine(d); l < d.Line || l > len(lines) {
				t.Fatalf("document %d: first content line %d outside %d..%d", i, l, d.Line, len(lines))
			}
		}
	})
}

// A document whose aliases expand a long string a thousand-fold is refused
// with the line of the file where it outgrows its size, instead of being
// read as tens of megabytes (gigabytes for a file of a megabyte).
func TestReadDocsAliasBomb(t *testing.T) {
	data := yamltest.LongStringBomb("kind: A\n---\nkind: B\n", 16<<10)
	_, err := ReadDocs("g.yaml", data)
	if err == nil || !strings.HasPrefix(err.Error(), "g.yaml:") || !strings.Contains(err.Error(), "alias") {
		t.Fatalf("error = %.200v, want one naming g.yaml and the aliases", err)
	}
	if line, _ := strconv.Atoi(strings.Split(err.Error(), ":")[1]); line < 5 || line > 15 {
		t.Errorf("error = %.200v, want it on a line of the second document (5-15)", err)
	}
	// "..." ends a document without starting one that Split would cut: the
	// bomb must not pass because what follows it does not parse.
	if _, err := ReadDocs("g.yaml", append(yamltest.LongStringBomb("kind: A\n", 16<<10), "...\n\"\n"...)); err == nil {
		t.Errorf("a bomb followed by \"...\" and a syntax error was read")
	}
	docs, err := ReadDocs("g.yaml", []byte("kind: A\nmetadata: {labels: &l {a: b}}\nspec: {labels: *l}\n"))
	if err != nil || len(docs) != 1 {
		t.Fatalf("an honest alias: %v", err)
	}
}

// A key JSON cannot hold gives yamlsafe.ErrMapKey, the same on every run,
// not sigs.k8s.io/yaml's error, which names whichever such key it meets first.
func TestReadDocsMapKeyErrorIsStable(t *testing.T) {
	if _, err := ReadDocs("g.yaml", []byte("kind: A\n---\nkind: B\na: {~: 1}\nb: {~: 2}\n")); !errors.Is(err, yamlsafe.ErrMapKey) || !strings.HasPrefix(err.Error(), "g.yaml:3: ") {
		t.Fatalf("error = %v, want yamlsafe.ErrMapKey after \"g.yaml:3: \"", err)
	}
}

// A document that is not an object, or has no kind, gets a short error of
// its own, not apimachinery's, which quotes the whole document.
func TestReadDocsNotAnObject(t *testing.T) {
	for in, want := range map[string]string{
		"kind: A\n---\n- 1\n- 2\n":         "g.yaml:3: document is not a mapping",
		"\"x\"\n":                          "g.yaml:1: document is not a mapping",
		"a: 1\nb: [1, 2]\n":                "g.yaml:1: document has no kind",
		"kind: 3\nspec: {x: long value}\n": "g.yaml:1: document has no kind",
	} {
		_, err := ReadDocs("g.yaml", []byte(in))
		if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "{") {
			t.Errorf("ReadDocs(%q) = %v, want %q and no quoted document", in, err, want)
		}
	}
}
