package engine

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/fleetguard/fleetguard/snapshot"
)

// Cluster names the cluster an object belongs to. Empty in a CI scan.
type Cluster struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
}

// ObjectInput is one object to evaluate, with its admission context. The
// engine reads it and never modifies it.
type ObjectInput struct {
	Object    map[string]any
	OldObject map[string]any // UPDATE and DELETE in the webhook
	Operation string         // CREATE, UPDATE, DELETE, CONNECT; empty in scan and audit
	UserInfo  map[string]any // admission userInfo; empty in scan and audit
	Namespace map[string]any // the object's Namespace object, when known
	Cluster   Cluster
	Source    *Source // where a scanned object was read; not visible to policies
}

func (in *ObjectInput) resource() Resource {
	r := Resource{}
	r.APIVersion, _ = in.Object["apiVersion"].(string)
	r.Kind, _ = in.Object["kind"].(string)
	if md, ok := in.Object["metadata"].(map[string]any); ok {
		r.Namespace, _ = md["namespace"].(string)
		r.Name, _ = md["name"].(string)
		if r.Name == "" {
			if gn, _ := md["generateName"].(string); gn != "" {
				r.Name = gn + "*"
			}
		}
	}
	return r
}

// value builds the policy input (see policies/README.md) as an OPA value.
func (in *ObjectInput) value() (ast.Value, error) {
	doc := map[string]any{
		"object":    in.Object,
		"operation": in.Operation,
		"cluster":   clusterDoc(in.Cluster),
	}
	if in.OldObject != nil {
		doc["oldObject"] = in.OldObject
	}
	if in.UserInfo != nil {
		doc["userInfo"] = in.UserInfo
	}
	if in.Namespace != nil {
		doc["namespace"] = in.Namespace
	}
	if ps, ok := snapshot.PodSpecOf(in.Object); ok {
		doc["pod"] = map[string]any{"spec": ps.Spec, "metadata": ps.Metadata, "path": ps.Path}
		cs := make([]any, 0, len(ps.Containers))
		for _, c := range ps.Containers {
			cs = append(cs, map[string]any{"type": c.Type, "path": c.Path, "container": c.Container})
		}
		doc["containers"] = cs
	} else {
		doc["containers"] = []any{}
	}
	v, err := ast.InterfaceToValue(doc)
	if err != nil {
		return nil, fmt.Errorf("converting object for evaluation: %w", err)
	}
	return v, nil
}

func clusterDoc(c Cluster) map[string]any {
	labels := make(map[string]any, len(c.Labels))
	for k, v := range c.Labels {
		labels[k] = v
	}
	return map[string]any{"name": c.Name, "labels": labels}
}
