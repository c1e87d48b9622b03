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

// containerPaths[kind][f][i] is the path of container i of containerFields[f]
// in a kind's pod spec, made once for the first few: every view and both
// scopes ask for the containers of thousands of workloads.
var containerPaths = func() map[string][][]string {
	m := make(map[string][][]string, len(podSpecPathNames))
	for kind, path := range podSpecPathNames {
		byField := make([][]string, len(containerFields))
		for f, cf := range containerFields {
			for i := range 8 {
				byField[f] = append(byField[f], containerPath(path, cf.field, i))
			}
		}
		m[kind] = byField
	}
	return m
}()

func containerPath(spec, field string, i int) string {
	return spec + "." + field + "[" + strconv.Itoa(i) + "]"
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
	var lists [3][]any // containerFields' lists, so that Containers is allocated once
	n := 0
	for f, cf := range containerFields {
		lists[f], _ = cur[cf.field].([]any)
		n += len(lists[f])
	}
	if n == 0 {
		return ps, true
	}
	ps.Containers = make([]Container, 0, n)
	paths := containerPaths[kind]
	for f, cf := range containerFields {
		for i, c := range lists[f] {
			cm, ok := c.(map[string]any)
			if !ok {
				continue
			}
			p := ""
			if i < len(paths[f]) {
				p = paths[f][i]
			} else {
				p = containerPath(ps.Path, cf.field, i)
			}
			ps.Containers = append(ps.Containers, Container{Type: cf.typ, Path: p, Field: cf.field, Index: i, Container: cm})
		}
	}
	return ps, true
}
