package webhook

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// NamespaceCache is a Namespaces kept current by an informer. It holds each
// Namespace's name, labels and annotations only (not the
// last-applied-configuration annotation), so memory stays proportional to
// the number of namespaces.
type NamespaceCache struct {
	lister cache.Indexer
}

// NewNamespaceCache starts a Namespace informer and waits (up to a minute)
// until its first list has synced. The informer stops with ctx.
func NewNamespaceCache(ctx context.Context, client kubernetes.Interface) (*NamespaceCache, error) {
	f := informers.NewSharedInformerFactoryWithOptions(client, 10*time.Minute,
		informers.WithTransform(trimNamespace))
	inf := f.Core().V1().Namespaces().Informer()
	f.Start(ctx.Done())
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if !cache.WaitForCacheSync(wctx.Done(), inf.HasSynced) {
		return nil, fmt.Errorf("listing namespaces for the namespace cache: not synced: %w", context.Cause(wctx))
	}
	return &NamespaceCache{lister: inf.GetIndexer()}, nil
}

// trimNamespace keeps what policies and the exemption label read.
func trimNamespace(obj any) (any, error) {
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return obj, nil
	}
	ann := map[string]string{}
	for k, v := range ns.Annotations {
		if k != corev1.LastAppliedConfigAnnotation {
			ann[k] = v
		}
	}
	out := &corev1.Namespace{}
	out.Name, out.Labels, out.Annotations, out.ResourceVersion = ns.Name, ns.Labels, ann, ns.ResourceVersion
	return out, nil
}

// Namespace returns the cached Namespace as a JSON map.
func (c *NamespaceCache) Namespace(name string) (map[string]any, bool) {
	obj, ok, err := c.lister.GetByKey(name)
	if err != nil || !ok {
		return nil, false
	}
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return nil, false
	}
	md := map[string]any{"name": ns.Name}
	if len(ns.Labels) > 0 {
		labels := make(map[string]any, len(ns.Labels))
		for k, v := range ns.Labels {
			labels[k] = v
		}
		md["labels"] = labels
	}
	if len(ns.Annotations) > 0 {
		ann := make(map[string]any, len(ns.Annotations))
		for k, v := range ns.Annotations {
			ann[k] = v
		}
		md["annotations"] = ann
	}
	return map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": md}, true
}
