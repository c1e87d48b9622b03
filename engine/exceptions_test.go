package engine

import (
	"strings"
	"testing"
	"time"
)

const exceptionsDoc = `apiVersion: fleetguard.dev/v1alpha1
kind: ExceptionList
exceptions:
- policy: FG-POD-001
  scope:
    clusters: {matchLabels: {env: dev}}
    namespaces: ["monitoring-*"]
    kinds: [DaemonSet]
    names: ["node-exporter*"]
  reason: node-exporter needs host access to read metrics
  ticket: SEC-101
  approver: alice@example.com
  expires: "2027-01-31"
- policy: FG-POD-004
  reason: legacy CNI pods use the host network
  approver: bob@example.com
  expires: "2026-01-01"
- policy: FG-IMG-001
  reason: nothing matches this one at all
  approver: carol@example.com
  expires: "2030-01-01"
`

func TestExceptionsApply(t *testing.T) {
	xs, err := ParseExceptions("x.yaml", []byte(exceptionsDoc))
	if err != nil {
		t.Fatal(err)
	}
	ds := func(cluster, ns, name string) Finding {
		return Finding{PolicyID: "FG-POD-001", Cluster: cluster, Resource: Resource{Kind: "DaemonSet", Namespace: ns, Name: name}}
	}
	r := &Result{Findings: []Finding{
		ds("dev", "monitoring-system", "node-exporter"),                                        // covered
		ds("prod", "monitoring-system", "node-exporter"),                                       // wrong cluster labels
		ds("dev", "kube-system", "node-exporter"),                                              // wrong namespace
		ds("dev", "monitoring-system", "fluent-bit"),                                           // wrong name
		{PolicyID: "FG-POD-004", Cluster: "dev", Resource: Resource{Kind: "Pod", Name: "cni"}}, // expired exception
	}}
	labels := map[string]map[string]string{"dev": {"env": "dev"}, "prod": {"env": "production"}}
	xs.Apply(r, labels, time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC))

	want := []bool{true, false, false, false, false}
	for i, f := range r.Findings {
		if (f.Excepted != nil) != want[i] {
			t.Errorf("finding %d (%s %s) excepted = %v, want %v", i, f.Cluster, f.Resource, f.Excepted != nil, want[i])
		}
	}
	if e := r.Findings[0].Excepted; e == nil || e.Ticket != "SEC-101" || e.Expires != "2027-01-31" {
		t.Errorf("applied exception = %+v", e)
	}
	if len(r.Findings) != 5 {
		t.Errorf("excepted findings must stay in the result")
	}
	st := r.Exceptions
	if len(st) != 3 || st[0].Matched != 1 || st[0].Expired || !st[1].Expired || st[1].Matched != 0 || st[2].Matched != 0 || st[2].Expired {
		t.Errorf("statuses = %+v, want matched 1 / expired / unused", st)
	}
}

func TestExceptionExpiresAtEndOfDay(t *testing.T) {
	xs, err := ParseExceptions("x.yaml", []byte(exceptionsDoc))
	if err != nil {
		t.Fatal(err)
	}
	x := xs.Items[0]
	if x.expired(time.Date(2027, 1, 31, 23, 59, 0, 0, time.UTC)) {
		t.Error("expired during its last day")
	}
	if !x.expired(time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)) {
		t.Error("not expired the day after")
	}
}

func TestExceptionsValidation(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"missing approver", strings.Replace(exceptionsDoc, "  approver: alice@example.com\n", "", 1), "/exceptions/0"},
		{"bad date", strings.Replace(exceptionsDoc, `"2027-01-31"`, `"31/01/2027"`, 1), "/exceptions/0/expires"},
		{"unknown field", strings.Replace(exceptionsDoc, "  ticket: SEC-101\n", "  tickt: SEC-101\n", 1), "tickt"},
		{"bad operator", strings.Replace(exceptionsDoc, "{matchLabels: {env: dev}}", "{matchExpressions: [{key: env, operator: Like}]}", 1), "/exceptions/0/scope/clusters/matchExpressions/0/operator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseExceptions("x.yaml", []byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "x.yaml") {
				t.Fatalf("error = %v, want one naming x.yaml and %q", err, tt.want)
			}
		})
	}
}
