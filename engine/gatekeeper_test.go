package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/gatekeeper"
	"github.com/fleetguard/fleetguard/manifest"
)

const gkBundle = "../testdata/gatekeeper/bundle"

func gkInputs(t testing.TB) []*engine.ObjectInput {
	t.Helper()
	data, err := os.ReadFile("../testdata/gatekeeper/scan/objects.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, errs := manifest.Parse("objects.yaml", data)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ins := make([]*engine.ObjectInput, len(objs))
	for i := range objs {
		src := objs[i].Source
		ins[i] = &engine.ObjectInput{Object: objs[i].Object, Source: &src}
	}
	return ins
}

func TestGatekeeperBundleLoads(t *testing.T) {
	e, err := engine.New(context.Background(), engine.WithBundleSource(gkBundle))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Bundle().OPA.Data) != 0 {
		t.Errorf("gatekeeper YAML became OPA data: %v", e.Bundle().OPA.Data)
	}
	got := map[string]string{}
	for _, p := range e.Policies() {
		got[p.ID] = fmt.Sprintf("%s|%s|%s|%s", p.Title, p.Severity, p.Enforcement, strings.Join(p.Kinds, ","))
	}
	want := map[string]string{
		"K8sRequiredLabels/ns-must-have-owner":      "Required Labels|high|deny|Namespace",
		"K8sRequiredLabels/pods-should-have-team":   "Required Labels|medium|warn|Pod",
		"K8sBlockWildcardIngress/no-wildcard-hosts": "Block Wildcard Ingress|critical|dryrun|*",
		"K8sUniqueIngressHost/unique-hosts":         "Unique Ingress Host|medium|warn|networking.k8s.io/Ingress",
		"K8sUniqueIngressHost/webhook-only":         "Unique Ingress Host|medium|scoped|*",
	}
	if len(got) != len(want) {
		t.Errorf("policies = %v, want %v", got, want)
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("policy %s = %q, want %q", id, got[id], w)
		}
	}
}

func TestGatekeeperScanFindings(t *testing.T) {
	e, err := engine.New(context.Background(), engine.WithBundleSource(gkBundle))
	if err != nil {
		t.Fatal(err)
	}
	r := e.Scan(context.Background(), gkInputs(t))
	var got []string
	for _, f := range r.Findings {
		got = append(got, fmt.Sprintf("%s %s %s %s %s", f.PolicyID, f.Resource, f.Severity, f.Enforcement, f.Message))
	}
	sort.Strings(got)
	want := []string{
		`K8sBlockWildcardIngress/no-wildcard-hosts Ingress/blog/blog critical dryrun Hostname '*.blog.example.com' is not allowed since it counts as a wildcard, which can be used to intercept traffic from other applications.`,
		`K8sRequiredLabels/ns-must-have-owner Namespace/blog high deny you must provide labels: {"owner"}`,
		`K8sRequiredLabels/pods-should-have-team Pod/shop/worker medium warn you must provide labels: {"team"}`,
		`K8sUniqueIngressHost/unique-hosts Ingress/blog/blog medium warn ingress host conflicts with an existing ingress <example.com>`,
		`K8sUniqueIngressHost/unique-hosts Ingress/shop/shop medium warn ingress host conflicts with an existing ingress <example.com>`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, f := range r.Findings {
		if f.Scope != "object" || f.Title == "" || f.Source == nil || f.Source.Line == 0 {
			t.Errorf("finding %s on %s: scope %q title %q source %v", f.PolicyID, f.Resource, f.Scope, f.Title, f.Source)
		}
	}
	stats := map[string]engine.PolicyStats{
		"K8sBlockWildcardIngress/no-wildcard-hosts": {Evaluated: 6, Failed: 1},
		"K8sRequiredLabels/ns-must-have-owner":      {Evaluated: 2, Failed: 1},
		"K8sRequiredLabels/pods-should-have-team":   {Evaluated: 2, Failed: 1},
		"K8sUniqueIngressHost/unique-hosts":         {Evaluated: 2, Failed: 2},
		"K8sUniqueIngressHost/webhook-only":         {},
	}
	for id, w := range stats {
		if r.Stats[id] != w {
			t.Errorf("stats[%s] = %+v, want %+v", id, r.Stats[id], w)
		}
	}
	warned := false
	for _, ie := range r.Errors {
		if ie.Warning && strings.Contains(ie.Message, `ConstraintTemplate "k8scelonly"`) && strings.Contains(ie.Message, "not supported") {
			warned = true
		} else {
			t.Errorf("unexpected input error: %v", ie)
		}
	}
	if !warned {
		t.Errorf("no warning for the CEL-only template in %v", r.Errors)
	}
}

func TestGatekeeperEnforcementPoints(t *testing.T) {
	e, err := engine.New(context.Background(), engine.WithBundleSource(gkBundle))
	if err != nil {
		t.Fatal(err)
	}
	ins := gkInputs(t)
	var objs []map[string]any
	for _, in := range ins {
		objs = append(objs, in.Object)
	}
	inv, err := gatekeeper.NewInventory(objs)
	if err != nil {
		t.Fatal(err)
	}
	shop := ins[4]
	tests := []struct {
		name  string
		point string
		op    string
		want  string
	}{
		{"webhook from the operation", "", "CREATE", "K8sUniqueIngressHost/unique-hosts:deny K8sUniqueIngressHost/webhook-only:deny"},
		{"audit", gatekeeper.PointAudit, "", "K8sUniqueIngressHost/unique-hosts:deny"},
		{"scan", gatekeeper.PointScan, "", "K8sUniqueIngressHost/unique-hosts:warn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := *shop
			in.Operation, in.EnforcementPoint, in.Inventory = tt.op, tt.point, inv
			v, err := e.EvalObject(context.Background(), &in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range v.Findings {
				if strings.HasPrefix(f.PolicyID, "K8sUniqueIngressHost/") {
					got = append(got, f.PolicyID+":"+f.Enforcement)
				}
			}
			sort.Strings(got)
			if strings.Join(got, " ") != tt.want {
				t.Errorf("findings = %v, want %s", got, tt.want)
			}
		})
	}
	t.Run("empty inventory finds no conflict", func(t *testing.T) {
		v, err := e.EvalObject(context.Background(), shop)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range v.Findings {
			if strings.HasPrefix(f.PolicyID, "K8sUniqueIngressHost/") {
				t.Errorf("unexpected finding %v", f)
			}
		}
	})
}

func TestGatekeeperBundleErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "rego compile error",
			files: map[string]string{"gatekeeper/t.yaml": "../testdata/gatekeeper/errors/compile-error-template.yaml"},
			want:  []string{`ConstraintTemplate "k8sbroken"`, "gatekeeper/t.yaml:17 (rego line 5)", "undefined_thing"},
		},
		{
			name:  "rego parse error",
			files: map[string]string{"gatekeeper/t.yaml": "../testdata/gatekeeper/errors/parse-error-template.yaml"},
			want:  []string{`ConstraintTemplate "k8sunparsable"`, "gatekeeper/t.yaml:16 (rego line 4)"},
		},
		{
			name:  "constraint without template",
			files: map[string]string{"gatekeeper/c.yaml": "../testdata/gatekeeper/library/allowedrepos/constraint.yaml"},
			want:  []string{"gatekeeper/c.yaml:1", `K8sAllowedRepos "repo-is-openpolicyagent"`, "no ConstraintTemplate defines kind K8sAllowedRepos"},
		},
		{
			name: "constraint failing its schema",
			files: map[string]string{
				"gatekeeper/t.yaml": "../testdata/gatekeeper/features/cel-rego-template.yaml",
				"gatekeeper/c.yaml": "../testdata/gatekeeper/features/cel-rego-bad-constraint.yaml",
			},
			want: []string{"gatekeeper/c.yaml:1", `K8sMaxReplicas "max-wrong-type"`, "schema"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, src := range tt.files {
				data, err := os.ReadFile(src)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := engine.New(context.Background(), engine.WithBundleSource(dir))
			if err == nil {
				t.Fatal("New succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// BenchmarkGatekeeperScan scans the scan fixture repeated under new names
// with the test bundle's constraints.
func BenchmarkGatekeeperScan(b *testing.B) {
	e, err := engine.New(context.Background(), engine.WithBundleSource(gkBundle))
	if err != nil {
		b.Fatal(err)
	}
	base := gkInputs(b)
	var ins []*engine.ObjectInput
	for i := 0; i < 200; i++ {
		for _, in := range base {
			obj := map[string]any{}
			for k, v := range in.Object {
				obj[k] = v
			}
			md := map[string]any{}
			for k, v := range in.Object["metadata"].(map[string]any) {
				md[k] = v
			}
			md["name"] = fmt.Sprintf("%s-%d", md["name"], i)
			obj["metadata"] = md
			ins = append(ins, &engine.ObjectInput{Object: obj, Source: in.Source})
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.Scan(context.Background(), ins)
	}
	b.ReportMetric(float64(len(ins)*b.N)/b.Elapsed().Seconds(), "objects/s")
}

// copyDir copies a directory tree for tests that modify a bundle.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestGatekeeperBundleDigest(t *testing.T) {
	ctx := context.Background()
	base, err := engine.LoadBundle(ctx, gkBundle, engine.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		change func(t *testing.T, dir string)
		same   bool
	}{
		{"unchanged copy", func(*testing.T, string) {}, true},
		{"constraint parameter changed", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "gatekeeper/constraints/constraints.yaml"), "key: owner}", "key: owners}")
		}, false},
		{"template Rego changed", func(t *testing.T, dir string) {
			editFile(t, filepath.Join(dir, "gatekeeper/templates/k8srequiredlabels.yaml"), "you must provide labels", "labels are required")
		}, false},
		{"file added under gatekeeper/", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "gatekeeper/constraints/extra.yaml"), []byte("# nothing\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"gatekeeper/ removed", func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, "gatekeeper")); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			copyDir(t, gkBundle, dir)
			tt.change(t, dir)
			b, err := engine.LoadBundle(ctx, dir, engine.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if same := b.Digest == base.Digest; same != tt.same {
				t.Errorf("digest %s vs base %s: same = %v, want %v", b.Digest, base.Digest, same, tt.same)
			}
		})
	}
}

func editFile(t *testing.T, path, old, new string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGatekeeperSharedObjectValue checks that a bundle with both our own
// policies and constraints converts each object once for both, yet each
// sees its own form: integers of a million or more reach templates as
// floats, as under Gatekeeper, and our policies as integers.
func TestGatekeeperSharedObjectValue(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"replicas.rego": `# METADATA
# title: Replicas
# description: Reports replicas.
# custom:
#   id: T-REP-001
#   severity: low
#   scope: object
#   kinds: [apps/Deployment]
#   controls:
#     cis-k8s-v1.10: ["5.7.4"]
#   remediation: Nothing to do here.
package t.replicas

violation contains {"msg": sprintf("ours %v", [input.object.spec.replicas])} if input.object.spec.replicas > 0
`,
		"gatekeeper/t.yaml": `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sreplicas
spec:
  crd:
    spec:
      names:
        kind: K8sReplicas
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sreplicas
        violation[{"msg": msg}] {
          msg := sprintf("theirs %v", [input.review.object.spec.replicas])
        }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sReplicas
metadata:
  name: all
`,
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e, err := engine.New(context.Background(), engine.WithBundleSource(dir))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		replicas int64
		want     string
	}{
		{3, "ours 3|theirs 3"},
		{2000000, "ours 2000000|theirs 2e+06"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.replicas), func(t *testing.T) {
			v, err := e.EvalObject(context.Background(), &engine.ObjectInput{Object: map[string]any{
				"apiVersion": "apps/v1", "kind": "Deployment",
				"metadata": map[string]any{"name": "d", "namespace": "shop"},
				"spec":     map[string]any{"replicas": tt.replicas},
			}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range v.Findings {
				got = append(got, f.Message)
			}
			sort.Strings(got)
			if strings.Join(got, "|") != tt.want {
				t.Errorf("messages = %q, want %s", got, tt.want)
			}
		})
	}
}
