package snapshot

import (
	"fmt"
	"strings"
)

// LastApplied is the annotation kubectl apply writes: a full copy of the
// applied object, Secret values included. It is never stored.
const LastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// Sanitize removes from obj, in place, everything a snapshot must never hold,
// and returns obj:
//   - the LastApplied annotation and metadata.managedFields, on every object
//     (and on every item of a *List);
//   - a Secret's data and stringData, replaced by dataKeys, their count;
//   - a ConfigMap's content: only apiVersion, kind and metadata name and
//     namespace remain;
//   - the literal value of every env var of every container, init container
//     and ephemeral container of a Pod or a workload's pod template (name and
//     valueFrom are kept).
//
// It never fails: parts with an unexpected shape are left as they are, and
// Leaks reports them if they still hold something forbidden.
func Sanitize(obj map[string]any) map[string]any {
	if obj == nil {
		return nil
	}
	kind, _ := obj["kind"].(string)
	if strings.HasSuffix(kind, "List") {
		if items, ok := obj["items"].([]any); ok {
			for _, it := range items {
				if m, ok := it.(map[string]any); ok {
					Sanitize(m)
				}
			}
		}
	}
	if md, ok := obj["metadata"].(map[string]any); ok {
		delete(md, "managedFields")
		if ann, ok := md["annotations"].(map[string]any); ok {
			delete(ann, LastApplied)
			if len(ann) == 0 {
				delete(md, "annotations")
			}
		}
	}
	switch kind {
	case "Secret":
		n := 0
		for _, f := range []string{"data", "stringData"} {
			if m, ok := obj[f].(map[string]any); ok {
				n += len(m)
			}
			if _, ok := obj[f]; ok {
				delete(obj, f)
				obj["dataKeys"] = n
			}
		}
	case "ConfigMap":
		md, _ := obj["metadata"].(map[string]any)
		keep := map[string]any{}
		for _, f := range []string{"name", "namespace"} {
			if v, ok := md[f]; ok {
				keep[f] = v
			}
		}
		for k := range obj {
			if k != "apiVersion" && k != "kind" {
				delete(obj, k)
			}
		}
		obj["metadata"] = keep
	}
	if ps, ok := PodSpecOf(obj); ok {
		for _, c := range ps.Containers {
			env, _ := c.Container["env"].([]any)
			for _, e := range env {
				if em, ok := e.(map[string]any); ok {
					delete(em, "value")
				}
			}
		}
	}
	return obj
}

// Leaks returns the paths in obj that Sanitize would have removed, empty when
// obj is clean. Load uses it to refuse unsanitised snapshots.
func Leaks(obj map[string]any) []string {
	var out []string
	kind, _ := obj["kind"].(string)
	if md, ok := obj["metadata"].(map[string]any); ok {
		if _, ok := md["managedFields"]; ok {
			out = append(out, "metadata.managedFields")
		}
		if ann, ok := md["annotations"].(map[string]any); ok {
			if _, ok := ann[LastApplied]; ok {
				out = append(out, "metadata.annotations."+LastApplied)
			}
		}
	}
	switch kind {
	case "Secret":
		for _, f := range []string{"data", "stringData"} {
			if _, ok := obj[f]; ok {
				out = append(out, f)
			}
		}
	case "ConfigMap":
		for _, f := range []string{"data", "binaryData"} {
			if _, ok := obj[f]; ok {
				out = append(out, f)
			}
		}
	}
	if ps, ok := PodSpecOf(obj); ok {
		for _, c := range ps.Containers {
			env, _ := c.Container["env"].([]any)
			for i, e := range env {
				if em, ok := e.(map[string]any); ok {
					if _, ok := em["value"]; ok {
						out = append(out, fmt.Sprintf("%s.env[%d].value", c.Path, i))
					}
				}
			}
		}
	}
	if strings.HasSuffix(kind, "List") {
		items, _ := obj["items"].([]any)
		for i, it := range items {
			if m, ok := it.(map[string]any); ok {
				for _, p := range Leaks(m) {
					out = append(out, fmt.Sprintf("items[%d].%s", i, p))
				}
			}
		}
	}
	return out
}
