package snapshot

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// decodeValueCases are documents on which decodeValue must agree with
// encoding/json: the edges of the grammar, of string unescaping and of
// the nesting limit.
var decodeValueCases = []struct {
	name, in string
}{
	{"empty", ""},
	{"only space", " \t\r\n"},
	{"null", "null"},
	{"true", " true "},
	{"false", "false"},
	{"truncated literal", "tru"},
	{"bad literal", "trUe"},
	{"capital literal", "True"},
	{"nul", "nul"},
	{"NaN", "NaN"},
	{"Infinity", "-Infinity"},
	{"string", `"abc"`},
	{"empty string", `""`},
	{"unterminated string", `"abc`},
	{"single quotes", `'abc'`},
	{"escapes", `"\"\\\/\b\f\n\r\t"`},
	{"escaped apostrophe", `"\'"`},
	{"bad escape", `"\x"`},
	{"escape at end", `"\`},
	{"unicode escape", `"\u00e9\u4E2D\u0000"`},
	{"short unicode escape", `"\u12"`},
	{"bad unicode escape", `"\u12g4"`},
	{"surrogate pair", `"\ud83d\ude00"`},
	{"lone high surrogate", `"\ud83dx"`},
	{"lone high surrogate at end", `"\ud83d"`},
	{"lone low surrogate", `"\ude00"`},
	{"two high surrogates", `"\ud83d\ud83d\ude00"`},
	{"high surrogate and other escape", `"\ud83d\u0041"`},
	{"high surrogate and short escape", `"\ud83d\u00"`},
	{"high surrogate and bad escape", `"\ud83d\n"`},
	{"reversed pair", `"\ude00\ud83d"`},
	{"utf-8", `"héllo 中文 😀"`},
	{"invalid utf-8", "\"a\xffb\xfe\""},
	{"truncated utf-8", "\"\xe4\xb8\""},
	{"utf-8 surrogate", "\"\xed\xa0\x80\""},
	{"overlong utf-8", "\"\xc0\xaf\""},
	{"invalid utf-8 then escape", "\"\xff\\n\""},
	{"replacement char", "\"\xef\xbf\xbd\""},
	{"control char", "\"a\x01b\""},
	{"newline in string", "\"a\nb\""},
	{"tab in string", "\"a\tb\""},
	{"del in string", "\"a\x7fb\""},
	{"invalid utf-8 outside string", "\xff"},
	{"bom", "\xef\xbb\xbf{}"},
	{"zero", "0"},
	{"negative zero", "-0"},
	{"integer", "12345"},
	{"big integer", "123456789012345678901234567890123456789012345678901234567890"},
	{"negative", "-17"},
	{"fraction", "3.25"},
	{"exponent", "1e10"},
	{"exponent signs", "[1E+2,1e-2,-1.5E-300,0e0,0.0e+0]"},
	{"huge exponent", "1e999999"},
	{"leading zero", "01"},
	{"negative leading zero", "-01"},
	{"dot without digits", "1."},
	{"leading dot", ".5"},
	{"minus alone", "-"},
	{"minus space", "- 1"},
	{"plus", "+1"},
	{"exponent without digits", "1e"},
	{"exponent sign without digits", "1e+"},
	{"double exponent", "1e2e3"},
	{"hex", "0x10"},
	{"number then letter", "1x"},
	{"number then space letter", "1 x"},
	{"zero then digit in array", "[00]"},
	{"empty object", "{}"},
	{"empty array", "[]"},
	{"empty with spaces", "{ \n }\t[ ]"},
	{"spaced empties", "[ { } , [ ] ]"},
	{"nested", `{"a":[1,{"b":null},"c",true,false,[]],"d":{}}`},
	{"whitespace everywhere", " {\r\n\t\"a\" :\t[ 1 ,\n2 ] , \"b\" : { } } \n"},
	{"vertical tab", "\v1"},
	{"form feed", "1\f"},
	{"nbsp", "\u00a01"},
	{"duplicate keys", `{"a":1,"b":2,"a":3}`},
	{"duplicate keys differing types", `{"a":{"x":1},"a":[1]}`},
	{"escaped duplicate key", `{"a":1,"\u0061":2}`},
	{"unicode keys", `{"ключ":"значение","键":"值","\ud83d\ude00":"😀"}`},
	{"empty key", `{"":1}`},
	{"same text as key and value", `{"v1":"v1","1":1,"x":"1"}`},
	{"trailing comma in object", `{"a":1,}`},
	{"trailing comma in array", `[1,]`},
	{"leading comma", `[,1]`},
	{"double comma", `[1,,2]`},
	{"missing comma", `[1 2]`},
	{"missing colon", `{"a" 1}`},
	{"missing value", `{"a":}`},
	{"unquoted key", `{a:1}`},
	{"number key", `{1:1}`},
	{"single-quoted key", `{'a':1}`},
	{"unclosed object", `{"a":1`},
	{"unclosed array", `[1,2`},
	{"unclosed key", `{"a`},
	{"object after key", `{"a"`},
	{"mismatched close", `[1}`},
	{"extra close", `[1]]`},
	{"trailing data", `{} {}`},
	{"trailing garbage", `{}x`},
	{"two values", `1 2`},
	{"trailing nul", "{}\x00"},
	{"line comment", "// c\n{}"},
	{"block comment", "{/* c */}"},
	{"comment after", "{} // c"},
	{"semicolon", "{};"},
	{"long strings", `{"` + strings.Repeat("k", 40) + `":"` + strings.Repeat("v", 40) + `","n":` + strings.Repeat("9", 40) + `}`},
	{"long escaped string", `"` + strings.Repeat(`a\u00e9`, 30) + `"`},
	{"depth at the limit", strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)},
	{"depth beyond the limit", strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)},
	{"object depth at the limit", strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth)},
	{"object depth beyond the limit", strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1)},
	{"mixed depth beyond the limit", strings.Repeat(`[{"a":`, maxDepth/2) + "[1]" + strings.Repeat("}]", maxDepth/2)},
	{"deep and unclosed", strings.Repeat("[", 20000)},
}

// TestDecodeValue holds decodeValue to encoding/json with UseNumber
// (unmarshal into an any) on decodeValueCases and the snapshot fixture.
func TestDecodeValue(t *testing.T) {
	for _, tt := range decodeValueCases {
		t.Run(tt.name, func(t *testing.T) { sameAsJSON(t, []byte(tt.in)) })
	}
	t.Run("fixture", func(t *testing.T) {
		raw, err := os.ReadFile(fixture)
		if err != nil {
			t.Fatal(err)
		}
		sameAsJSON(t, raw)
	})
}

// sameAsJSON fails unless decodeValue and unmarshal both refuse data, or
// both decode it to equal values.
func sameAsJSON(t *testing.T, data []byte) {
	t.Helper()
	var want any
	wantErr := unmarshal(data, &want)
	got, err := decodeValue(data)
	switch {
	case wantErr != nil && err == nil:
		t.Fatalf("decodeValue(%q) = %#v, encoding/json: %v", data, got, wantErr)
	case wantErr == nil && err != nil:
		t.Fatalf("decodeValue(%q): %v, encoding/json gives %#v", data, err, want)
	case err != nil:
		if !strings.HasPrefix(err.Error(), "invalid JSON at line ") {
			t.Errorf("decodeValue(%q): error %q does not give the position", data, err)
		}
	case !reflect.DeepEqual(got, want):
		t.Fatalf("decodeValue(%q) = %#v, encoding/json gives %#v", data, got, want)
	}
}

// TestDecodeValueErrors checks that a syntax error names the line and column
// of the offending byte, and what is wrong.
func TestDecodeValueErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "line 1, column 1: unexpected end of JSON input"},
		{"x", "line 1, column 1: invalid character 'x' looking for beginning of value"},
		{"{\n  \"a\": ,\n}", "line 2, column 8: invalid character ',' looking for beginning of value"},
		{"[1,\n2,]", "line 2, column 3: invalid character ']' looking for beginning of value"},
		{`{"a" 1}`, "line 1, column 6: invalid character '1' after object key"},
		{`{"a":1 "b":2}`, "line 1, column 8: invalid character '\"' after object key:value pair"},
		{`{1:1}`, "line 1, column 2: invalid character '1' looking for beginning of object key string"},
		{`[1 2]`, "line 1, column 4: invalid character '2' after array element"},
		{"\"a\nb\"", "line 1, column 3: invalid character '\\n' in string literal"},
		{`"\x"`, `line 1, column 3: invalid character 'x' in string escape code`},
		{`"\u12g4"`, `line 1, column 6: invalid character 'g' in \u hexadecimal character escape`},
		{"01", "line 1, column 2: data after the document: invalid character '1'"},
		{"-x", "line 1, column 2: invalid character 'x' in numeric literal"},
		{"1.x", "line 1, column 3: invalid character 'x' after decimal point in numeric literal"},
		{"1e+x", "line 1, column 4: invalid character 'x' in exponent of numeric literal"},
		{"tRue", "line 1, column 2: invalid character 'R' in literal true (expecting 'r')"},
		{"[1", "line 1, column 3: unexpected end of JSON input"},
		{"{}\n {}", "line 2, column 2: data after the document: invalid character '{'"},
		{strings.Repeat("[", maxDepth+1), fmt.Sprintf("line 1, column %d: exceeded max depth", maxDepth+1)},
	}
	for _, tt := range tests {
		t.Run(tt.in[:min(len(tt.in), 20)], func(t *testing.T) {
			_, err := decodeValue([]byte(tt.in))
			if want := "invalid JSON at " + tt.want; err == nil || err.Error() != want {
				t.Errorf("decodeValue(%q): error %v, want %s", tt.in, err, want)
			}
		})
	}
}

// FuzzDecodeValue holds decodeValue to encoding/json on any input.
func FuzzDecodeValue(f *testing.F) {
	for _, tt := range decodeValueCases {
		f.Add([]byte(tt.in))
	}
	raw, err := os.ReadFile(fixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Fuzz(sameAsJSON)
}

// BenchmarkDecodeValue compares decodeValue with encoding/json on a
// snapshot of about 4 MB: the fixture's objects, copied under other names.
func BenchmarkDecodeValue(b *testing.B) {
	data := bigDocument(b, 4<<20)
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var doc any
			if err := unmarshal(data, &doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decodeValue", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := decodeValue(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// bigDocument returns the fixture with its objects repeated until the
// document has size bytes, each copy's names and UIDs suffixed with its
// number, so that not every string repeats.
func bigDocument(tb testing.TB, size int) []byte {
	raw, err := os.ReadFile(fixture)
	if err != nil {
		tb.Fatal(err)
	}
	var doc map[string]any
	if err := unmarshal(raw, &doc); err != nil {
		tb.Fatal(err)
	}
	objs := doc["objects"].(map[string]any)
	var all []any
	for _, list := range objs {
		all = append(all, list.([]any)...)
	}
	for n, total := 1, len(raw); total < size; n++ {
		for _, obj := range all {
			b, err := appendJSON(nil, obj)
			if err != nil {
				tb.Fatal(err)
			}
			total += len(b)
			var c map[string]any
			if err := unmarshal(b, &c); err != nil {
				tb.Fatal(err)
			}
			md := c["metadata"].(map[string]any)
			for _, f := range []string{"name", "uid"} {
				if s, ok := md[f].(string); ok {
					md[f] = fmt.Sprintf("%s-%d", s, n)
				}
			}
			k := c["kind"].(string)
			objs[k] = append(objs[k].([]any), c)
		}
	}
	out, err := appendJSON(nil, doc)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
