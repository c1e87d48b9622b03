// Package publish writes report objects (OpenReports Report and
// ClusterReport, or wgpolicyk8s PolicyReports) into the clusters they
// describe, with server-side apply, so in-cluster tools can read them.
package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// FieldManager owns the fields Apply writes.
const FieldManager = "fleetguard"

// Apply server-side applies objs into the cluster behind cfg. Every object
// is tried; the errors name each object that failed and why (for example
// the report CRDs are not installed: see deploy/crds/openreports.yaml).
func Apply(ctx context.Context, cluster string, cfg *rest.Config, objs []map[string]any) error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return fmt.Errorf("cluster %q: %w", cluster, err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("cluster %q: %w", cluster, err)
	}
	var errs []error
	for _, o := range objs {
		u := &unstructured.Unstructured{Object: o}
		name := fmt.Sprintf("%s %s/%s", u.GetKind(), u.GetNamespace(), u.GetName())
		m, err := mapper.RESTMapping(u.GroupVersionKind().GroupKind(), u.GroupVersionKind().Version)
		if err != nil {
			if meta.IsNoMatchError(err) {
				err = fmt.Errorf("the cluster does not serve %s; install the report CRDs (deploy/crds/openreports.yaml)", u.GroupVersionKind())
			}
			errs = append(errs, fmt.Errorf("cluster %q: %s: %w", cluster, name, err))
			continue
		}
		raw, err := json.Marshal(o)
		if err != nil {
			errs = append(errs, fmt.Errorf("cluster %q: %s: %w", cluster, name, err))
			continue
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			ri = dyn.Resource(m.Resource).Namespace(u.GetNamespace())
		}
		force := true
		if _, err := ri.Patch(ctx, u.GetName(), types.ApplyPatchType, raw, metav1.PatchOptions{FieldManager: FieldManager, Force: &force}); err != nil {
			errs = append(errs, fmt.Errorf("cluster %q: applying %s: %w", cluster, name, err))
		}
	}
	return errors.Join(errs...)
}
