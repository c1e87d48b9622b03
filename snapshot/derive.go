package snapshot

import (
	"cmp"
	"slices"
	"sort"
	"strings"
)

// Options carries what Derive needs beside the objects. All fields are
// optional: a CI scan of manifests has no nodes and no server version.
type Options struct {
	Nodes        []Node
	Server       *ServerVersion
	MissingKinds []string // kinds that could not be read; views that need them say they are incomplete
}

// Views are the derived views of one cluster (or one set of manifests):
// plain, JSON-able data that the cluster policies read as input.views. The
// RBAC view also answers Can queries.
type Views struct {
	RBAC     *RBAC     `json:"rbac"`
	Network  *Network  `json:"network"`
	Secrets  *Secrets  `json:"secrets"`
	Versions *Versions `json:"versions"`
}

// Ref names an object.
type Ref struct {
	// APIVersion is the object's, so that a policy can report a ref as
	// the resource of a finding as it is.
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// Derive computes every view from objs, once. It reads objs and never
// modifies them; objects of kinds it does not use are ignored, and malformed
// parts are skipped rather than failing. The result is deterministic: lists
// are sorted.
func Derive(objs []map[string]any, opts Options) *Views {
	byKind := map[string][]map[string]any{}
	for _, o := range objs {
		k, _ := o["kind"].(string)
		byKind[k] = append(byKind[k], o)
	}
	rbac := deriveRBAC(byKind)
	missing := map[string]bool{}
	for _, k := range opts.MissingKinds {
		missing[k] = true
	}
	ws := workloadsOf(byKind)
	return &Views{
		RBAC:     rbac,
		Network:  deriveNetwork(byKind, ws),
		Secrets:  deriveSecrets(byKind, ws, rbac, missing),
		Versions: deriveVersions(objs, ws, opts),
	}
}

// workload is an object with a pod spec, read once for every view that
// walks workloads.
type workload struct {
	ref        Ref
	controlled bool
	spec       PodSpec
}

// workloadsOf lists the objects of byKind that have a pod spec, in
// WorkloadKinds order.
func workloadsOf(byKind map[string][]map[string]any) []workload {
	var ws []workload
	for _, kind := range WorkloadKinds {
		for _, o := range byKind[kind] {
			if ps, ok := PodSpecOf(o); ok {
				ws = append(ws, workload{ref: refOf(o), controlled: controlled(o), spec: ps})
			}
		}
	}
	return ws
}

// WorkloadKinds are the kinds carrying a pod spec (those PodSpecOf reads),
// in a stable order.
var WorkloadKinds = []string{"Pod", "PodTemplate", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"}

func meta(obj map[string]any) (ns, name string) {
	md, _ := obj["metadata"].(map[string]any)
	ns, _ = md["namespace"].(string)
	name, _ = md["name"].(string)
	return ns, name
}

func refOf(obj map[string]any) Ref {
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	ns, name := meta(obj)
	return Ref{APIVersion: apiVersion, Kind: kind, Namespace: ns, Name: name}
}

func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func labelsOf(obj map[string]any) map[string]string {
	md, _ := obj["metadata"].(map[string]any)
	return stringMap(md["labels"])
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func maps(v any) []map[string]any {
	list, _ := v.([]any)
	out := make([]map[string]any, 0, len(list))
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func boolOf(v any) bool { b, _ := v.(bool); return b }

func controlled(obj map[string]any) bool {
	md, _ := obj["metadata"].(map[string]any)
	for _, o := range maps(md["ownerReferences"]) {
		if boolOf(o["controller"]) {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func lessRef(a, b Ref) bool { return compareRef(a, b) < 0 }

// compareRef orders refs by namespace, kind and name.
func compareRef(a, b Ref) int {
	return cmp.Or(strings.Compare(a.Namespace, b.Namespace), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Name, b.Name))
}

// sortStable sorts xs stably by compare, in the order slices.SortStableFunc
// gives. A view's elements are structs of a dozen strings: it sorts their
// indexes (ties broken by index, which makes any sort stable) and moves
// each element once, instead of copying and swapping the structs
// themselves through O(n log n) comparisons.
func sortStable[T any](xs []T, compare func(a, b *T) int) {
	idx := make([]int32, len(xs))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int { return cmp.Or(compare(&xs[i], &xs[j]), cmp.Compare(i, j)) })
	sorted := make([]T, len(xs))
	for k, i := range idx {
		sorted[k] = xs[i]
	}
	copy(xs, sorted)
}
