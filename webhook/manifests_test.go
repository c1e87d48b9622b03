package webhook

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite deploy/webhook/ from the generated manifests")

const deployDir = "../deploy/webhook"

// TestManifestsMatchDeploy checks that deploy/webhook/ (the kustomize base)
// holds exactly what `policy webhook manifests` prints. Run with -update
// after changing the manifests.
func TestManifestsMatchDeploy(t *testing.T) {
	files, order, err := ManifestFiles(DefaultManifestOptions())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		for name, raw := range files {
			writeFile(t, filepath.Join(deployDir, name), raw)
		}
	}
	for _, name := range order {
		t.Run(name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(deployDir, name))
			if err != nil {
				t.Fatalf("%v (run go test ./webhook -run TestManifestsMatchDeploy -update)", err)
			}
			if !bytes.Equal(got, files[name]) {
				t.Fatalf("deploy/webhook/%s differs from the generated manifest; run go test ./webhook -run TestManifestsMatchDeploy -update", name)
			}
		})
	}
	t.Run("kustomization lists every file", func(t *testing.T) {
		raw, err := os.ReadFile(filepath.Join(deployDir, "kustomization.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var k struct {
			Resources []string `json:"resources"`
		}
		if err := yaml.Unmarshal(raw, &k); err != nil {
			t.Fatal(err)
		}
		if strings.Join(k.Resources, ",") != strings.Join(order, ",") {
			t.Fatalf("kustomization resources = %v, want %v", k.Resources, order)
		}
	})
}

func TestManifestsContent(t *testing.T) {
	o := DefaultManifestOptions()
	o.FailurePolicy, o.TimeoutSeconds, o.CABundle = "Ignore", 3, []byte("PEM")
	raw, err := Manifests(o)
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]map[string]any{}
	for _, d := range strings.Split(string(raw), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatalf("%v in %s", err, d)
		}
		docs[m["kind"].(string)] = m
	}
	for _, k := range []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "Service", "PodDisruptionBudget", "ValidatingWebhookConfiguration"} {
		if docs[k] == nil {
			t.Errorf("no %s in the manifests", k)
		}
	}
	get := func(m any, path ...any) any {
		for _, p := range path {
			switch k := p.(type) {
			case string:
				m = m.(map[string]any)[k]
			case int:
				m = m.([]any)[k]
			}
		}
		return m
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"replicas", get(docs["Deployment"], "spec", "replicas"), float64(2)},
		{"liveness", get(docs["Deployment"], "spec", "template", "spec", "containers", 0, "livenessProbe", "httpGet", "path"), "/healthz"},
		{"readiness", get(docs["Deployment"], "spec", "template", "spec", "containers", 0, "readinessProbe", "httpGet", "path"), "/readyz"},
		{"memory limit", get(docs["Deployment"], "spec", "template", "spec", "containers", 0, "resources", "limits", "memory"), "512Mi"},
		{"pdb", get(docs["PodDisruptionBudget"], "spec", "minAvailable"), float64(1)},
		{"failurePolicy", get(docs["ValidatingWebhookConfiguration"], "webhooks", 0, "failurePolicy"), "Ignore"},
		{"timeoutSeconds", get(docs["ValidatingWebhookConfiguration"], "webhooks", 0, "timeoutSeconds"), float64(3)},
		{"sideEffects", get(docs["ValidatingWebhookConfiguration"], "webhooks", 0, "sideEffects"), "None"},
		{"admissionReviewVersions", get(docs["ValidatingWebhookConfiguration"], "webhooks", 0, "admissionReviewVersions", 0), "v1"},
		{"caBundle", get(docs["ValidatingWebhookConfiguration"], "webhooks", 0, "clientConfig", "caBundle"), "UEVN"},
		{"excludes own namespace", get(docs["ValidatingWebhookConfiguration"], "webhooks", 0, "namespaceSelector", "matchExpressions", 0, "values", 0), "fleetguard-system"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if _, err := Manifests(ManifestOptions{FailurePolicy: "Sometimes", TimeoutSeconds: 5}); err == nil || !strings.Contains(err.Error(), "Sometimes") {
		t.Errorf("bad failure policy: %v", err)
	}
}
