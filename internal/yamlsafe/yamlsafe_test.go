package yamlsafe

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/internal/yamlsafe/yamltest"
)

func TestCheckAliases(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		line int // of the AliasError; 0 for none
	}{
		{"no aliases", "a: 1\nb: [x, y]\n", 0},
		{"an honest anchor", "base: &b {cpu: 1, memory: 2Gi}\nx: *b\ny: *b\nz: *b\n", 0},
		{"an anchor used inside itself", "a: &a [*a]\n", 0}, // the decoder refuses it
		{"no alias, and does not parse (left to the decoder)", "a: &a [\n", 0},
		// About 650 bytes allow 4,200,000 (the 4 MiB floor): a0 to a18
		// make 3,100,000, and a19 on line 20 another 3,100,000.
		{"doubling 32 times", string(yamltest.Hostile()[0]), 20},
		// 17,000 bytes allow 4,360,000: a0 to a7 make 4,200,000, and a8 on
		// line 11 another 4,200,000.
		{"a long string doubled 10 times", string(yamltest.LongStringBomb("k: v\n", 16<<10)), 11},
		// The same with the long string as a mapping key: keys count too.
		{"a long key doubled 10 times", longKeyBomb(), 12},
		// Sixty Jobs sharing a 2 KiB command: 130 KB of JSON from 11 KB.
		{"a List sharing a long command", honestList(), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckAliases([]byte(c.doc))
			var bomb *AliasError
			switch {
			case c.line == 0 && err != nil:
				t.Fatalf("CheckAliases = %v, want nil", err)
			case c.line != 0 && !errors.As(err, &bomb):
				t.Fatalf("CheckAliases = %v, want an AliasError", err)
			case c.line != 0 && bomb.Line != c.line:
				t.Fatalf("line = %d, want %d (%v)", bomb.Line, c.line, err)
			}
		})
	}
}

func TestToJSON(t *testing.T) {
	js, err := ToJSON([]byte("base: &b {cpu: 1}\nx: *b\n"))
	if err != nil || string(js) != `{"base":{"cpu":1},"x":{"cpu":1}}` {
		t.Fatalf("ToJSON = %s, %v", js, err)
	}
	if _, err := ToJSON(yamltest.LongStringBomb("", 16<<10)); err == nil || !strings.HasPrefix(err.Error(), "line 10: "+Problem) {
		t.Fatalf("ToJSON(bomb) = %v, want an alias error on line 10", err)
	}
	// yaml.v3 reads a little into the next document, and fails on it, where
	// sigs.k8s.io/yaml converts the first and stops: the check must not
	// give way.
	for _, tail := range []string{"---\n\"", "...\n\"", "...\n!<", "--- \"x\n"} {
		if _, err := ToJSON(append(yamltest.LongStringBomb("", 16<<10), tail...)); err == nil {
			t.Errorf("ToJSON(bomb + %q) converted the bomb", tail)
		}
	}
	// sigs.k8s.io/yaml names whichever bad key it meets first in map order,
	// with its value; ToJSON names the first in the document.
	for in, want := range map[string]string{
		"a: {~: 1}\nb: {~: 2}\n":                       `line 1: ` + ErrMapKey.Error() + ` (key "~")`,
		"a: 1\nb:\n  9223372036854775808: x\n  ~: y\n": `line 3: ` + ErrMapKey.Error() + ` (key "9223372036854775808")`,
	} {
		if _, err := ToJSON([]byte(in)); !errors.Is(err, ErrMapKey) || err.Error() != want {
			t.Errorf("ToJSON(%q) = %v, want %s", in, err, want)
		}
	}
}

// honestList is a List of sixty Jobs that share one 2 KiB command through
// an anchor, as generated manifests do.
func honestList() string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: List\nitems:\n")
	for i := range 60 {
		cmd := "*cmd"
		if i == 0 {
			cmd = "&cmd [sh, -c, \"" + strings.Repeat("echo x; ", 256) + "\"]"
		}
		fmt.Fprintf(&b, "- {apiVersion: batch/v1, kind: Job, metadata: {name: j%d}, spec: {template: {spec: {containers: [{name: c, image: busybox, command: %s}]}}}}\n", i, cmd)
	}
	return b.String()
}

// FuzzToJSON checks that no input converts to more JSON than its Budget
// allows (a scalar byte is at most six bytes of JSON, "\u0000"), and that
// an AliasError names a line of the input.
func FuzzToJSON(f *testing.F) {
	for _, seed := range yamltest.Hostile() {
		f.Add(seed)
	}
	bomb := yamltest.LongStringBomb("k: v\n", 1<<10)
	for _, tail := range []string{"", "---\n\"", "...\n\"", "...\n!<", "--- \"x\n"} {
		f.Add(append(bomb[:len(bomb):len(bomb)], tail...))
	}
	f.Add([]byte(honestList()))
	f.Fuzz(func(t *testing.T, data []byte) {
		js, err := ToJSON(data)
		var bomb *AliasError
		switch {
		case errors.As(err, &bomb):
			if lines := bytes.Count(data, []byte("\n")) + 1; bomb.Line < 1 || bomb.Line > lines {
				t.Fatalf("alias error on line %d of %d", bomb.Line, lines)
			}
		case err == nil && len(js) > 6*Budget(len(data)):
			t.Fatalf("%d bytes of YAML gave %d bytes of JSON", len(data), len(js))
		case err != nil:
			if m := syntaxLine.FindStringSubmatch(err.Error()); m != nil {
				if n, _ := strconv.Atoi(m[1]); n < 1 || n > Lines(data) {
					t.Fatalf("syntax error on line %d of %d: %v", n, Lines(data), err)
				}
			}
		}
	})
}

// longKeyBomb is yamltest.LongStringBomb with its long string as a mapping
// key: a0 on line 2, a8 on line 12.
func longKeyBomb() string {
	var b strings.Builder
	b.WriteString("k: v\na0: &a0\n  ? " + strings.Repeat("x", 16<<10) + "\n  : 1\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	return b.String()
}

func TestLines(t *testing.T) {
	for in, want := range map[string]int{
		"": 1, "a": 1, "a\n": 2, "a\r\nb": 2, "a\rb\rc": 3, "a\u0085b": 2, "a\u2028b\u2029c\n": 4,
	} {
		if got := Lines([]byte(in)); got != want {
			t.Errorf("Lines(%q) = %d, want %d", in, got, want)
		}
	}
	// At the end of the input the decoders name the line after the last.
	if _, err := ToJSON([]byte("0:\n0")); err == nil || !strings.HasPrefix(err.Error(), "yaml: line 2: ") {
		t.Errorf("ToJSON = %v, want a syntax error on line 2", err)
	}
}
