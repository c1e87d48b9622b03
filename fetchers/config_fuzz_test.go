package fetchers

import (
	"errors"
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

// problemLine is one problem of a ParseConfig error: "file:line: at /path: ..."
// (just "file: at ..." when the YAML cannot be walked to find the line).
var problemLine = regexp.MustCompile(`^  fuzz\.yaml(?::(\d+))?: at /`)

// yamlErrorLine is one problem of a "yaml: unmarshal errors:" list.
var yamlErrorLine = regexp.MustCompile(`^  line (\d+): `)

// FuzzConfig holds ParseConfig to its contract on any input: it never
// panics; it returns a config or an error, never both and never neither;
// every error names the file, has no stack trace, and each problem it lists
// names a line inside the input and a JSON path; a config it accepts has at
// least one cluster, unique names and contexts and a context for every
// cluster; and parsing the same bytes twice gives the same config or error.
func FuzzConfig(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/fetchers/*.yaml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("# Written by internal/testfleet.\nkubeconfig: /tmp/fleet/kubeconfig\nclusters:\n    - name: dev\n      context: dev\n      labels: {env: dev}\n      systemNamespaces: [kube-system]\n"))
	f.Add([]byte("clusters: [{name: a}]\n"))
	f.Add([]byte("clusters:\n- {name: a, context: c}\n- {name: a}\n- {name: b, context: c}\n"))
	f.Add([]byte("clusters: [{name: 'a b'}]\n"))
	f.Add([]byte("clusters: []\n"))
	f.Add([]byte("clusters: [\n"))
	f.Add([]byte(`{"clusters":[{"name":"a","labels":{"x":"1"}}],"systemNamespaces":["kube-system"]}`))
	f.Add([]byte("clusters: [{name: a}]\nclusters: [{name: b}]\n"))
	f.Add([]byte("base: &b {name: a}\nclusters: [*b]\n"))
	for _, seed := range yamltest.Hostile() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data, "fuzz.yaml")
		c2, err2 := ParseConfig(data, "fuzz.yaml")
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("two parses of the same bytes differ:\n%v\n%v", err, err2)
		}
		if err != nil {
			if c != nil {
				t.Fatalf("both a config and an error: %v", err)
			}
			checkConfigError(t, data, err.Error())
			return
		}
		if c == nil {
			t.Fatal("neither a config nor an error")
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("two parses of the same bytes differ:\n%+v\n%+v", c, c2)
		}
		if c.APIVersion != "" && c.APIVersion != ConfigAPIVersion || c.Kind != "" && c.Kind != ConfigKind {
			t.Fatalf("accepted apiVersion %q, kind %q", c.APIVersion, c.Kind)
		}
		if len(c.Clusters) == 0 {
			t.Fatal("accepted a config without clusters")
		}
		names, contexts := map[string]bool{}, map[string]bool{}
		for i, cl := range c.Clusters {
			if cl.Name == "" || cl.Context == "" || names[cl.Name] || contexts[cl.Context] {
				t.Fatalf("cluster %d: empty or duplicate name or context: %+v", i, cl)
			}
			names[cl.Name], contexts[cl.Context] = true, true
			if got := c.ByContext(cl.Context); got == nil || got.Name != cl.Name {
				t.Fatalf("ByContext(%q) = %+v, want cluster %d", cl.Context, got, i)
			}
			if len(c.SystemNamespacesOf(cl.Name)) == 0 {
				t.Fatalf("cluster %d has no system namespaces", i)
			}
		}
	})
}

// singleLine finds the line a single-line ParseConfig error names.
var singleLine = regexp.MustCompile(`^fleet config fuzz\.yaml: (?:yaml: )?line (\d+):`)

// checkConfigError holds a ParseConfig error to what LoadConfig promises:
// the file is named, and so are the line and JSON path of every problem.
func checkConfigError(t *testing.T, data []byte, msg string) {
	t.Helper()
	if !strings.HasPrefix(msg, "fleet config fuzz.yaml") || len(msg) <= len("fleet config fuzz.yaml: ") {
		t.Fatalf("error does not name the file, or says nothing: %q", msg)
	}
	if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
		t.Fatalf("error holds a stack trace: %q", msg)
	}
	lines := strings.Count(string(data), "\n") + 1
	first, rest, list := strings.Cut(msg, "\n")
	if !list {
		// A single error that names a line (the YAML decoders', the alias
		// guard's) names one inside the input, counted as YAML counts.
		if m := singleLine.FindStringSubmatch(msg); m != nil {
			if n, _ := strconv.Atoi(m[1]); n < 1 || n > yamlsafe.Lines(data) {
				t.Fatalf("error names line %d of an input of %d lines: %q", n, lines, msg)
			}
		}
		return
	}
	re := problemLine
	switch {
	case first == "fleet config fuzz.yaml: does not match the schema:", first == "fleet config fuzz.yaml:":
	case strings.HasSuffix(first, "yaml: unmarshal errors:"):
		re = yamlErrorLine
	default:
		t.Fatalf("unexpected first line of a list of problems: %q", first)
	}
	for _, p := range strings.Split(rest, "\n") {
		m := re.FindStringSubmatch(p)
		if m == nil {
			t.Fatalf("problem %q does not name the file and a JSON path", p)
		}
		if m[1] == "" {
			continue
		}
		if n, _ := strconv.Atoi(m[1]); n < 1 || n > lines {
			t.Fatalf("problem %q names line %d of an input of %d lines", p, n, lines)
		}
	}
}

// A config whose aliases expand a long string a thousand-fold is refused
// with the line where it outgrows its size, instead of being turned into
// tens of megabytes of JSON first (gigabytes for a file of a megabyte).
func TestConfigAliasBomb(t *testing.T) {
	_, err := ParseConfig(yamltest.LongStringBomb("clusters: [{name: a}]\n", 16<<10), "f.yaml")
	if err == nil || !strings.HasPrefix(err.Error(), "fleet config f.yaml: line ") || !strings.Contains(err.Error(), "alias") {
		t.Fatalf("error = %.200v, want one naming f.yaml, a line and the aliases", err)
	}
	c, err := ParseConfig([]byte("clusters:\n- {name: a, labels: &l {env: dev, tier: low}}\n- {name: b, labels: *l}\n"), "f.yaml")
	if err != nil || c.Clusters[1].Labels["tier"] != "low" {
		t.Fatalf("an honest alias: %v", err)
	}
}

// A key JSON cannot hold gives yamlsafe.ErrMapKey, the same on every run,
// not sigs.k8s.io/yaml's error, which names whichever such key it meets first.
func TestConfigMapKeyErrorIsStable(t *testing.T) {
	if _, err := ParseConfig([]byte("clusters: [{name: a}]\na: {~: 1}\nb: {~: 2}\n"), "f.yaml"); !errors.Is(err, yamlsafe.ErrMapKey) || !strings.HasPrefix(err.Error(), "fleet config f.yaml: ") {
		t.Fatalf("error = %v, want yamlsafe.ErrMapKey after \"fleet config f.yaml: \"", err)
	}
}

// An empty document has no node of its own; yaml.v3 puts one on the line
// after the input, which a problem must not name.
func TestConfigEmptyDocumentLine(t *testing.T) {
	for data, want := range map[string]string{
		"---":         "\n  f.yaml:1: at /: ",
		"# c\n--- ":   "\n  f.yaml:2: at /: ",
		"---\n":       "\n  f.yaml:2: at /: ",
		"clusters:":   "\n  f.yaml:1: at /clusters: ",
		"clusters:\n": "\n  f.yaml:1: at /clusters: ",
	} {
		if _, err := ParseConfig([]byte(data), "f.yaml"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseConfig(%q) = %v, want %q", data, err, want)
		}
	}
}
