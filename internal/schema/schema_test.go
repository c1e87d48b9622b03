package schema

import (
	"strings"
	"testing"
)

func TestProblems(t *testing.T) {
	s, err := Compiled("t.json", []byte(`{"type":"object","required":["a"],"properties":{"b":{"type":"integer"},"c":{"enum":["x","y"]}}}`), false)()
	if err != nil {
		t.Fatal(err)
	}
	err = s.Validate(map[string]any{"b": "two", "c": "z"})
	got := Problems(err)
	var lines []string
	for _, p := range got {
		lines = append(lines, p.String())
	}
	joined := strings.Join(lines, "\n")
	for _, want := range []string{"at /: missing properties: 'a'", "at /b: expected integer, but got string", "at /c: value must be one of"} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems lack %q:\n%s", want, joined)
		}
	}
	if len(got) != 3 {
		t.Errorf("%d problems, want 3:\n%s", len(got), joined)
	}
	if Problems(nil) != nil {
		t.Error("no error, some problems")
	}
}

func TestBrokenSchema(t *testing.T) {
	if _, err := Compiled("bad.json", []byte(`{"type": 5}`), false)(); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("err = %v", err)
	}
}

// The validator lists unknown properties in map order; Problems sorts them,
// so one document always gives one message.
func TestProblemsNameUnknownPropertiesInOrder(t *testing.T) {
	s, err := Compiled("t.json", []byte(`{"type":"object","additionalProperties":false}`), false)()
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"e": 1, "b": 1, "d": 1, "a": 1, "c": 1}
	for range 20 {
		ps := Problems(s.Validate(doc))
		if len(ps) != 1 || ps[0].Message != "additionalProperties 'a', 'b', 'c', 'd', 'e' not allowed" {
			t.Fatalf("problems = %v", ps)
		}
	}
}
