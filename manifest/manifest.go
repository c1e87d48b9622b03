// Package manifest reads Kubernetes manifests: YAML and JSON files,
// multi-document files, `kind: List`, directories and standard input. Every
// object keeps the file and line it came from; a malformed document is
// reported with its file and line and the rest is still read.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/internal/yamlsafe"
)

// Object is one decoded Kubernetes object and where it was read from.
type Object struct {
	Object map[string]any
	Source engine.Source
}

// Stdin is the path that names standard input.
const Stdin = "-"

// extensions are the file types read when walking a directory.
var extensions = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// Read reads every path (files, directories recursively, or "-" for stdin)
// and returns the objects in path order. Problems are returned as input
// errors (warnings for skipped documents); they never stop the read.
func Read(paths []string, stdin io.Reader) ([]Object, []engine.InputError) {
	var files []file
	var errs []engine.InputError
	for _, p := range paths {
		if p == Stdin {
			data, err := io.ReadAll(stdin)
			if err != nil {
				errs = append(errs, engine.InputError{File: "<stdin>", Message: "reading standard input: " + err.Error()})
				continue
			}
			files = append(files, file{name: "<stdin>", data: data})
			continue
		}
		fs, ferrs := collect(p)
		files = append(files, fs...)
		errs = append(errs, ferrs...)
	}
	var docs []document
	for _, f := range files {
		docs = append(docs, split(f.name, f.data)...)
	}
	objs, perrs := parseAll(docs)
	return objs, append(errs, perrs...)
}

// Parse reads the documents of one file's content. name is used in sources
// and errors.
func Parse(name string, data []byte) ([]Object, []engine.InputError) {
	return parseAll(split(name, data))
}

type file struct {
	name string
	data []byte
}

func collect(root string) ([]file, []engine.InputError) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, []engine.InputError{{File: root, Message: describe(err)}}
	}
	if !info.IsDir() {
		data, err := os.ReadFile(root)
		if err != nil {
			return nil, []engine.InputError{{File: root, Message: describe(err)}}
		}
		return []file{{name: root, data: data}}, nil
	}
	var files []file
	var errs []engine.InputError
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, engine.InputError{File: path, Message: describe(err)})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !extensions[strings.ToLower(filepath.Ext(path))] {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, engine.InputError{File: path, Message: describe(err)})
			return nil
		}
		files = append(files, file{name: path, data: data})
		return nil
	})
	if err != nil {
		errs = append(errs, engine.InputError{File: root, Message: describe(err)})
	}
	return files, errs
}

func describe(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return "no such file or directory"
		case errors.Is(err, fs.ErrPermission):
			return "permission denied"
		}
		return pe.Err.Error()
	}
	return err.Error()
}

// document is one YAML document's text and the line it starts on.
type document struct {
	file string
	line int
	text []byte
}

// split cuts a file into YAML documents, keeping each document's first
// line so errors and findings point into the file.
func split(name string, data []byte) []document {
	parts := yamlsafe.Split(data)
	docs := make([]document, len(parts))
	for i, p := range parts {
		docs[i] = document{file: name, line: p.Line, text: p.Text}
	}
	return docs
}

func parseAll(docs []document) ([]Object, []engine.InputError) {
	type out struct {
		objs []Object
		errs []engine.InputError
	}
	results := make([]out, len(docs))
	var wg sync.WaitGroup
	next := make(chan int, len(docs))
	for i := range docs {
		next <- i
	}
	close(next)
	workers := min(runtime.GOMAXPROCS(0), len(docs))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i].objs, results[i].errs = parseDocument(docs[i])
			}
		}()
	}
	wg.Wait()
	var objs []Object
	var errs []engine.InputError
	for _, r := range results {
		objs = append(objs, r.objs...)
		errs = append(errs, r.errs...)
	}
	return objs, errs
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func parseDocument(d document) (objs []Object, errs []engine.InputError) {
	if len(bytes.TrimSpace(d.text)) == 0 {
		return nil, nil
	}
	defer func() {
		if r := recover(); r != nil {
			errs = append(errs, engine.InputError{File: d.file, Line: d.line, Message: fmt.Sprintf("malformed document: %v", r)})
		}
	}()
	var n yaml.Node
	if err := yaml.Unmarshal(d.text, &n); err != nil {
		return nil, []engine.InputError{yamlError(d, err)}
	}
	if n.Kind == 0 || len(n.Content) == 0 || n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag == "!!null" {
		return nil, nil // only comments
	}
	root := n.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, []engine.InputError{{File: d.file, Line: d.line + root.Line - 1, Message: yamlsafe.NotAMapping}}
	}
	var bomb *yamlsafe.AliasError
	if err := yamlsafe.CheckNode(&n, len(d.text)); errors.As(err, &bomb) {
		return nil, []engine.InputError{{File: d.file, Line: d.line + bomb.Line - 1, Message: yamlsafe.Problem}}
	}
	v, err := convert(root, 0)
	if err != nil {
		return nil, []engine.InputError{{File: d.file, Line: d.line + root.Line - 1, Message: err.Error()}}
	}
	obj := v.(map[string]any)
	if kind, _ := obj["kind"].(string); kind == "List" || strings.HasSuffix(kind, "List") && obj["items"] != nil {
		items := mappingValue(root, "items")
		list, _ := obj["items"].([]any)
		for i, it := range list {
			line := d.line + root.Line - 1
			if items != nil && i < len(items.Content) {
				line = d.line + items.Content[i].Line - 1
			}
			m, ok := it.(map[string]any)
			if !ok {
				errs = append(errs, engine.InputError{File: d.file, Line: line, Message: fmt.Sprintf("items[%d] of %s is not an object", i, kind), Warning: true})
				continue
			}
			o, err := check(m, engine.Source{File: d.file, Line: line})
			if err != nil {
				errs = append(errs, *err)
				continue
			}
			objs = append(objs, o)
		}
		return objs, errs
	}
	o, ierr := check(obj, engine.Source{File: d.file, Line: d.line + root.Line - 1})
	if ierr != nil {
		return nil, []engine.InputError{*ierr}
	}
	return []Object{o}, nil
}

// check keeps objects that carry apiVersion and kind; others are skipped with a warning.
func check(m map[string]any, src engine.Source) (Object, *engine.InputError) {
	av, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	if av == "" || kind == "" {
		var missing []string
		if av == "" {
			missing = append(missing, "apiVersion")
		}
		if kind == "" {
			missing = append(missing, "kind")
		}
		what := "document"
		if md, ok := m["metadata"].(map[string]any); ok {
			if name, _ := md["name"].(string); name != "" {
				what = fmt.Sprintf("document %q", name)
			}
		}
		return Object{}, &engine.InputError{File: src.File, Line: src.Line, Warning: true,
			Message: fmt.Sprintf("%s has no %s; skipped", what, strings.Join(missing, " or "))}
	}
	return Object{Object: m, Source: src}, nil
}

func yamlError(d document, err error) engine.InputError {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := d.line
	if m := yamlLine.FindStringSubmatchIndex(msg); m != nil {
		rel, _ := strconv.Atoi(msg[m[2]:m[3]])
		line = d.line + min(rel, yamlsafe.Lines(d.text)) - 1 // at the end, yaml.v3 names the line after the last
		msg = strings.TrimSpace(strings.TrimPrefix(msg[m[1]:], ":"))
	}
	return engine.InputError{File: d.file, Line: line, Message: "malformed YAML: " + msg}
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 200

// convert turns a YAML node into the JSON-compatible values Kubernetes and
// OPA expect: map[string]any, []any, string, int64, float64, bool, nil.
// Timestamps stay strings, as they are in the Kubernetes API.
func convert(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("line %d: nesting deeper than %d levels", n.Line, maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return convert(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: unknown alias", n.Line)
		}
		return convert(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := convert(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				merged, err := convert(v, depth+1)
				if err != nil {
					return nil, err
				}
				if mm, ok := merged.(map[string]any); ok {
					for mk, mv := range mm {
						if _, set := out[mk]; !set {
							out[mk] = mv
						}
					}
				}
				continue
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
			}
			val, err := convert(v, depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = val
		}
		return out, nil
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

func scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %v", n.Line, err)
		}
		return b, nil
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return i, nil
		}
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: integer %q out of range", n.Line, n.Value)
		}
		return f, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: %v", n.Line, err)
		}
		if f != f || f > 1.7976931348623157e308 || f < -1.7976931348623157e308 {
			return n.Value, nil // NaN and infinities have no JSON form
		}
		return f, nil
	}
	return n.Value, nil
}

// Sort orders objects by file then line, the order a reader expects.
func Sort(objs []Object) {
	sort.SliceStable(objs, func(i, j int) bool {
		if objs[i].Source.File != objs[j].Source.File {
			return objs[i].Source.File < objs[j].Source.File
		}
		return objs[i].Source.Line < objs[j].Source.Line
	})
}
