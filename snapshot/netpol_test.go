package snapshot

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestPolicyOf(t *testing.T) {
	tests := []struct {
		name        string
		spec        string
		types       []string
		denyIn      bool
		denyOut     bool
		allowAllStr []string // direction:rule:peer:reason
	}{
		{"types default to ingress", `{"podSelector":{}}`, []string{"Ingress"}, true, false, nil},
		{"egress rules add egress", `{"podSelector":{},"egress":[{"to":[{"podSelector":{}}]}]}`, []string{"Ingress", "Egress"}, true, false, nil},
		{"explicit egress deny", `{"podSelector":{},"policyTypes":["Egress"]}`, []string{"Egress"}, false, true, nil},
		{"deny both", `{"podSelector":{},"policyTypes":["Ingress","Egress"]}`, []string{"Ingress", "Egress"}, true, true, nil},
		{"selector is not default deny", `{"podSelector":{"matchLabels":{"a":"b"}},"policyTypes":["Ingress"]}`, []string{"Ingress"}, false, false, nil},
		{"matchLabels {} selects all", `{"podSelector":{"matchLabels":{}},"policyTypes":["Ingress"]}`, []string{"Ingress"}, true, false, nil},
		{"ingress rule is not deny", `{"podSelector":{},"ingress":[{"from":[{"podSelector":{}}]}]}`, []string{"Ingress"}, false, false, nil},
		{"empty rule allows all", `{"podSelector":{},"ingress":[{}]}`, []string{"Ingress"}, false, false, []string{"ingress:0:-1:anyone (the rule names no peers)"}},
		{"all namespaces", `{"podSelector":{},"ingress":[{"from":[{"podSelector":{"matchLabels":{"a":"b"}}},{"namespaceSelector":{}}]}]}`, []string{"Ingress"}, false, false, []string{"ingress:0:1:all namespaces"}},
		{"all namespaces and pods", `{"podSelector":{},"ingress":[{"from":[{"namespaceSelector":{},"podSelector":{}}]}]}`, []string{"Ingress"}, false, false, []string{"ingress:0:0:all namespaces"}},
		{"all namespaces but some pods", `{"podSelector":{},"ingress":[{"from":[{"namespaceSelector":{},"podSelector":{"matchLabels":{"a":"b"}}}]}]}`, []string{"Ingress"}, false, false, nil},
		{"same namespace only", `{"podSelector":{},"ingress":[{"from":[{"podSelector":{}}]}]}`, []string{"Ingress"}, false, false, nil},
		{"ipBlock everywhere", `{"podSelector":{},"policyTypes":["Egress"],"egress":[{"to":[{"ipBlock":{"cidr":"0.0.0.0/0","except":["10.0.0.0/8"]}}]},{"to":[{"ipBlock":{"cidr":"::/0"}}]}]}`,
			[]string{"Egress"}, false, false, []string{"egress:0:0:ipBlock 0.0.0.0/0", "egress:1:0:ipBlock ::/0"}},
		{"narrow ipBlock", `{"podSelector":{},"policyTypes":["Egress"],"egress":[{"to":[{"ipBlock":{"cidr":"10.0.0.0/8"}}]}]}`, []string{"Egress"}, false, false, nil},
		{"rules of an unenforced type are ignored", `{"podSelector":{},"policyTypes":["Egress"],"ingress":[{}]}`, []string{"Egress"}, false, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var spec map[string]any
			if err := json.Unmarshal([]byte(tt.spec), &spec); err != nil {
				t.Fatal(err)
			}
			p := policyOf(map[string]any{"kind": "NetworkPolicy", "metadata": map[string]any{"name": "p", "namespace": "n"}, "spec": spec})
			if !reflect.DeepEqual(p.PolicyTypes, tt.types) {
				t.Errorf("policyTypes = %q, want %q", p.PolicyTypes, tt.types)
			}
			if p.DefaultDenyIngress != tt.denyIn || p.DefaultDenyEgress != tt.denyOut {
				t.Errorf("default deny in/out = %v/%v, want %v/%v", p.DefaultDenyIngress, p.DefaultDenyEgress, tt.denyIn, tt.denyOut)
			}
			var got []string
			for _, a := range p.AllowAll {
				got = append(got, a.Direction+":"+itoa(a.Rule)+":"+itoa(a.Peer)+":"+a.Reason)
			}
			if !reflect.DeepEqual(got, tt.allowAllStr) {
				t.Errorf("allowAll = %q, want %q", got, tt.allowAllStr)
			}
		})
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestNetworkCoverage(t *testing.T) {
	objs := objects(t, `
apiVersion: v1
kind: Namespace
metadata: {name: empty}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: app}
spec:
  podSelector: {matchExpressions: [{key: tier, operator: In, values: [api]}]}
  egress: [{to: [{podSelector: {matchLabels: {tier: db}}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: orphan, namespace: app}
spec: {podSelector: {matchLabels: {tier: gone}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: app}
spec: {podSelector: {matchExpressions: [{key: x, operator: Bogus}]}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: app}
spec: {template: {metadata: {labels: {tier: api}}, spec: {containers: [{name: c, image: x}]}}}
---
apiVersion: v1
kind: Pod
metadata:
  name: api-1
  namespace: app
  labels: {tier: api}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-1, uid: u, controller: true}]
spec: {containers: [{name: c, image: x}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: app}
spec: {jobTemplate: {spec: {template: {metadata: {labels: {tier: batch}}, spec: {containers: [{name: c, image: x}]}}}}}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: web, labels: {tier: api}}
spec: {containers: [{name: c, image: x}]}
`)
	n := Derive(objs, Options{}).Network
	type cov struct {
		ref        string
		in, eg     []string
		selected   bool
		controlled bool
	}
	var got []cov
	for _, p := range n.Pods {
		got = append(got, cov{p.Namespace + "/" + p.Kind + "/" + p.Name, p.Ingress, p.Egress, p.Selected, p.Controlled})
	}
	want := []cov{
		{"app/CronJob/report", []string{}, []string{}, false, false},
		{"app/Deployment/api", []string{"api"}, []string{"api"}, true, false},
		{"app/Pod/api-1", []string{"api"}, []string{"api"}, true, true},
		{"web/Pod/other", []string{}, []string{}, false, false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("pods = %+v\nwant %+v", got, want)
	}
	var nss []NamespaceCoverage
	nss = append(nss, n.Namespaces...)
	wantNS := []NamespaceCoverage{
		{Name: "app", Policies: []string{"api", "bad", "orphan"}, Pods: 3, Uncovered: 1},
		{Name: "empty", Policies: []string{}},
		{Name: "web", Policies: []string{}, Pods: 1, Uncovered: 1},
	}
	if !reflect.DeepEqual(nss, wantNS) {
		t.Errorf("namespaces = %+v\nwant %+v", nss, wantNS)
	}
	sel := map[string]int{}
	errs := map[string]bool{}
	for _, p := range n.Policies {
		sel[p.Name] = len(p.Selected)
		errs[p.Name] = p.Error != ""
	}
	if !reflect.DeepEqual(sel, map[string]int{"api": 2, "bad": 0, "orphan": 0}) {
		t.Errorf("selected counts = %v", sel)
	}
	if !errs["bad"] || errs["api"] {
		t.Errorf("errors = %v, want only bad", errs)
	}
}
