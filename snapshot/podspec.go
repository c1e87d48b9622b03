package snapshot

import (
	"strconv"
	"strings"
)

// PodSpec is the pod template carried by a workload object, with where it
// sits in the object so findings can point at it.
type PodSpec struct {
	Spec       map[string]any
	Metadata   map[string]any // the pod (template) metadata
	Path       string         // e.g. "spec.template.spec"
	PathKeys   []string       // Path as keys: spec, template, spec
	Containers []Container
}

// Container is one container of a pod spec, of any type.
type Container struct {
	Type      string // "container", "initContainer" or "ephemeralContainer"
	Path      string // e.g. "spec.template.spec.containers[0]"
	Field     string // containers, initContainers or ephemeralContainers
	Index     int    // position in Field
	Container map[string]any
}

// podSpecPaths lists where each workload kind keeps its pod spec.
var podSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"PodTemplate":           {"template", "spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

// podSpecPathNames are podSpecPaths joined with dots, made once.
var podSpecPathNames = func() map[string]string {
	m := make(map[string]string, len(podSpecPaths))
	for k, p := range podSpecPaths {
		m[k] = strings.Join(p, ".")
	}
	return m
}()

var containerFields = []struct{ field, typ string }{
	{"initContainers", "initContainer"},
	{"containers", "container"},
	{"ephemeralContainers", "ephemeralContainer"},
}

// PodSpecOf returns the pod spec of a Pod or of a workload's pod template.
// It works on plain decoded objects, from manifests or snapshots alike.
func PodSpecOf(obj map[string]any) (PodSpec, bool) {
	kind, _ := obj["kind"].(string)
	path, ok := podSpecPaths[kind]
	if !ok {
		return PodSpec{}, false
	}
	cur := obj
	var meta map[string]any
	for i, key := range path {
		next, ok := cur[key].(map[string]any)
		if !ok {
			return PodSpec{}, false
		}
		if i == len(path)-1 {
			meta, _ = cur["metadata"].(map[string]any)
		}
		cur = next
	}
	ps := PodSpec{Spec: cur, Metadata: meta, Path: podSpecPathNames[kind], PathKeys: path}
	for _, f := range containerFields {
		list, _ := cur[f.field].([]any)
		for i, c := range list {
			cm, ok := c.(map[string]any)
			if !ok {
				continue
			}
			ps.Containers = append(ps.Containers, Container{
				Type: f.typ, Path: ps.Path + "." + f.field + "[" + strconv.Itoa(i) + "]", Field: f.field, Index: i, Container: cm,
			})
		}
	}
	return ps, true
}
