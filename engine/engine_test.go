package engine

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const goodPolicy = `# METADATA
# title: No latest
# description: Images must not use the latest tag.
# custom:
#   id: T-IMG-001
#   severity: high
#   scope: object
#   kinds: [Pod]
#   controls:
#     cis-k8s-v1.10: ["5.7.4"]
#   remediation: Pin the image to a version or digest.
package t.latest

violation contains {"msg": sprintf("container %q uses latest", [c.container.name])} if {
	some c in input.containers
	endswith(c.container.image, ":latest")
}
`

func writeBundle(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func pod(name, image string) *ObjectInput {
	return &ObjectInput{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": "shop"},
		"spec":     map[string]any{"containers": []any{map[string]any{"name": "app", "image": image}}},
	}}
}

func TestEvalObjectFindingsAndPasses(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx, WithBundleSource(writeBundle(t, map[string]string{"latest.rego": goodPolicy})))
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.EvalObject(ctx, pod("bad", "nginx:latest"))
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Findings) != 1 {
		t.Fatalf("findings = %+v, want 1", v.Findings)
	}
	f := v.Findings[0]
	want := Finding{PolicyID: "T-IMG-001", Title: "No latest", Severity: SeverityHigh, Message: `container "app" uses latest`,
		Resource: Resource{APIVersion: "v1", Kind: "Pod", Namespace: "shop", Name: "bad"}, Scope: "object", Enforcement: "deny"}
	if f.PolicyID != want.PolicyID || f.Title != want.Title || f.Severity != want.Severity || f.Message != want.Message ||
		f.Resource != want.Resource || f.Scope != want.Scope || f.Enforcement != want.Enforcement || f.Controls["cis-k8s-v1.10"][0] != "5.7.4" {
		t.Errorf("finding = %+v\nwant %+v", f, want)
	}

	v, err = e.EvalObject(ctx, pod("good", "nginx:1.27"))
	if err != nil || len(v.Findings) != 0 || len(v.Passed) != 1 || v.Passed[0] != "T-IMG-001" {
		t.Errorf("compliant pod: verdict %+v err %v, want one pass", v, err)
	}

	// A kind the policy does not declare is neither a pass nor a failure.
	v, err = e.EvalObject(ctx, &ObjectInput{Object: map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "s"}}})
	if err != nil || len(v.Findings)+len(v.Passed) != 0 {
		t.Errorf("service: verdict %+v err %v, want nothing evaluated", v, err)
	}
}

func TestScanCountsAndConcurrency(t *testing.T) {
	ctx := context.Background()
	e, err := New(ctx, WithBundleSource(writeBundle(t, map[string]string{"latest.rego": goodPolicy})))
	if err != nil {
		t.Fatal(err)
	}
	var ins []*ObjectInput
	for i := 0; i < 200; i++ {
		img := "nginx:1.27"
		if i%4 == 0 {
			img = "nginx:latest"
		}
		ins = append(ins, pod("p", img))
	}
	// Engines are shared by goroutines: scan twice at once.
	var wg sync.WaitGroup
	results := make([]*Result, 2)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = e.Scan(ctx, ins) }()
	}
	wg.Wait()
	for _, r := range results {
		if got := r.Stats["T-IMG-001"]; got != (PolicyStats{Evaluated: 200, Failed: 50}) {
			t.Errorf("stats = %+v, want 200 evaluated, 50 failed", got)
		}
		if len(r.Findings) != 50 || len(r.Passes) != 150 {
			t.Errorf("findings %d passes %d, want 50 and 150", len(r.Findings), len(r.Passes))
		}
	}
}

func TestMetadataErrorsNameFileAndRule(t *testing.T) {
	tests := []struct {
		name   string
		policy string
		want   []string
	}{
		{
			name:   "missing metadata",
			policy: "package t.nometa\n\nviolation contains \"x\" if { input.object.kind == \"Pod\" }\n",
			want:   []string{"bad.rego:3", `rule "violation" in package t.nometa`, "missing # METADATA"},
		},
		{
			name:   "bad severity",
			policy: strings.Replace(goodPolicy, "severity: high", "severity: urgent", 1),
			want:   []string{"bad.rego:", "package t.latest", "invalid METADATA", "/custom/severity"},
		},
		{
			name:   "object policy without kinds",
			policy: strings.Replace(goodPolicy, "#   kinds: [Pod]\n", "", 1),
			want:   []string{"bad.rego:", "invalid METADATA", "kinds"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(context.Background(), WithBundleSource(writeBundle(t, map[string]string{"bad.rego": tt.policy})))
			if err == nil {
				t.Fatal("New succeeded, want a metadata error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestCompileErrorNamesFileAndLine(t *testing.T) {
	_, err := New(context.Background(), WithBundleSource(writeBundle(t, map[string]string{
		"broken.rego": "package t.broken\n\nviolation contains msg if {\n\tmsg := undefined_fn(1)\n}\n",
	})))
	if err == nil || !strings.Contains(err.Error(), "broken.rego:4") {
		t.Fatalf("error = %v, want one naming broken.rego:4", err)
	}
}

func TestLoadTarballAndDigest(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for name, content := range map[string]string{"/latest.rego": goodPolicy, "/latest_test.rego": "package t.latest_test\n"} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(content))
	}
	tw.Close()
	zw.Close()
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := LoadBundle(context.Background(), path, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.OPA.Modules) != 1 || !strings.HasSuffix(b.OPA.Modules[0].Path, "latest.rego") {
		t.Errorf("modules = %v, want latest.rego only (tests dropped)", b.OPA.Modules)
	}
	if !strings.HasPrefix(b.Digest, "sha256:") || len(b.Digest) != 71 {
		t.Errorf("digest = %q", b.Digest)
	}
	e, err := New(context.Background(), WithBundle(b))
	if err != nil {
		t.Fatal(err)
	}
	if ps := e.Policies(); len(ps) != 1 || ps[0].ID != "T-IMG-001" {
		t.Errorf("policies = %+v", ps)
	}
}

func TestEmbeddedBundleLoads(t *testing.T) {
	e, err := New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Policies()) < 10 {
		t.Errorf("embedded bundle has %d policies, want at least 10", len(e.Policies()))
	}
	for _, p := range e.Policies() {
		if p.Title == "" || p.Remediation == "" || len(p.Controls) == 0 {
			t.Errorf("policy %s lacks title, remediation or controls", p.ID)
		}
	}
}

func TestPolicyFilters(t *testing.T) {
	dir := writeBundle(t, map[string]string{"latest.rego": goodPolicy})
	ctx := context.Background()
	e, err := New(ctx, WithBundleSource(dir), WithoutPolicies("T-IMG-001"))
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Policies()) != 0 {
		t.Errorf("skip left %v", e.Policies())
	}
	if _, err := New(ctx, WithBundleSource(dir), WithPolicies("NOPE-1")); err == nil || !strings.Contains(err.Error(), "NOPE-1") {
		t.Errorf("unknown --policy: err = %v", err)
	}
}

// Inputs attaches each object's Namespace from the objects themselves and
// copies the template's context into every input.
func TestInputs(t *testing.T) {
	ns := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "shop", "labels": map[string]any{"pod-security.kubernetes.io/enforce": "restricted"}}}
	inShop := pod("a", "nginx:1").Object
	noNS := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "b"}}
	elsewhere := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "c", "namespace": "other"}}
	ins := Inputs([]map[string]any{inShop, ns, noNS, elsewhere}, ObjectInput{Cluster: Cluster{Name: "dev"}, EnforcementPoint: "audit.gatekeeper.sh"})
	if len(ins) != 4 {
		t.Fatalf("%d inputs", len(ins))
	}
	if ins[0].Namespace == nil || ins[0].Namespace["metadata"].(map[string]any)["name"] != "shop" {
		t.Errorf("pod in shop got namespace %v", ins[0].Namespace)
	}
	if ins[2].Namespace != nil || ins[3].Namespace != nil {
		t.Errorf("pods without a known namespace got %v and %v", ins[2].Namespace, ins[3].Namespace)
	}
	for i, in := range ins {
		if in.Cluster.Name != "dev" || in.EnforcementPoint != "audit.gatekeeper.sh" {
			t.Errorf("input %d lost the template: %+v", i, in)
		}
	}
	if ins[0] == ins[1] {
		t.Error("inputs share storage")
	}
	if ins[0].nsValue == nil || ins[0].clusterValue == nil {
		t.Error("the Namespace and the cluster were not converted once for all inputs")
	}
}
