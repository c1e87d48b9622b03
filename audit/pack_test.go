package audit

import (
	"reflect"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
)

func TestPackRoundTripSharesPolicyValues(t *testing.T) {
	pol := []engine.Policy{{ID: "FG-POD-001", Title: "Privileged containers", Controls: map[string][]string{"cis-k8s-v1.10": {"5.2.2"}}}}
	in := []engine.Finding{
		{
			PolicyID: "FG-POD-001", Title: "Privileged containers", Severity: engine.SeverityCritical,
			Controls: map[string][]string{"cis-k8s-v1.10": {"5.2.2"}},
			Resource: engine.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"},
			Message:  `container "app" is privileged <script>`, Details: engine.Details(`{"container":"app","path":"spec.template.spec.containers[0]"}`),
			Cluster: "prod-us", Scope: "object", Enforcement: "deny",
		},
		{PolicyID: "FG-RBAC-101", Title: "cluster-admin", Severity: engine.SeverityHigh, Resource: engine.Resource{Kind: "ClusterRoleBinding", Name: "ops"}, Message: "m", Cluster: "prod-us", Scope: "cluster", Enforcement: "warn"},
	}
	p, err := pack(in)
	if err != nil {
		t.Fatal(err)
	}
	if p.n != 2 || len(p.data) == 0 {
		t.Fatalf("packed %d findings in %d bytes", p.n, len(p.data))
	}
	prefix := []engine.Finding{{PolicyID: "earlier"}}
	out, err := p.unpack(prefix, newInterner(pol))
	if err != nil {
		t.Fatal(err)
	}
	if want := append(prefix, in...); !reflect.DeepEqual(out, want) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", out, want)
	}
	if reflect.ValueOf(out[1].Controls).UnsafePointer() != reflect.ValueOf(pol[0].Controls).UnsafePointer() {
		t.Error("a finding's controls are not the policy's map after unpacking")
	}

	empty, err := pack(nil)
	if err != nil || empty.n != 0 {
		t.Fatalf("pack(nil) = %+v, %v", empty, err)
	}
	if got, err := empty.unpack(nil, newInterner(nil)); err != nil || len(got) != 0 {
		t.Fatalf("unpack of nothing = %v, %v", got, err)
	}

	short := packed{data: p.data, n: 3}
	if _, err := short.unpack(nil, newInterner(pol)); err == nil {
		t.Error("unpacking more findings than were packed must fail")
	}
	if _, err := (packed{data: p.data, n: 1}).unpack(nil, newInterner(pol)); err == nil {
		t.Error("unpacking fewer findings than were packed must fail")
	}
	if _, err := (packed{data: []byte("not gzip"), n: 1}).unpack(nil, newInterner(pol)); err == nil {
		t.Error("unpacking corrupt data must fail")
	}
}
