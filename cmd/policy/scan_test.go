package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run executes the CLI in-process and returns stdout, stderr and the exit code.
func run(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	root := newRoot()
	var out, errb bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(stdin))
	err := root.Execute()
	code := 0
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
			if ee.err != nil {
				errb.WriteString(ee.err.Error())
			}
		} else {
			code = exitUsage
			errb.WriteString(err.Error())
		}
	}
	return out.String(), errb.String(), code
}

const privilegedPod = `apiVersion: v1
kind: Pod
metadata:
  name: priv
  namespace: shop
spec:
  containers:
  - name: app
    image: nginx:1.27
    securityContext:
      privileged: true
`

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScanExitCodes(t *testing.T) {
	dir := t.TempDir()
	priv := write(t, dir, "priv.yaml", privilegedPod)
	broken := write(t, dir, "broken.yaml", privilegedPod+"---\napiVersion: v1\nkind: Pod\nspec: [\n---\n"+strings.Replace(privilegedPod, "name: priv", "name: priv2", 1))
	empty := write(t, dir, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  []string
		wantErr  []string
	}{
		{"finding fails by default", []string{"scan", priv}, exitFindings, []string{"FG-POD-001", `container "app" is privileged`, priv + ":1"}, nil},
		{"below --fail-on passes", []string{"scan", "--policy", "FG-POD-001", "--fail-on", "critical", empty}, exitOK, nil, nil},
		{"skipping the policy passes", []string{"scan", "--policy", "FG-POD-001", "--skip-policy", "FG-POD-001", priv}, exitOK, nil, nil},
		{"input error wins over findings", []string{"scan", broken}, exitUsage, []string{"Pod/shop/priv2", broken + ":15: malformed YAML"}, nil},
		{"unreadable path", []string{"scan", filepath.Join(dir, "nope.yaml"), priv}, exitUsage, []string{"nope.yaml: no such file or directory", "Pod/shop/priv"}, nil},
		{"unknown format", []string{"scan", "-o", "xls", priv}, exitUsage, nil, []string{`unknown output format "xls"`}},
		{"bad severity", []string{"scan", "--fail-on", "urgent", priv}, exitUsage, nil, []string{`--fail-on "urgent"`}},
		{"no paths", []string{"scan"}, exitUsage, nil, []string{"give at least one PATH"}},
		{"unknown policy", []string{"scan", "--policy", "NOPE-1", priv}, exitUsage, nil, []string{"NOPE-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, "", tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestScanStdinListAndSeveralFormats(t *testing.T) {
	list := `apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: everything}
  rules:
  - apiGroups: ["*"]
    resources: ["*"]
    verbs: ["*"]
- apiVersion: v1
  kind: Pod
  metadata: {name: priv, namespace: shop}
  spec:
    containers:
    - name: app
      image: nginx:1.27
      securityContext: {privileged: true}
`
	dir := t.TempDir()
	jsonFile, junitFile := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.xml")
	out, errOut, code := run(t, list, "scan", "-o", "json="+jsonFile, "-o", "junit="+junitFile, "-o", "table", "-")
	if code != exitFindings {
		t.Fatalf("exit code = %d, want 1; stderr: %s", code, errOut)
	}
	if !strings.Contains(out, "<stdin>:11") {
		t.Errorf("table lacks the pod's stdin line:\n%s", out)
	}
	var r struct {
		Findings []struct {
			PolicyID string `json:"policyId"`
			Resource struct{ Kind, Name string }
			Source   struct {
				File string
				Line int
			}
		}
	}
	raw, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, f := range r.Findings {
		kinds[f.Resource.Kind+"/"+f.Resource.Name] = true
		if f.Source.File != "<stdin>" || f.Source.Line == 0 {
			t.Errorf("finding %s has source %+v, want <stdin> with a line", f.PolicyID, f.Source)
		}
	}
	if !kinds["ClusterRole/everything"] || !kinds["Pod/priv"] {
		t.Errorf("findings cover %v, want the ClusterRole and the Pod", kinds)
	}
	raw, err = os.ReadFile(junitFile)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		XMLName xml.Name `xml:"testsuites"`
	}
	if err := xml.Unmarshal(raw, &suites); err != nil {
		t.Fatalf("junit output does not parse: %v", err)
	}
}
