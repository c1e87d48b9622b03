// Package yamlsafe guards the readers of user YAML against documents whose
// aliases expand them far beyond their size, and makes sigs.k8s.io/yaml's
// errors the same from one run to the next.
package yamlsafe

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// Budget bounds what a document of size bytes may grow to through aliases,
// counted as one per value plus the bytes of every scalar. Without aliases
// a document is about its own size, so ten times that leaves room for any
// honest use of anchors, while a "billion laughs" document, or a few
// aliases of a long string, is refused before it is expanded.
func Budget(size int) int { return 10*size + 10_000 }

// AliasError is a document whose aliases expand it beyond its Budget.
type AliasError struct {
	Line int // of the value at which the expansion outgrew the budget, 1 for the document's first
}

// Problem is what an AliasError says, without its line.
const Problem = "aliases expand the document beyond a sane size (a YAML alias bomb?)"

func (e *AliasError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, Problem) }

// ErrMapKey replaces sigs.k8s.io/yaml's error for a mapping key JSON cannot
// hold: that error names the first such key met in Go's map order, with its
// whole value, so a document with two of them gave one message or the other.
var ErrMapKey = errors.New("unsupported mapping key: null, or an integer above 2^63-1")

// ToJSON converts the first YAML document of data to JSON, as
// sigs.k8s.io/yaml.YAMLToJSON does, after CheckAliases.
func ToJSON(data []byte) ([]byte, error) {
	if err := CheckAliases(data); err != nil {
		return nil, err
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil && strings.HasPrefix(err.Error(), "unsupported map key") {
		return nil, ErrMapKey
	}
	return js, err
}

// CheckAliases returns an *AliasError when the first document of data, its
// aliases expanded, outgrows Budget(len(data)); nil when it does not, or
// when it has no aliases or does not parse (the decoder then says why).
// Each anchor's expanded size is computed once, so the check is linear in
// the document however far its aliases would expand.
func CheckAliases(data []byte) error {
	if !bytes.Contains(data, []byte("&")) || !bytes.Contains(data, []byte("*")) {
		return nil
	}
	var root yamlv3.Node
	if yamlv3.Unmarshal(data, &root) != nil {
		return nil
	}
	budget, used := Budget(len(data)), 0
	sizes := map[*yamlv3.Node]int{} // expanded size of anchored nodes; 0 while being sized
	var size func(n *yamlv3.Node) int
	size = func(n *yamlv3.Node) int {
		if n.Kind == yamlv3.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		if s, seen := sizes[n]; seen {
			return s // 0 for an anchor used inside itself, which the decoder refuses
		}
		if n.Anchor != "" {
			sizes[n] = 0
		}
		s := 1 + len(n.Value)
		for _, c := range n.Content {
			if s += size(c); s > budget {
				s = budget + 1
				break
			}
		}
		if n.Anchor != "" {
			sizes[n] = s
		}
		return s
	}
	var walk func(n *yamlv3.Node) int
	walk = func(n *yamlv3.Node) int {
		if n.Kind == yamlv3.AliasNode {
			used += size(n)
		} else {
			used += 1 + len(n.Value)
		}
		if used > budget {
			return n.Line
		}
		for _, c := range n.Content {
			if line := walk(c); line > 0 {
				return line
			}
		}
		return 0
	}
	if line := walk(&root); line > 0 {
		return &AliasError{Line: line}
	}
	return nil
}
