package fetchers

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/fleetguard/fleetguard/snapshot"
)

var nodesGVR = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}

// nodes reads every Node into its snapshot form: name, labels and the
// versions of status.nodeInfo. Node objects themselves are not stored.
func (c *collector) nodes(ctx context.Context) ([]snapshot.Node, error) {
	out := []snapshot.Node{}
	err := c.each(ctx, func(ctx context.Context, opts metav1.ListOptions, add func(map[string]any) error) (metav1.ListMeta, error) {
		return c.rawPage(ctx, nodesGVR, "Node", opts, add)
	}, func() batch {
		return &memBatch{keep: func(page []map[string]any) {
			for _, obj := range page {
				out = append(out, nodeOf(obj))
			}
		}}
	})
	if err != nil {
		return nil, fmt.Errorf("listing nodes in cluster %q: %w", c.t.Cluster.Name, err)
	}
	return out, nil
}

// nodeOf extracts a snapshot.Node from a decoded Node object; absent fields
// stay empty.
func nodeOf(obj map[string]any) snapshot.Node {
	u := unstructured.Unstructured{Object: obj}
	info := func(f string) string {
		v, _, _ := unstructured.NestedString(obj, "status", "nodeInfo", f)
		return v
	}
	n := snapshot.Node{
		Name:                    u.GetName(),
		Labels:                  u.GetLabels(),
		KubeletVersion:          info("kubeletVersion"),
		ContainerRuntimeVersion: info("containerRuntimeVersion"),
		OSImage:                 info("osImage"),
		KernelVersion:           info("kernelVersion"),
		Architecture:            info("architecture"),
	}
	return n
}
