// Package yamlsafe guards the readers of user YAML against documents whose
// aliases expand them far beyond their size, and makes sigs.k8s.io/yaml's
// errors the same from one run to the next.
package yamlsafe

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// Budget bounds what a document of size bytes may grow to through aliases,
// counted as one per value plus the bytes of every scalar and key. Without
// aliases a document is about its own size, so ten times that, and never
// less than 4 MiB, leaves room for any honest use of anchors (a List of Jobs
// sharing a long command), while a "billion laughs" document, or a few
// aliases of a long string, is refused before it is expanded.
func Budget(size int) int { return 10*size + 4<<20 }

// AliasError is a document whose aliases expand it beyond its Budget.
type AliasError struct {
	Line int // of the value at which the expansion outgrew the budget, 1 for the document's first
}

// Problem is what an AliasError says, without its line.
const Problem = "aliases expand the document beyond a sane size (a YAML alias bomb?)"

func (e *AliasError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, Problem) }

// ErrMapKey is sigs.k8s.io/yaml's refusal of a mapping key JSON cannot
// hold. Its own error names the first such key met in Go's map order, so a
// document with two of them gave one message or the other; ToJSON names the
// first in the document instead.
var ErrMapKey = errors.New("unsupported mapping key: null, or an integer above 2^63-1")

// ToJSON converts the first YAML document of data to JSON, as
// sigs.k8s.io/yaml.YAMLToJSON does, after CheckAliases.
func ToJSON(data []byte) ([]byte, error) {
	if err := CheckAliases(data); err != nil {
		return nil, err
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil && strings.HasPrefix(err.Error(), "unsupported map key") {
		return nil, mapKeyError(data)
	}
	if err != nil {
		return nil, clampLine(err, data)
	}
	return js, nil
}

// Lines is the number of lines of data as the YAML decoders count them:
// "\n", "\r\n", a lone "\r", and U+0085, U+2028 and U+2029 each end one.
func Lines(data []byte) int {
	n := 1 + bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) - bytes.Count(data, []byte("\r\n"))
	for _, br := range []string{"\u0085", "\u2028", "\u2029"} {
		n += bytes.Count(data, []byte(br))
	}
	return n
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+):`)

// clampLine keeps a syntax error's line inside the input: at its end the
// decoders name the line after the last.
func clampLine(err error, data []byte) error {
	m := syntaxLine.FindStringSubmatchIndex(err.Error())
	if m == nil {
		return err
	}
	msg := err.Error()
	if n, _ := strconv.Atoi(msg[m[2]:m[3]]); n > Lines(data) {
		return fmt.Errorf("%s%d%s", msg[:m[2]], Lines(data), msg[m[3]:])
	}
	return err
}

// mapKeyError names the first key of data, in document order, that JSON
// cannot hold.
func mapKeyError(data []byte) error {
	var root yamlv3.Node
	if yamlv3.Unmarshal(data, &root) == nil {
		if k := badKey(&root); k != nil {
			return fmt.Errorf("line %d: %w (key %q)", k.Line, ErrMapKey, k.Value)
		}
	}
	return ErrMapKey
}

func badKey(n *yamlv3.Node) *yamlv3.Node {
	if n.Kind == yamlv3.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if _, err := strconv.ParseInt(strings.ReplaceAll(k.Value, "_", ""), 0, 64); k.ShortTag() == "!!null" || k.ShortTag() == "!!int" && err != nil {
				return k
			}
		}
	}
	for _, c := range n.Content {
		if k := badKey(c); k != nil {
			return k
		}
	}
	return nil
}

// CheckAliases returns an *AliasError when the first document of data, its
// aliases expanded, outgrows Budget(len(data)). An input with aliases that
// does not parse is refused with the parser's error: the decoders that
// expand aliases may accept a first document that this parser, reading a
// little further, does not, and that document must not go unchecked.
func CheckAliases(data []byte) error {
	if !bytes.Contains(data, []byte("&")) || !bytes.Contains(data, []byte("*")) {
		return nil
	}
	var root yamlv3.Node
	if err := yamlv3.Unmarshal(data, &root); err != nil {
		return clampLine(err, data)
	}
	return CheckNode(&root, len(data))
}

// CheckNode is CheckAliases for a document already parsed from size bytes.
// Each anchor's expanded size is computed once, so the check is linear in
// the document however far its aliases would expand.
func CheckNode(root *yamlv3.Node, size int) error {
	budget, used := Budget(size), 0
	sizes := map[*yamlv3.Node]int{} // expanded size of anchored nodes; 0 while being sized
	var expanded func(n *yamlv3.Node) int
	expanded = func(n *yamlv3.Node) int {
		if n.Kind == yamlv3.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		if s, seen := sizes[n]; seen {
			return s // 0 for an anchor used inside itself, which the decoders refuse
		}
		if n.Anchor != "" {
			sizes[n] = 0
		}
		s := 1 + len(n.Value)
		for _, c := range n.Content {
			if s += expanded(c); s > budget {
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
			used += expanded(n)
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
	if line := walk(root); line > 0 {
		return &AliasError{Line: line}
	}
	return nil
}
