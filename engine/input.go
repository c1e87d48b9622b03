package engine

import (
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/fleetguard/fleetguard/gatekeeper"
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
	// EnforcementPoint is the Gatekeeper enforcement point constraints are
	// evaluated at (gatekeeper.PointScan, PointAudit or PointWebhook; it
	// picks scopedEnforcementActions). Empty means the webhook point when
	// Operation is set, else the scan point.
	EnforcementPoint string
	// Inventory is data.inventory for referential Gatekeeper templates: the
	// audit sets the cluster's objects, Scan the scanned objects when nil.
	// nil means empty. It is shared, never modified.
	Inventory *gatekeeper.Inventory
	// Value, when set, is Object already converted to an OPA value (what
	// ast.InterfaceToValue gives for it), used instead of converting Object
	// again where a query needs the whole object (its policies' reads are
	// not known, or Gatekeeper constraints): the audit converts the objects
	// of the kinds cluster policies read once for both scopes. It is
	// shared, never modified.
	Value ast.Value

	// The Namespace and the cluster document as OPA values, converted once
	// by Inputs for every object that shares them. nsValue is in the form
	// both our policies and Gatekeeper templates see (gatekeeper.Value's
	// plain form), so constraints share it too.
	nsValue, clusterValue ast.Value
	// clusterDoc is the cluster document, made once by Inputs.
	clusterDoc map[string]any
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
// The object is converted once (obj, when not nil, is that conversion
// already made, and ns the Namespace's); the derived pod spec and
// containers share its converted subtrees instead of converting them again.
func (in *ObjectInput) value(obj, ns ast.Value) (ast.Value, error) {
	if obj == nil {
		var err error
		if obj, err = ast.InterfaceToValue(in.Object); err != nil {
			return nil, fmt.Errorf("converting object for evaluation: %w", err)
		}
	}
	doc := ast.NewObject(
		ast.Item(ast.InternedTerm("object"), ast.NewTerm(obj)),
		ast.Item(ast.InternedTerm("operation"), ast.StringTerm(in.Operation)),
	)
	var cluster map[string]any // converted below unless Inputs did it
	if in.clusterValue == nil {
		cluster = clusterDoc(in.Cluster)
	}
	for _, f := range [...]struct {
		key  string
		doc  map[string]any
		done ast.Value // the conversion Inputs made, if any
	}{{"cluster", cluster, in.clusterValue}, {"oldObject", in.OldObject, nil}, {"userInfo", in.UserInfo, nil}, {"namespace", in.Namespace, ns}} {
		val := f.done
		if val == nil {
			if f.doc == nil {
				continue
			}
			var err error
			if val, err = ast.InterfaceToValue(f.doc); err != nil {
				return nil, fmt.Errorf("converting %s for evaluation: %w", f.key, err)
			}
		}
		doc.Insert(ast.StringTerm(f.key), ast.NewTerm(val))
	}
	var containers []*ast.Term
	if ps, ok := snapshot.PodSpecOf(in.Object); ok {
		spec := find(obj, ps.PathKeys)
		// The pod (template) metadata sits beside its spec; for a Pod that
		// is the object's own metadata.
		meta := find(obj, append(ps.PathKeys[:len(ps.PathKeys)-1:len(ps.PathKeys)-1], "metadata"))
		doc.Insert(ast.InternedTerm("pod"), ast.ObjectTerm(
			ast.Item(ast.InternedTerm("spec"), orNull(spec)),
			ast.Item(ast.InternedTerm("metadata"), orNull(meta)),
			ast.Item(ast.InternedTerm("path"), ast.StringTerm(ps.Path)),
		))
		for _, c := range ps.Containers {
			var item *ast.Term
			if arr, ok := termValue(find(termValue(spec), []string{c.Field})).(*ast.Array); ok && c.Index < arr.Len() {
				item = arr.Elem(c.Index)
			}
			containers = append(containers, ast.ObjectTerm(
				ast.Item(ast.InternedTerm("type"), ast.StringTerm(c.Type)),
				ast.Item(ast.InternedTerm("path"), ast.StringTerm(c.Path)),
				ast.Item(ast.InternedTerm("container"), orNull(item)),
			))
		}
	}
	doc.Insert(ast.InternedTerm("containers"), ast.ArrayTerm(containers...))
	return doc, nil
}

// find walks object keys in a converted value; nil when a key is missing.
func find(v ast.Value, keys []string) *ast.Term {
	t := ast.NewTerm(v)
	for _, k := range keys {
		o, ok := t.Value.(ast.Object)
		if !ok {
			return nil
		}
		if t = o.Get(ast.StringTerm(k)); t == nil {
			return nil
		}
	}
	return t
}

func termValue(t *ast.Term) ast.Value {
	if t == nil {
		return nil
	}
	return t.Value
}

func orNull(t *ast.Term) *ast.Term {
	if t == nil {
		return ast.NullTerm()
	}
	return t
}

func clusterDoc(c Cluster) map[string]any {
	labels := make(map[string]any, len(c.Labels))
	for k, v := range c.Labels {
		labels[k] = v
	}
	return map[string]any{"name": c.Name, "labels": labels}
}

// Inputs makes one ObjectInput per object, each a copy of tmpl (cluster,
// enforcement point, inventory) with its Object set, and its Namespace set
// from the Namespace objects among objs. A scan of manifests and an audit of
// a snapshot so give policies the same context the webhook's namespace
// cache gives them.
func Inputs(objs []map[string]any, tmpl ObjectInput) []*ObjectInput {
	namespaces := map[string]map[string]any{}
	for _, o := range objs {
		if o["kind"] == "Namespace" && o["apiVersion"] == "v1" {
			if name, _ := metadataOf(o)["name"].(string); name != "" {
				namespaces[name] = o
			}
		}
	}
	// The cluster and each Namespace are converted once for all their
	// objects, not once per object.
	nsValues := make(map[string]ast.Value, len(namespaces))
	for name, ns := range namespaces {
		// A Namespace whose forms differ (see gatekeeper.Value) is left to
		// be converted per object.
		if v, plain, err := gatekeeper.Value(ns); err == nil && plain {
			nsValues[name] = v
		}
	}
	tmpl.clusterDoc = clusterDoc(tmpl.Cluster)
	tmpl.clusterValue, _ = ast.InterfaceToValue(tmpl.clusterDoc)
	ins := make([]*ObjectInput, len(objs))
	for i, o := range objs {
		in := tmpl
		in.Object = o
		if ns, _ := metadataOf(o)["namespace"].(string); ns != "" {
			in.Namespace, in.nsValue = namespaces[ns], nsValues[ns]
		}
		ins[i] = &in
	}
	return ins
}

func metadataOf(obj map[string]any) map[string]any {
	md, _ := obj["metadata"].(map[string]any)
	return md
}
