package publish

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/internal/testfleet"
	"github.com/fleetguard/fleetguard/manifest"
	"github.com/fleetguard/fleetguard/reports"
)

// TestApplyReportsIntoRealCluster writes OpenReports objects into a real
// apiserver, first without the CRDs (a clear error), then with them.
func TestApplyReportsIntoRealCluster(t *testing.T) {
	f := testfleet.Start(t, testfleet.Options{Clusters: testfleet.DefaultClusters()[:1]})
	c := f.Clusters[0]
	ctx := context.Background()

	r := &engine.Result{
		Policies: []engine.Policy{{ID: "FG-POD-001", Title: "Privileged containers", Severity: engine.SeverityCritical, Scope: "object"}},
		Findings: []engine.Finding{
			{PolicyID: "FG-POD-001", Title: "Privileged containers", Severity: engine.SeverityCritical, Cluster: c.Name, Scope: "object",
				Resource: engine.Resource{APIVersion: "v1", Kind: "Pod", Namespace: "default", Name: "priv"}, Message: `container "app" is privileged`},
			{PolicyID: "FG-RBAC-101", Title: "Cluster-admin", Severity: engine.SeverityCritical, Cluster: c.Name, Scope: "cluster",
				Resource: engine.Resource{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding", Name: "ops"}, Message: "ops is cluster-admin"},
		},
	}
	var objs []map[string]any
	for _, o := range (reports.OpenReports{}).Objects(r) {
		objs = append(objs, o.Object)
	}
	if len(objs) != 2 {
		t.Fatalf("%d report objects, want a Report and a ClusterReport", len(objs))
	}

	err := Apply(ctx, c.Name, c.Config, objs)
	if err == nil || !strings.Contains(err.Error(), "deploy/crds/openreports.yaml") || !strings.Contains(err.Error(), c.Name) {
		t.Fatalf("without CRDs: err = %v, want one naming the cluster and the CRD file", err)
	}

	crds, err := os.ReadFile("../deploy/crds/openreports.yaml")
	if err != nil {
		t.Fatal(err)
	}
	crdObjs, errs := manifest.Parse("openreports.yaml", crds)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var install []map[string]any
	for _, o := range crdObjs {
		install = append(install, o.Object)
	}
	if err := Apply(ctx, c.Name, c.Config, install); err != nil {
		t.Fatal(err)
	}
	// The apiserver needs a moment to serve new CRDs; Apply rediscovers each call.
	deadline := 50
	for i := 0; ; i++ {
		if err = Apply(ctx, c.Name, c.Config, objs); err == nil || i == deadline {
			break
		}
		waitABit()
	}
	if err != nil {
		t.Fatalf("with CRDs: %v", err)
	}
	dyn := dynamic.NewForConfigOrDie(c.Config)
	rep, err := dyn.Resource(schema.GroupVersionResource{Group: "openreports.io", Version: "v1alpha1", Resource: "reports"}).Namespace("default").Get(ctx, "fleetguard", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	results, _, _ := unstructuredSlice(rep.Object, "results")
	if len(results) != 1 || results[0].(map[string]any)["policy"] != "FG-POD-001" || results[0].(map[string]any)["result"] != "fail" {
		t.Errorf("stored Report results = %v", results)
	}
	crep, err := dyn.Resource(schema.GroupVersionResource{Group: "openreports.io", Version: "v1alpha1", Resource: "clusterreports"}).Get(ctx, "fleetguard", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if crep.GetAnnotations()["fleetguard.dev/cluster"] != c.Name {
		t.Errorf("ClusterReport annotations = %v", crep.GetAnnotations())
	}
	// Applying again updates in place (server-side apply is idempotent).
	if err := Apply(ctx, c.Name, c.Config, objs); err != nil {
		t.Errorf("second apply: %v", err)
	}
}

func unstructuredSlice(obj map[string]any, field string) ([]any, bool, error) {
	v, ok := obj[field].([]any)
	return v, ok, nil
}

func waitABit() { time.Sleep(100 * time.Millisecond) }
