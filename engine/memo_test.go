package engine

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"sigs.k8s.io/yaml"
)

// paths lists what a read set reads, as dotted paths.
func (r *readSet) paths(prefix string) []string {
	if r.all {
		return []string{prefix}
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(r.children)) {
		out = append(out, r.children[k].paths(prefix+"."+k)...)
	}
	return out
}

func TestPolicyReads(t *testing.T) {
	const lib = `package t.lib

name := input.object.metadata.name

label(c) := sprintf("%s %q", [c.type, c.container.name])
`
	cases := []struct {
		name, body string
		want       []string // nil: not memoisable at all (ok false)
		memo       bool
	}{
		{"containers through a helper", `violation contains lib.label(c) if { some c in input.containers; c.container.image == "x" }`,
			[]string{"input.containers"}, true},
		{"a variable key reads the whole subtree", `violation contains k if { some k; input.pod.spec[k] == true }`,
			[]string{"input.pod.spec"}, true},
		{"constant keys are followed", `violation contains "x" if { input.cluster.labels.env == "prod"; input.pod.spec.hostPID }`,
			[]string{"input.cluster.labels.env", "input.pod.spec.hostPID"}, true},
		{"the name through another package", `violation contains lib.name if { input.pod.spec.hostPID }`,
			[]string{"input.object.metadata.name", "input.pod.spec.hostPID"}, false},
		{"the whole metadata", `violation contains "x" if { object.get(input.object.metadata, "name", "") == "a" }`,
			[]string{"input.object.metadata"}, false},
		{"a bare input reads everything", `violation contains "x" if { i := input; i.pod.spec.hostPID }`,
			[]string{"input"}, false},
		{"a non-deterministic built-in", `violation contains "x" if { time.now_ns() > 0; input.pod.spec.hostPID }`, nil, false},
		{"with", `violation contains "x" if { lib.name == "a" with input.object.metadata.name as "a" }`, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ast.NewCompiler()
			mods := map[string]*ast.Module{
				"lib.rego": ast.MustParseModule(lib),
				"p.rego":   ast.MustParseModule("package t.p\n\nimport data.t.lib\n\n" + tc.body + "\n"),
			}
			if c.Compile(mods); c.Failed() {
				t.Fatal(c.Errors)
			}
			p := &regoPolicy{pkg: ast.MustParseRef("data.t.p")}
			rs, ok := policyReads(c, p)
			if tc.want == nil {
				if ok {
					t.Fatalf("policyReads() ok for a policy whose verdict is not a function of its input (reads %v)", rs.paths("input"))
				}
				return
			}
			if !ok {
				t.Fatal("policyReads() not ok")
			}
			if got := rs.paths("input"); !slices.Equal(got, tc.want) {
				t.Errorf("reads %v, want %v", got, tc.want)
			}
			if got := memoisable(rs); got != tc.memo {
				t.Errorf("memoisable() = %v, want %v", got, tc.memo)
			}
		})
	}
}

// The default bundle's policies that name the object in their messages
// (the RBAC ones) are evaluated per object; the pod security ones, and
// FG-NS-001 (on every workload), are memoised.
func TestDefaultBundleMemoisation(t *testing.T) {
	e, err := New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	memo := map[string]bool{}
	for _, p := range e.policies {
		if p.Scope == ScopeObject {
			memo[p.ID] = p.reads != nil
		}
	}
	for id, want := range map[string]bool{"FG-NS-001": true, "FG-RBAC-001": false, "FG-RBAC-002": false, "FG-POD-001": true, "FG-IMG-002": true, "FG-RES-001": true} {
		if got, ok := memo[id]; !ok || got != want {
			t.Errorf("%s memoised = %v (known %v), want %v", id, got, ok, want)
		}
	}
}

// readObjects reads every object of the YAML files under the given
// testdata directories.
func readObjects(t *testing.T, dirs ...string) []map[string]any {
	t.Helper()
	var objs []map[string]any
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
				return err
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, doc := range bytes.Split(raw, []byte("\n---")) {
				var o map[string]any
				if yaml.Unmarshal(doc, &o) != nil || o["kind"] == nil || o["apiVersion"] == nil {
					continue
				}
				if o["kind"] == "List" {
					continue
				}
				objs = append(objs, o)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return objs
}

// renamed is a copy of o under another name and uid, as another replica of
// the same template is.
func renamed(o map[string]any, suffix string) map[string]any {
	c := maps.Clone(o)
	md := maps.Clone(c["metadata"].(map[string]any))
	md["name"] = md["name"].(string) + suffix
	md["uid"] = "uid" + suffix
	c["metadata"] = md
	return c
}

// Memoised verdicts are the verdicts: every object of the fixtures, renamed
// copies of them and the same objects in clusters of other names and
// labels get exactly what an engine without the memo gives them.
func TestMemoGivesTheSameVerdicts(t *testing.T) {
	ctx := context.Background()
	objs := readObjects(t, "../testdata/fleet", "../testdata/scan", "../testdata/e2e/vulnerable")
	if len(objs) < 50 {
		t.Fatalf("read %d objects from the fixtures, want at least 50", len(objs))
	}
	var all []map[string]any
	for _, o := range objs {
		all = append(all, o, renamed(o, "-a"), renamed(o, "-b"))
	}
	with, err := New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	without, err := New(ctx, WithoutMemo())
	if err != nil {
		t.Fatal(err)
	}
	evaluations := 0
	for _, cl := range []Cluster{{Name: "eu-prod", Labels: map[string]string{"env": "prod"}}, {Name: "dev", Labels: map[string]string{"env": "dev"}}, {}} {
		ins := Inputs(all, ObjectInput{Cluster: cl})
		for i, in := range ins {
			got, err1 := with.EvalObject(ctx, in)
			want, err2 := without.EvalObject(ctx, in)
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("object %d: errors differ: %v and %v", i, err1, err2)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s in cluster %q: memoised verdict\n%+v\nwant\n%+v", want.Resource, cl.Name, got, want)
			}
			evaluations++
		}
	}
	if n := len(with.memo.m); n == 0 || n*2 > evaluations {
		t.Errorf("the memo holds %d verdicts for %d evaluations: renamed copies should share them", n, evaluations)
	}
}

// Replicas of one template in many namespaces and clusters share the
// verdicts of the policies that read neither: a policy that reads the
// namespace (FG-NS-001) or the cluster (FG-IMG-002) is memoised in a group
// of its own, so it does not key every other policy's verdicts per
// namespace or per cluster.
func TestMemoGroups(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deployment := map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "app", "image": "registry.local/web:1.0"}},
		}}},
	}
	namespaces := []string{"default", "shop", "team-a", "team-b", "team-c"}
	for _, cl := range []Cluster{{Name: "eu-prod", Labels: map[string]string{"env": "production"}}, {Name: "dev", Labels: map[string]string{"env": "dev"}}} {
		var objs []map[string]any
		for _, ns := range namespaces {
			o := maps.Clone(deployment)
			o["metadata"] = map[string]any{"name": "web", "namespace": ns}
			objs = append(objs, o)
		}
		for _, in := range Inputs(objs, ObjectInput{Cluster: cl}) {
			v, err := e.EvalObject(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if ns := in.Object["metadata"].(map[string]any)["namespace"]; (ns == "default") != slices.ContainsFunc(v.Findings, func(f Finding) bool { return f.PolicyID == "FG-NS-001" }) {
				t.Errorf("%s in namespace %s: findings %+v", cl.Name, ns, v.Findings)
			}
		}
	}
	// One verdict for the namespace- and cluster-blind policies, one per
	// namespace for FG-NS-001, one per cluster for FG-IMG-002; keyed
	// together, there would be one per namespace and cluster (10).
	if n, want := len(e.memo.m), 1+len(namespaces)+2; n != want {
		t.Errorf("the memo holds %d verdicts, want %d", n, want)
	}
}
