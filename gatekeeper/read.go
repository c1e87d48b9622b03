package gatekeeper

import (
	"bytes"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Doc is one YAML or JSON document of a file, decoded as Kubernetes decodes
// it (YAML 1.1 through sigs.k8s.io/yaml), with where it starts.
type Doc struct {
	File string
	Line int // 1-based line of the document's first line
	Text []byte
	Obj  *unstructured.Unstructured
}

// Where returns "file:line".
func (d Doc) Where() string { return fmt.Sprintf("%s:%d", d.File, d.Line) }

// ReadDocs splits data on "---" lines and decodes every non-empty document.
// An error names the file and the line of the document that failed.
func ReadDocs(name string, data []byte) ([]Doc, error) {
	var docs []Doc
	for _, c := range splitDocs(data) {
		if isBlank(c.text) {
			continue
		}
		js, err := yaml.YAMLToJSON(c.text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, c.line, err)
		}
		if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, c.line, err)
		}
		docs = append(docs, Doc{File: name, Line: c.line, Text: c.text, Obj: u})
	}
	return docs, nil
}

type chunk struct {
	line int
	text []byte
}

// splitDocs cuts a multi-document stream at lines that start with "---".
func splitDocs(data []byte) []chunk {
	var out []chunk
	lines := bytes.SplitAfter(data, []byte("\n"))
	start, cur := 1, []byte{}
	for i, l := range lines {
		t := bytes.TrimRight(l, "\r\n")
		if bytes.HasPrefix(t, []byte("---")) && (len(t) == 3 || t[3] == ' ' || t[3] == '\t') {
			out = append(out, chunk{line: start, text: cur})
			start, cur = i+2, []byte{}
			continue
		}
		cur = append(cur, l...)
	}
	return append(out, chunk{line: start, text: cur})
}

// isBlank reports whether a document holds only blank lines and comments.
func isBlank(b []byte) bool {
	for _, l := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") {
			return false
		}
	}
	return true
}

// firstContentLine returns the line of the first non-blank, non-comment line
// of a document that starts at line start.
func firstContentLine(d Doc) int {
	for i, l := range strings.Split(string(d.Text), "\n") {
		t := strings.TrimSpace(l)
		if t != "" && !strings.HasPrefix(t, "#") {
			return d.Line + i
		}
	}
	return d.Line
}
