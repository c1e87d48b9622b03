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

var containerFields = [...]struct{ field, typ string }{
	{"initContainers", "initContainer"},
	{"containers", "container"},
	{"ephemeralContainers", "ephemeralContainer"},
}

// podLayout is where a kind keeps its pod spec, as keys and as a path, with
// the paths of the first containers of each of containerFields made once:
// every view and both scopes ask for the containers of thousands of
// workloads.
type podLayout struct {
	keys       []string
	path       string
	containers [len(containerFields)][]string
}

// podLayouts are podSpecPaths' layouts.
var podLayouts = func() map[string]*podLayout {
	m := make(map[string]*podLayout, len(podSpecPaths))
	for kind, keys := range podSpecPaths {
		l := &podLayout{keys: keys, path: strings.Join(keys, ".")}
		for f, cf := range containerFields {
			for i := range 8 {
				l.containers[f] = append(l.containers[f], containerPath(l.path, cf.field, i))
			}
		}
		m[kind] = l
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
	l := podLayouts[kind]
	if l == nil {
		return PodSpec{}, false
	}
	cur := obj
	var meta map[string]any
	for i, key := range l.keys {
		next, ok := cur[key].(map[string]any)
		if !ok {
			return PodSpec{}, false
		}
		if i == len(l.keys)-1 {
			meta, _ = cur["metadata"].(map[string]any)
		}
		cur = next
	}
	ps := PodSpec{Spec: cur, Metadata: meta, Path: l.path, PathKeys: l.keys}
	var lists [len(containerFields)][]any // so that Containers is allocated once
	n := 0
	for f, cf := range containerFields {
		lists[f], _ = cur[cf.field].([]any)
		n += len(lists[f])
	}
	if n == 0 {
		return ps, true
	}
	ps.Containers = make([]Container, 0, n)
	for f, cf := range containerFields {
		for i, c := range lists[f] {
			cm, ok := c.(map[string]any)
			if !ok {
				continue
			}
			p := ""
			if i < len(l.containers[f]) {
				p = l.containers[f][i]
			} else {
				p = containerPath(ps.Path, cf.field, i)
			}
			ps.Containers = append(ps.Containers, Container{Type: cf.typ, Path: p, Field: cf.field, Index: i, Container: cm})
		}
	}
	return ps, true
}
