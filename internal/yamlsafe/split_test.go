package yamlsafe

import (
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	in := "a: 1\n" + // 1
		"---\n" + // 2
		"b: 2\n" + // 3
		"----\n" + // 4: not a separator
		"--- # a comment\n" + // 5
		"--- {kind: C}\n" + // 6: a document on its separator's line
		"---\t\r\n" + // 7
		"---\t[d]\n" + // 8: after a tab
		"# only a comment\n" + // 9
		"---" // 10, without a newline
	got := Split([]byte(in))
	want := []Doc{
		{Line: 1, Text: []byte("a: 1\n")},
		{Line: 3, Text: []byte("b: 2\n----\n")},
		{Line: 6, Text: nil},
		{Line: 6, Text: []byte("--- {kind: C}\n")},
		{Line: 8, Text: nil},
		{Line: 8, Text: []byte("---\t[d]\n# only a comment\n")},
		{Line: 11, Text: nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Split =\n%+v\nwant\n%+v", got, want)
	}
	for i, blank := range []bool{false, false, true, false, true, false, true} {
		if Blank(got[i].Text) != blank {
			t.Errorf("Blank(%q) = %v, want %v", got[i].Text, !blank, blank)
		}
	}
}
