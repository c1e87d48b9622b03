package gatekeeper

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/fleetguard/fleetguard/internal/yamlsafe"
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
	for _, c := range yamlsafe.Split(data) {
		if yamlsafe.Blank(c.Text) {
			continue
		}
		js, err := yamlsafe.ToJSON(c.Text)
		var bomb *yamlsafe.AliasError
		if errors.As(err, &bomb) {
			return nil, fmt.Errorf("%s:%d: %s", name, c.Line+bomb.Line-1, yamlsafe.Problem)
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, c.Line, err)
		}
		if js = bytes.TrimSpace(js); string(js) == "null" {
			continue
		}
		if len(js) == 0 || js[0] != '{' {
			return nil, fmt.Errorf("%s:%d: %s", name, c.Line, yamlsafe.NotAMapping)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(js); err != nil {
			// apimachinery's error quotes the whole document.
			if strings.HasPrefix(err.Error(), "Object 'Kind' is missing") {
				return nil, fmt.Errorf("%s:%d: document has no kind, or one that is not a string", name, c.Line)
			}
			return nil, fmt.Errorf("%s:%d: %w", name, c.Line, err)
		}
		docs = append(docs, Doc{File: name, Line: c.Line, Text: c.Text, Obj: u})
	}
	return docs, nil
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
