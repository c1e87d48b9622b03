package fetchers

import (
	"context"
	"fmt"
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"

	"github.com/fleetguard/fleetguard/snapshot"
)

// discover lists the served API groups, versions and resources. Discovery
// takes no context, so its requests are bounded by the time left to ctx.
// When some groups fail (an aggregated API down), the rest is returned with
// the error.
func (c *collector) discover(ctx context.Context) ([]snapshot.GroupVersion, error) {
	cfg := rest.CopyConfig(c.cfg)
	if dl, ok := ctx.Deadline(); ok {
		cfg.Timeout = max(time.Until(dl), time.Millisecond)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return []snapshot.GroupVersion{}, fmt.Errorf("discovery client: %w", err)
	}
	var lists []*metav1.APIResourceList
	var partial error
	err = c.retry(ctx, func(ctx context.Context) error {
		_, rls, err := dc.ServerGroupsAndResources()
		lists = lists[:0]
		for _, rl := range rls {
			if rl != nil {
				lists = append(lists, rl)
			}
		}
		if len(lists) > 0 && discovery.IsGroupDiscoveryFailedError(err) {
			partial = err // some groups failed: keep the rest, do not retry
			return nil
		}
		return err
	})
	if err == nil {
		err = partial
	}
	out := []snapshot.GroupVersion{}
	for _, rl := range lists {
		gv := snapshot.GroupVersion{GroupVersion: rl.GroupVersion}
		for _, r := range rl.APIResources {
			gv.Resources = append(gv.Resources, snapshot.Resource{Name: r.Name, Kind: r.Kind, Namespaced: r.Namespaced})
		}
		sort.Slice(gv.Resources, func(i, j int) bool { return gv.Resources[i].Name < gv.Resources[j].Name })
		out = append(out, gv)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GroupVersion < out[j].GroupVersion })
	if err != nil {
		return out, fmt.Errorf("cluster %q: %w", c.t.Cluster.Name, err)
	}
	return out, nil
}
