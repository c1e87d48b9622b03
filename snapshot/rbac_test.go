package snapshot

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

const rbacFixture = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {agg/view: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: edit, labels: {agg/view: "false"}}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {agg/edit: "true"}
  - matchExpressions: [{key: agg/view, operator: In, values: ["true"]}]
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view-pods, labels: {agg/view: "true"}}
rules:
- {apiGroups: [""], resources: [pods], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: edit-pods, labels: {agg/edit: "true"}}
rules:
- {apiGroups: [""], resources: [pods], verbs: [create]}
- {apiGroups: [""], resources: [pods/exec], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: sub-wild}
rules:
- {apiGroups: [""], resources: ["pods/*"], verbs: ["*"]}
- {nonResourceURLs: ["/debug/*"], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: public}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [list]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: builder, namespace: ci}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: edit, namespace: ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
subjects:
- {kind: ServiceAccount, name: builder}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all-sa-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects:
- {kind: Group, name: "system:serviceaccounts:ci", apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: sub-wild}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: sub-wild}
subjects:
- {kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: public}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: public}
subjects:
- {kind: Group, name: "system:unauthenticated", apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: broken}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nope}
subjects:
- {kind: ServiceAccount, name: ghost, namespace: ci}
- {kind: ServiceAccount, name: nons}
`

func TestAggregation(t *testing.T) {
	v := Derive(objects(t, rbacFixture), Options{})
	get := Rule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{}, NonResourceURLs: []string{}}
	create := Rule{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{}, NonResourceURLs: []string{}}
	exec := Rule{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"pods/exec"}, ResourceNames: []string{}, NonResourceURLs: []string{}}
	// edit selects edit-pods and view-pods (its stored get rule is one of
	// them); view selects view-pods and stores nothing.
	want := []Drift{
		{Name: "edit", Missing: []Rule{create, exec}, Extra: []Rule{}},
		{Name: "view", Missing: []Rule{get}, Extra: []Rule{}},
	}
	if !reflect.DeepEqual(v.RBAC.Drift, want) {
		t.Errorf("drift = %+v\nwant %+v", v.RBAC.Drift, want)
	}
}

func TestAggregationFixedPoint(t *testing.T) {
	objs := objects(t, `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: admin}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {to-admin: "true"}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: edit, labels: {to-admin: "true"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {to-edit: "true"}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: leaf, labels: {to-edit: "true"}}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: admin}
roleRef: {kind: ClusterRole, name: admin}
subjects: [{kind: User, name: ann}]
`)
	v := Derive(objs, Options{})
	if !v.RBAC.Can(Subject{Kind: "User", Name: "ann"}, Request{Verb: "get", Resource: "secrets", Namespace: "x", Name: "y"}) {
		t.Error("admin does not reach the leaf rule through edit")
	}
	if len(v.RBAC.Drift) != 2 {
		t.Errorf("drift = %+v, want admin and edit", v.RBAC.Drift)
	}
}

func TestCan(t *testing.T) {
	v := Derive(objects(t, rbacFixture), Options{})
	builder := Subject{Kind: "ServiceAccount", Namespace: "ci", Name: "builder"}
	tests := []struct {
		name string
		sub  Subject
		req  Request
		want bool
	}{
		{"rolebinding in its namespace", builder, Request{Verb: "create", Resource: "pods", Namespace: "ci"}, true},
		{"rolebinding not in another namespace", builder, Request{Verb: "create", Resource: "pods", Namespace: "prod"}, false},
		{"rolebinding not cluster-wide", builder, Request{Verb: "create", Resource: "pods"}, false},
		{"aggregated exec", builder, Request{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: "ci"}, true},
		{"group of the namespace's service accounts", builder, Request{Verb: "get", Resource: "pods", Namespace: "prod"}, true},
		{"other namespace's service account", Subject{Kind: "ServiceAccount", Namespace: "prod", Name: "x"}, Request{Verb: "get", Resource: "pods", Namespace: "prod"}, false},
		{"pods/* does not grant exec", Subject{Kind: "User", Name: "bob"}, Request{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: "a"}, false},
		{"pods/* does not grant pods", Subject{Kind: "User", Name: "bob"}, Request{Verb: "get", Resource: "pods", Namespace: "a"}, false},
		{"url prefix", Subject{Kind: "User", Name: "bob"}, Request{Verb: "get", Path: "/debug/pprof"}, true},
		{"url outside prefix", Subject{Kind: "User", Name: "bob"}, Request{Verb: "get", Path: "/metrics"}, false},
		{"anonymous is unauthenticated", Subject{Kind: "User", Name: "system:anonymous"}, Request{Verb: "list", Resource: "secrets", Namespace: "a"}, true},
		{"authenticated user is not unauthenticated", Subject{Kind: "User", Name: "carol"}, Request{Verb: "list", Resource: "secrets", Namespace: "a"}, false},
		{"group subject", Subject{Kind: "Group", Name: "system:unauthenticated"}, Request{Verb: "list", Resource: "secrets"}, true},
		{"absent service account still holds its groups' grants", Subject{Kind: "ServiceAccount", Namespace: "ci", Name: "ghost"}, Request{Verb: "get", Resource: "pods", Namespace: "prod"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := v.RBAC.Can(tt.sub, tt.req); got != tt.want {
				t.Errorf("Can(%+v, %+v) = %v, want %v", tt.sub, tt.req, got, tt.want)
			}
		})
	}
}

func TestSubjects(t *testing.T) {
	v := Derive(objects(t, rbacFixture), Options{})
	byID := map[string]SubjectView{}
	var ids []string
	for _, s := range v.RBAC.Subjects {
		byID[s.ID] = s
		ids = append(ids, s.ID)
	}
	wantIDs := []string{"Group:system:serviceaccounts:ci", "Group:system:unauthenticated", "ServiceAccount:ci:builder", "ServiceAccount:ci:ghost", "User:bob"} // nons has no namespace: dangling, not a subject
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Fatalf("subjects = %q, want %q", ids, wantIDs)
	}
	b := byID["ServiceAccount:ci:builder"]
	if !reflect.DeepEqual(b.Groups, []string{"system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"}) {
		t.Errorf("groups = %q", b.Groups)
	}
	type g struct{ binding, role, scope, ns, via string }
	var got []g
	for _, gr := range b.Grants {
		got = append(got, g{gr.Binding.Name, gr.Role.Name, gr.Scope, gr.Namespace, gr.Via})
	}
	want := []g{
		{"all-sa-view", "view", "cluster", "", "system:serviceaccounts:ci"},
		{"edit", "edit", "namespace", "ci", ""}, {"edit", "edit", "namespace", "ci", ""}, {"edit", "edit", "namespace", "ci", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("grants = %+v\nwant %+v", got, want)
	}
	perms := map[string]string{}
	for _, p := range b.Sensitive {
		perms[p.Name] = p.Scope + ":" + p.Namespace
	}
	if !reflect.DeepEqual(perms, map[string]string{"create-pods": "namespace:ci", "pods-exec": "namespace:ci"}) {
		t.Errorf("sensitive = %v", perms)
	}
	t.Run("direct", func(t *testing.T) {
		// all-sa-view applies through a group: only edit is held directly.
		if len(b.Direct) != 1 {
			t.Fatalf("direct = %+v, want the edit binding only", b.Direct)
		}
		h := b.Direct[0]
		if h.Binding != (Ref{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding", Namespace: "ci", Name: "edit"}) || h.Role.Name != "edit" || h.Scope != "namespace" || h.Namespace != "ci" {
			t.Errorf("held = %+v", h)
		}
		if len(h.Rules) != 3 {
			t.Errorf("rules = %+v, want the 3 rules of edit", h.Rules)
		}
		var names []string
		for _, p := range h.Sensitive {
			names = append(names, p.Name)
			if p.Binding != h.Binding || p.Via != "" {
				t.Errorf("permission %+v not from %v directly", p, h.Binding)
			}
		}
		sort.Strings(names)
		if !reflect.DeepEqual(names, []string{"create-pods", "pods-exec"}) {
			t.Errorf("sensitive = %q", names)
		}
		if g := byID["Group:system:serviceaccounts:ci"]; len(g.Direct) != 1 || g.Direct[0].Binding.Name != "all-sa-view" || len(g.Direct[0].Sensitive) != 0 {
			t.Errorf("group's direct = %+v, want all-sa-view without sensitive permissions", g.Direct)
		}
	})
	if bob := byID["User:bob"]; len(bob.Sensitive) != 0 {
		t.Errorf("bob's pods/* grants %+v; pods/* is not pods/exec", bob.Sensitive)
	}
	if !byID["ServiceAccount:ci:ghost"].Missing || byID["ServiceAccount:ci:builder"].Missing {
		t.Error("Missing flags wrong")
	}
	if u := v.RBAC.Unauthenticated; len(u) != 1 || u[0].Binding.Name != "public" {
		t.Errorf("unauthenticated = %+v", u)
	}
}

func TestDangling(t *testing.T) {
	v := Derive(objects(t, rbacFixture), Options{})
	var got []string
	for _, d := range v.RBAC.Dangling {
		s := d.Binding.Name + ": " + d.Reason
		if d.Subject != nil {
			s += " " + d.Subject.Name
		}
		got = append(got, s)
	}
	sort.Strings(got)
	want := []string{"broken: role not found", "broken: service account not found ghost", "broken: service account without namespace nons"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("dangling = %q\nwant %q", got, want)
	}
	for _, b := range v.RBAC.Bindings {
		if b.Name == "broken" && b.RoleExists {
			t.Error("broken binding's role reported as existing")
		}
	}
}

func TestSensitivePermissions(t *testing.T) {
	grant := func(scope string, r Rule) Grant {
		g := Grant{Rule: r, Scope: scope}
		if scope == "namespace" {
			g.Namespace = "ns"
		}
		return g
	}
	rule := func(groups, resources, verbs []string, names ...string) Rule {
		return Rule{Verbs: verbs, APIGroups: groups, Resources: resources, ResourceNames: names}
	}
	core := []string{""}
	tests := []struct {
		name  string
		grant Grant
		want  []string // permission:resource:verbs
	}{
		{"read secrets by name", grant("namespace", rule(core, []string{"secrets"}, []string{"get"}, "db")), []string{"read-secrets:secrets:get"}},
		{"exec via */exec", grant("namespace", rule(core, []string{"*/exec"}, []string{"create"})), []string{"pods-exec:pods/exec:create"}},
		{"exec via get only", grant("namespace", rule(core, []string{"pods/exec"}, []string{"get"})), []string{"pods-exec:pods/exec:get"}},
		{"pods/* is not exec", grant("cluster", rule(core, []string{"pods/*"}, []string{"*"})), nil},
		{"nodes/proxy needs cluster scope", grant("namespace", rule(core, []string{"nodes/proxy"}, []string{"get"})), nil},
		{"nodes/proxy get", grant("cluster", rule(core, []string{"nodes/proxy"}, []string{"get"})), []string{"nodes-proxy:nodes/proxy:get"}},
		{"token create", grant("namespace", rule(core, []string{"serviceaccounts/token"}, []string{"create"})), []string{"serviceaccount-token:serviceaccounts/token:create"}},
		{"csr approval", grant("cluster", rule([]string{"certificates.k8s.io"}, []string{"certificatesigningrequests/approval", "signers"}, []string{"update", "approve"})),
			[]string{"csr-approval:certificatesigningrequests/approval:update", "signers-approve:signers:approve"}},
		{"webhooks", grant("cluster", rule([]string{"admissionregistration.k8s.io"}, []string{"mutatingwebhookconfigurations"}, []string{"patch"})),
			[]string{"webhook-config-write:mutatingwebhookconfigurations:patch"}},
		{"escalate and bind", grant("namespace", rule([]string{"rbac.authorization.k8s.io"}, []string{"roles", "clusterroles"}, []string{"escalate", "bind"})),
			[]string{"escalate:roles:escalate", "bind:roles:bind"}},
		{"impersonate", grant("cluster", rule(core, []string{"users"}, []string{"impersonate"})), []string{"impersonate:users:impersonate"}},
		{"pv create", grant("cluster", rule(core, []string{"persistentvolumes"}, []string{"create", "get"})), []string{"create-persistentvolumes:persistentvolumes:create"}},
		{"workloads", grant("namespace", rule([]string{"batch"}, []string{"cronjobs"}, []string{"create"})), []string{"create-workloads:cronjobs:create"}},
		{"wrong group", grant("namespace", rule([]string{"apps"}, []string{"secrets"}, []string{"get"})), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range sensitive(tt.grant) {
				got = append(got, p.Name+":"+p.Resource+":"+strings.Join(p.Verbs, ","))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sensitive = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("wildcard scope", func(t *testing.T) {
		ps := sensitive(grant("namespace", rule([]string{"*"}, []string{"*"}, []string{"*"})))
		if ps[0].Name != "wildcard" || ps[0].Scope != "namespace" {
			t.Errorf("first permission = %+v", ps[0])
		}
		for _, p := range ps {
			if p.Name == "nodes-proxy" || p.Name == "create-persistentvolumes" {
				t.Errorf("namespace grant gives cluster-scoped %s", p.Name)
			}
		}
	})
}

// TestHolderIndexFindsEveryBindingThatApplies checks the index against
// trying every binding, for every kind of subject a binding can name.
func TestHolderIndexFindsEveryBindingThatApplies(t *testing.T) {
	var bs []binding
	subjects := []Subject{
		{Kind: "User", Name: "alice"}, {Kind: "User", Name: "system:anonymous"},
		{Kind: "Group", Name: "ops"}, {Kind: "Group", Name: "system:authenticated"}, {Kind: "Group", Name: "system:serviceaccounts:shop"},
		{Kind: "ServiceAccount", Namespace: "shop", Name: "web"}, {Kind: "ServiceAccount", Name: "web"}, // namespace from the RoleBinding
		{Kind: "ServiceAccount", Namespace: "kube-system", Name: "web"},
	}
	for i := range 40 {
		b := binding{Binding: Binding{Ref: Ref{Kind: "ClusterRoleBinding", Name: string(rune('a' + i%26))}}}
		if i%2 == 1 {
			b.Ref.Kind, b.Ref.Namespace = "RoleBinding", []string{"shop", "kube-system"}[i%4/2]
		}
		b.Namespace = b.Ref.Namespace
		for j, s := range subjects {
			if (i+j)%3 == 0 || (i*j)%7 == 1 {
				b.Subjects = append(b.Subjects, s)
			}
		}
		bs = append(bs, b)
	}
	idx := bindingsByHolder(bs)
	matched := 0
	for _, s := range append(subjects, Subject{Kind: "ServiceAccount", Namespace: "other", Name: "x"}, Subject{Kind: "User", Name: "nobody"}) {
		if s.Kind == "ServiceAccount" && s.Namespace == "" {
			continue // not a subject of its own: a binding's reference
		}
		user, groups := s.user()
		var want []int
		for i, b := range bs {
			if appliesTo(b, user, groups) != "" {
				want = append(want, i)
			}
		}
		got := idx.of(user, groups)
		matched += len(want)
		if len(want) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: index gives bindings %v, trying every binding %v", s.ID(), got, want)
		}
	}
	if matched < 40 {
		t.Fatalf("only %d subject-binding matches: the fixture does not exercise the index", matched)
	}
}
