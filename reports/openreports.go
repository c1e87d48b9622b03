package reports

import (
	"encoding/json"

	"io"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/fleetguard/fleetguard/engine"
)

// Report API flavours written by OpenReports.
const (
	// OpenReportsAPI is openreports.io/v1alpha1 Report and ClusterReport.
	OpenReportsAPI = "openreports.io/v1alpha1"
	// PolicyReportAPI is the older wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport.
	PolicyReportAPI = "wgpolicyk8s.io/v1alpha2"
)

// OpenReports writes Kubernetes report objects, a YAML stream: one Report
// per cluster and namespace and one ClusterReport per cluster for
// cluster-scoped resources and cluster or fleet findings. Each result
// carries the cluster, controls and exception details in properties.
// APIVersion picks OpenReportsAPI (the default) or PolicyReportAPI.
type OpenReports struct{ APIVersion string }

// ReportObject is one Report or ClusterReport, with the cluster it belongs to.
type ReportObject struct {
	Cluster string
	Object  map[string]any
}

// Write implements Writer.
func (o OpenReports) Write(w io.Writer, r *engine.Result) error {
	objs := o.Objects(r)
	for i, obj := range objs {
		raw, err := json.Marshal(obj.Object)
		if err != nil {
			return err
		}
		y, err := yaml.JSONToYAML(raw)
		if err != nil {
			return err
		}
		if i > 0 {
			io.WriteString(w, "---\n")
		}
		if _, err := w.Write(y); err != nil {
			return err
		}
	}
	return nil
}

type reportKey struct{ cluster, namespace string }

// Objects builds the report objects, sorted by cluster and namespace, so
// that --apply-reports can write each cluster's objects into that cluster.
func (o OpenReports) Objects(r *engine.Result) []ReportObject {
	api := o.APIVersion
	if api == "" {
		api = OpenReportsAPI
	}
	results := map[reportKey][]map[string]any{}
	ts := map[string]any{"seconds": r.Provenance.Time.Unix(), "nanos": 0}
	policies := map[string]engine.Policy{}
	for _, p := range r.Policies {
		policies[p.ID] = p
	}
	for _, f := range sortedFindings(r) {
		res := map[string]any{
			"source": "fleetguard", "policy": f.PolicyID, "rule": f.Title, "severity": f.Severity.String(),
			"result": "fail", "message": f.Message, "timestamp": ts, "scored": true,
			"category":   f.Scope,
			"properties": properties(f.Cluster, f.Controls, f.Excepted),
		}
		if f.Enforcement == "warn" {
			res["result"] = "warn"
		}
		if f.Excepted != nil {
			res["result"] = "skip"
		}
		if f.Resource.Kind != "" {
			res["resources"] = []any{objectRef(f.Resource)}
		}
		k := reportKey{f.Cluster, f.Resource.Namespace}
		results[k] = append(results[k], res)
	}
	for _, p := range r.Passes {
		pol := policies[p.PolicyID]
		res := map[string]any{
			"source": "fleetguard", "policy": p.PolicyID, "rule": pol.Title, "severity": pol.Severity.String(),
			"result": "pass", "timestamp": ts, "scored": true, "category": pol.Scope,
			"properties": properties(p.Cluster, pol.Controls, nil),
		}
		if p.Resource.Kind != "" {
			res["resources"] = []any{objectRef(p.Resource)}
		}
		k := reportKey{p.Cluster, p.Resource.Namespace}
		results[k] = append(results[k], res)
	}
	keys := make([]reportKey, 0, len(results))
	for k := range results {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].cluster != keys[j].cluster {
			return keys[i].cluster < keys[j].cluster
		}
		return keys[i].namespace < keys[j].namespace
	})
	var out []ReportObject
	for _, k := range keys {
		summary := map[string]int{"pass": 0, "fail": 0, "warn": 0, "error": 0, "skip": 0}
		for _, res := range results[k] {
			summary[res["result"].(string)]++
		}
		kind := "ClusterReport"
		if api == PolicyReportAPI {
			kind = "ClusterPolicyReport"
		}
		md := map[string]any{
			"name":   "fleetguard",
			"labels": map[string]any{"app.kubernetes.io/managed-by": "fleetguard"},
			"annotations": map[string]any{
				"fleetguard.dev/cluster":       k.cluster,
				"fleetguard.dev/bundle-digest": r.Provenance.BundleDigest,
			},
		}
		if k.namespace != "" {
			kind = strings.TrimPrefix(kind, "Cluster")
			md["namespace"] = k.namespace
		}
		obj := map[string]any{"apiVersion": api, "kind": kind, "metadata": md, "summary": summary, "results": results[k]}
		if api == OpenReportsAPI {
			obj["source"] = "fleetguard"
		}
		out = append(out, ReportObject{Cluster: k.cluster, Object: obj})
	}
	return out
}

func objectRef(r engine.Resource) map[string]any {
	ref := map[string]any{"apiVersion": r.APIVersion, "kind": r.Kind, "name": r.Name}
	if r.Namespace != "" {
		ref["namespace"] = r.Namespace
	}
	return ref
}

// properties holds string values only, as the report CRDs require.
func properties(cluster string, controls map[string][]string, x *engine.AppliedException) map[string]any {
	p := map[string]any{}
	if cluster != "" {
		p["cluster"] = cluster
	}
	if cs := controlTags(controls); len(cs) > 0 {
		p["controls"] = strings.Join(cs, ",")
	}
	if x != nil {
		p["exception.reason"] = x.Reason
		p["exception.ticket"] = x.Ticket
		p["exception.approver"] = x.Approver
		p["exception.expires"] = x.Expires
	}
	return p
}
