package audit

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/snapshot"
)

// roundTrip gives the input as policies see it: the OPA value the engine
// evaluates, as plain JSON values.
func roundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	val, err := ast.InterfaceToValue(v)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := ast.JSON(val)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func get(m any, path ...string) any {
	for _, k := range path {
		mm, _ := m.(map[string]any)
		m = mm[k]
	}
	return m
}

func TestClusterInput(t *testing.T) {
	s := loadFleet(t, "eu-prod")[0]
	opts := Options{Now: func() time.Time { return auditTime }}
	every := func(string) bool { return true }
	vals := objectValues(s, every)
	whole := engine.WholeInput()
	in := roundTrip(t, clusterInput(s, s.Derive(), vals, opts, whole))
	// A kind whose objects failed to convert goes as Go values, for the
	// engine to convert (and report): the same input.
	failed := maps.Clone(vals)
	failed["Secret"] = slices.Clone(failed["Secret"])
	failed["Secret"][0] = nil
	if shared := roundTrip(t, clusterInput(s, s.Derive(), failed, opts, whole)); !reflect.DeepEqual(shared, in) {
		t.Error("the input with a kind left to the engine to convert differs from the input with every object converted")
	}
	if only := objectValues(s, func(k string) bool { return k == "Namespace" }); len(only) != 1 || len(only["Namespace"]) == 0 {
		t.Errorf("objectValues of Namespaces only converted kinds %v", slices.Sorted(maps.Keys(only)))
	}
	tests := []struct {
		path []string
		want any
	}{
		{[]string{"cluster", "name"}, "eu-prod"},
		{[]string{"cluster", "context"}, "eu-prod-admin"},
		{[]string{"cluster", "labels"}, map[string]any{"env": "production", "region": "eu"}},
		{[]string{"cluster", "serverVersion"}, map[string]any{"gitVersion": "v1.36.3", "major": "1", "minor": "36"}},
		{[]string{"cluster", "state"}, "partial"},
		{[]string{"cluster", "missingKinds"}, []any{"ConfigMap"}},
		{[]string{"config", "systemNamespaces"}, []any{"kube-system", "kube-public", "kube-node-lease"}},
		{[]string{"config", "webhook"}, map[string]any{"name": WebhookName, "pattern": WebhookPattern}},
		{[]string{"config", "productionEnvs"}, []any{"production", "prod"}},
		{[]string{"config", "now"}, "2026-11-21T00:00:00Z"},
		{[]string{"views", "versions", "server", "minor"}, 36.0},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.path, "."), func(t *testing.T) {
			if got := get(in, tt.path...); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	if n := len(get(in, "snapshot", "objects", "Secret").([]any)); n != 3 {
		t.Errorf("snapshot.objects.Secret has %d objects, want 3", n)
	}
	if n := len(get(in, "snapshot", "nodes").([]any)); n != 2 {
		t.Errorf("snapshot.nodes has %d nodes, want 2", n)
	}
	want := []any{
		map[string]any{"kind": "Pod", "namespace": "default", "name": "debug", "controlled": false, "serviceAccountName": "default", "automountServiceAccountToken": true},
		map[string]any{"kind": "Deployment", "namespace": "shop", "name": "web", "controlled": false, "serviceAccountName": "web", "automountServiceAccountToken": true},
	}
	if got := in["workloads"]; !reflect.DeepEqual(got, want) {
		t.Errorf("workloads = %#v, want %#v", got, want)
	}
}

// The cluster input holds only what cluster policies read, and they give
// the same verdicts on it as on the whole input, on every fleet fixture.
func TestClusterInputProjection(t *testing.T) {
	ctx := context.Background()
	eng := defaultEngine(t)
	p := eng.Projection(engine.ScopeCluster)
	opts := Options{Now: func() time.Time { return auditTime }}
	for _, s := range loadFleet(t, "eu-prod", "us-prod", "ap-dev") {
		vals := objectValues(s, func(k string) bool { return p.Reads("snapshot", "objects", k) })
		views := s.Derive()
		part := clusterInput(s, views, vals, opts, p)
		in := roundTrip(t, part)
		for _, path := range [][]string{{"views", "secrets", "references"}, {"views", "versions", "images"}, {"snapshot", "objects", "Secret"}, {"snapshot", "nodes"}} {
			if got := get(in, path...); got != nil {
				t.Errorf("%s: the projected input holds %s, which no cluster policy reads", s.Cluster.Name, strings.Join(path, "."))
			}
		}
		for _, path := range [][]string{{"views", "secrets", "exposed"}, {"snapshot", "objects", "Namespace"}, {"cluster", "name"}} {
			if path[1] == "objects" && len(s.Objects["Namespace"]) == 0 {
				continue
			}
			if get(in, path...) == nil {
				t.Errorf("%s: the projected input lacks %s, which cluster policies read", s.Cluster.Name, strings.Join(path, "."))
			}
		}
		got, err := eng.EvalCluster(ctx, s.Cluster.Name, part)
		if err != nil {
			t.Fatal(err)
		}
		want, err := eng.EvalCluster(ctx, s.Cluster.Name, clusterInput(s, views, vals, opts, engine.WholeInput()))
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Findings) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %d findings on the projected input, %d on the whole input (or they differ)", s.Cluster.Name, len(got.Findings), len(want.Findings))
		}
	}
}

func TestWorkloadsAutomount(t *testing.T) {
	s := snapshot.New(snapshot.Cluster{Name: "c"}, auditTime)
	s.Add(map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "quiet", "namespace": "ns"}, "automountServiceAccountToken": false})
	pod := func(name, sa string, mount any) map[string]any {
		spec := map[string]any{"serviceAccountName": sa, "containers": []any{map[string]any{"name": "c", "image": "x:1"}}}
		if mount != nil {
			spec["automountServiceAccountToken"] = mount
		}
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": name, "namespace": "ns"}, "spec": spec}
	}
	s.Add(pod("inherits-false", "quiet", nil))
	s.Add(pod("overrides-true", "quiet", true))
	s.Add(pod("explicit-false", "loud", false))
	s.Add(pod("default-true", "loud", nil))
	got := map[string]bool{}
	for _, w := range workloads(s) {
		got[w["name"].(string)] = w["automountServiceAccountToken"].(bool)
	}
	want := map[string]bool{"inherits-false": false, "overrides-true": true, "explicit-false": false, "default-true": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("automount = %v, want %v", got, want)
	}
}

func TestFleetInput(t *testing.T) {
	snaps := loadFleet(t, "eu-prod", "us-prod")
	var cs []*cluster
	for _, s := range snaps {
		cs = append(cs, &cluster{summary: summary(s, s.Derive(), systemSet(Options{}))})
	}
	in := roundTrip(t, fleetInput(cs, Options{Now: func() time.Time { return auditTime }}))
	list := in["clusters"].([]any)
	if len(list) != 2 {
		t.Fatalf("%d clusters, want 2", len(list))
	}
	eu, us := list[0], list[1]
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"name", get(eu, "name"), "eu-prod"},
		{"labels", get(us, "labels"), map[string]any{"env": "production", "region": "us"}},
		{"minor", get(us, "minor"), 34.0},
		{"serverVersion", get(us, "serverVersion", "gitVersion"), "v1.34.2"},
		{"bootstrap roles left out", get(eu, "clusterRoles", "cluster-admin"), nil},
		{"role rules counted", get(eu, "clusterRoles", "monitoring", "rules"), 1.0},
		{"binding", get(eu, "clusterRoleBindings", "web-admin"), map[string]any{"roleRef": "ClusterRole/cluster-admin", "subjects": []any{"ServiceAccount:shop:web"}}},
		{"namespace posture", get(eu, "namespaces", "shop"), map[string]any{"defaultDenyIngress": true, "defaultDenyEgress": true, "pssEnforce": "restricted"}},
		{"unlabelled namespace", get(eu, "namespaces", "default"), map[string]any{"defaultDenyIngress": false, "defaultDenyEgress": false, "pssEnforce": ""}},
		{"system namespaces left out", get(us, "namespaces", "kube-system"), nil},
		{"images", get(eu, "images"), map[string]any{"registry.local:5000/shop/web:1.4": []any{"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}},
		{"webhook", get(us, "ourWebhook"), map[string]any{
			"kind": "ValidatingWebhookConfiguration", "configuration": "fleetguard",
			"webhooks": map[string]any{"policy.fleetguard.dev": map[string]any{"failurePolicy": "Ignore", "timeoutSeconds": 5.0, "rules": []any{}, "namespaceSelector": map[string]any{}}},
		}},
		{"config", get(in, "config", "productionEnvs"), []any{"production", "prod"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
	// Equivalent rules written in another order hash the same.
	a := clusterRoles([]map[string]any{{"metadata": map[string]any{"name": "r"}, "rules": []any{
		map[string]any{"verbs": []any{"list", "get"}, "apiGroups": []any{""}, "resources": []any{"pods"}},
		map[string]any{"verbs": []any{"get"}, "apiGroups": []any{"apps"}, "resources": []any{"deployments"}},
	}}})
	b := clusterRoles([]map[string]any{{"metadata": map[string]any{"name": "r"}, "rules": []any{
		map[string]any{"verbs": []any{"get"}, "apiGroups": []any{"apps"}, "resources": []any{"deployments"}},
		map[string]any{"verbs": []any{"get", "list", "get"}, "apiGroups": []any{""}, "resources": []any{"pods"}},
	}}})
	if !reflect.DeepEqual(a, b) {
		t.Errorf("equivalent roles hash differently: %v vs %v", a, b)
	}
}

func TestFleetInputUnknownParts(t *testing.T) {
	s := loadFleet(t, "us-prod")[0]
	s.Status = snapshot.Status{State: snapshot.StatePartial, MissingKinds: []string{"ClusterRole", "NetworkPolicy", "ValidatingWebhookConfiguration"}}
	in := roundTrip(t, fleetInput([]*cluster{{summary: summary(s, s.Derive(), systemSet(Options{}))}}, Options{}))
	c := in["clusters"].([]any)[0].(map[string]any)
	for _, k := range []string{"clusterRoles", "namespaces", "ourWebhook"} {
		if v, ok := c[k]; !ok || v != nil {
			t.Errorf("%s = %#v, want null when its kinds could not be read", k, v)
		}
	}
	if c["clusterRoleBindings"] == nil {
		t.Error("clusterRoleBindings is null although ClusterRoleBindings were read")
	}
}

// TestValueMatchesJSON checks that value gives what encoding/json followed
// by ast.InterfaceToValue gives (the engine's conversion it replaces), on
// the audit fixtures' inputs and on the struct shapes encoding/json treats
// specially.
func TestValueMatchesJSON(t *testing.T) {
	type inner struct {
		A string `json:"a"`
		B int    `json:"b,omitempty"`
	}
	type named string
	type outer struct {
		inner
		A       string            `json:"a"` // shadows inner.A
		C       *inner            `json:"c"`
		D       *inner            `json:"d,omitempty"`
		E       []string          `json:"e"` // nil: null
		F       []string          `json:"f,omitempty"`
		G       map[string]named  `json:"g"`
		H       any               `json:"h"`
		I       float64           `json:"i"`
		J       uint8             `json:"j"`
		K       bool              `json:"k,omitempty"`
		L       []byte            `json:"l"`
		M       time.Time         `json:"m"`
		Skipped string            `json:"-"`
		Default string            // no tag: field name
		private string            //nolint:unused // unexported: never encoded
		P       map[int]string    `json:"p"`
		Q       [2]bool           `json:"q"`
		R       []map[string]any  `json:"r"`
		S       map[string][]byte `json:"s"`
	}
	v := outer{inner: inner{A: "inner", B: 2}, A: "outer", C: &inner{A: "c"}, G: map[string]named{"x": "y"},
		H: []any{1.5, "two", nil, map[string]any{"three": true}}, I: 0.1, J: 7, L: []byte("hi"), M: auditTime,
		Skipped: "no", Default: "yes", private: "no", P: map[int]string{1: "one"}, Q: [2]bool{true, false},
		R: []map[string]any{{"kind": "Pod"}}, S: map[string][]byte{"k": []byte("v")}}
	s := loadFleet(t, "eu-prod")[0]
	views := s.Derive()
	cluster := &cluster{snap: s, views: views}
	tests := []struct {
		name string
		in   any
	}{
		{"struct shapes", v},
		{"pointer to struct", &v},
		{"string option", struct {
			N int64 `json:"n,string"`
		}{42}},
		{"nil pointer field", struct {
			P *outer `json:"p"`
		}{}},
		{"numbers", []any{1, int64(-3), uint64(4), float32(0.5), 1e21, 1e-7, json.Number("12")}},
		{"views", views},
		{"nodes", s.Nodes},
		{"apis", s.APIs},
		{"objects", s.Objects},
		{"workloads", workloads(s)},
		{"fleet summary", summary(s, views, map[string]bool{"kube-system": true})},
		{"fleet clusters", []map[string]any{summary(cluster.snap, cluster.views, nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := ast.InterfaceToValue(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := value(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if want.Compare(got) != 0 {
				t.Errorf("value differs from the JSON round trip:\n got %v\nwant %v", got, want)
			}
		})
	}
	t.Run("no fallback for the views", func(t *testing.T) {
		for _, typ := range []reflect.Type{reflect.TypeFor[outer](), reflect.TypeFor[snapshot.Views](), reflect.TypeFor[snapshot.SubjectView](), reflect.TypeFor[snapshot.Grant]()} {
			if _, ok := fieldsOf(typ); !ok {
				t.Errorf("%v goes through encoding/json", typ)
			}
		}
	})
	t.Run("unsupported", func(t *testing.T) {
		if _, err := value(map[string]any{"f": func() {}}); err == nil {
			t.Error("a func converted without error")
		}
		in := map[string]any{"nan": math.NaN()}
		if got := converted(in); !reflect.DeepEqual(got, in) {
			t.Errorf("converted(NaN) = %v, want the Go map back for the engine to report", got)
		}
	})
}

// The terms ref and secretRef build by hand are those encoding/json and OPA
// give: every field, with and without the ones that may be empty.
func TestRefTerms(t *testing.T) {
	c := newConverter()
	from := snapshot.Ref{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	for _, r := range []snapshot.Ref{from, {APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "admin"}, {}} {
		want, err := viaJSON(reflect.ValueOf(r))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.ref(r).Value; got.Compare(want) != 0 {
			t.Errorf("ref %+v: got %v, want %v", r, got, want)
		}
	}
	for _, r := range []snapshot.SecretRef{
		{Namespace: "shop", Secret: "db", From: from, Via: snapshot.ViaEnv, Path: "spec.template.spec.containers[0].env[1]", Key: "password", Controlled: true},
		{Namespace: "shop", Secret: "tls", From: snapshot.Ref{Kind: "Ingress", Name: "in"}, Via: "ingress", Optional: true},
		{},
	} {
		want, err := viaJSON(reflect.ValueOf(r))
		if err != nil {
			t.Fatal(err)
		}
		got := c.secretRef(r)
		if got.Value.Compare(want) != 0 {
			t.Errorf("secret ref %+v: got %v, want %v", r, got, want)
		}
		if c.secretRef(r) != got {
			t.Errorf("secret ref %+v is converted twice", r)
		}
	}
}
