package snapshot

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Subject is an RBAC subject: a User, a Group or a ServiceAccount.
type Subject struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"` // ServiceAccounts only
}

// ID is the subject's stable key: "User:alice", "Group:devs",
// "ServiceAccount:ns:name".
func (s Subject) ID() string {
	if s.Kind == "ServiceAccount" {
		return "ServiceAccount:" + s.Namespace + ":" + s.Name
	}
	return s.Kind + ":" + s.Name
}

// user returns the username and groups the authenticator gives this subject.
// A Group subject is treated as a member of that group and nothing else.
func (s Subject) user() (string, []string) {
	switch s.Kind {
	case "ServiceAccount":
		return "system:serviceaccount:" + s.Namespace + ":" + s.Name,
			[]string{"system:serviceaccounts", "system:serviceaccounts:" + s.Namespace, "system:authenticated"}
	case "User":
		if s.Name == "system:anonymous" {
			return s.Name, []string{"system:unauthenticated"}
		}
		return s.Name, []string{"system:authenticated"}
	case "Group":
		return "", []string{s.Name}
	}
	return "", nil
}

// Grant is one rule held by a subject through one binding.
type Grant struct {
	Rule
	Binding   Ref    `json:"binding"`             // the RoleBinding or ClusterRoleBinding
	Role      Ref    `json:"role"`                // the Role or ClusterRole it refers to
	Scope     string `json:"scope"`               // "cluster" or "namespace"
	Namespace string `json:"namespace,omitempty"` // where it applies, for scope "namespace"
	Via       string `json:"via,omitempty"`       // the group the subject holds it through; empty when bound directly
}

// Permission is one sensitive permission a subject holds, from one grant.
type Permission struct {
	Name          string   `json:"permission"` // see sensitivePermissions
	Verbs         []string `json:"verbs"`      // the verbs of the permission the rule grants
	Group         string   `json:"group"`
	Resource      string   `json:"resource"`      // e.g. "secrets", "pods/exec"
	ResourceNames []string `json:"resourceNames"` // empty: every object
	Scope         string   `json:"scope"`
	Namespace     string   `json:"namespace,omitempty"`
	Binding       Ref      `json:"binding"`
	Role          Ref      `json:"role"`
	Via           string   `json:"via,omitempty"`
}

// SubjectView is one subject's effective access.
type SubjectView struct {
	Subject
	ID           string       `json:"id"`
	Groups       []string     `json:"groups"`       // implicit groups it belongs to
	Missing      bool         `json:"missing"`      // a ServiceAccount named by a binding that does not exist
	ClusterAdmin bool         `json:"clusterAdmin"` // holds "*" verbs on "*" resources in "*" groups cluster-wide
	Grants       []Grant      `json:"grants"`
	Sensitive    []Permission `json:"sensitive"`
	Direct       []Held       `json:"direct"` // Grants and Sensitive bound to the subject itself, grouped by binding
}

// Held is what one binding gives a subject directly (not through one of its
// groups): the rules of the binding's role and the sensitive permissions
// they give. It repeats, grouped by binding, the subject's grants and
// permissions whose Via is empty, so that policies reporting one finding per
// subject and binding iterate bindings instead of scanning every grant.
type Held struct {
	Binding   Ref          `json:"binding"`
	Role      Ref          `json:"role"`
	Scope     string       `json:"scope"`               // "cluster" or "namespace"
	Namespace string       `json:"namespace,omitempty"` // where it applies, for scope "namespace"
	Rules     []Rule       `json:"rules"`               // never empty
	Sensitive []Permission `json:"sensitive"`
}

// Binding is a RoleBinding or ClusterRoleBinding, normalised.
type Binding struct {
	Ref
	RoleRef    Ref       `json:"roleRef"`
	RoleExists bool      `json:"roleExists"`
	Subjects   []Subject `json:"subjects"`
}

// Drift is an aggregated ClusterRole whose stored rules differ from the union
// recomputed from its aggregationRule. Rule order is not drift.
type Drift struct {
	Name    string `json:"name"`
	Missing []Rule `json:"missing"` // recomputed but not stored
	Extra   []Rule `json:"extra"`   // stored but not recomputed
	Error   string `json:"error,omitempty"`
}

// Dangling is a binding that refers to a role or a ServiceAccount that does
// not exist.
type Dangling struct {
	Binding Ref      `json:"binding"`
	Reason  string   `json:"reason"` // "role not found", "service account not found", "service account without namespace"
	RoleRef Ref      `json:"roleRef"`
	Subject *Subject `json:"subject,omitempty"`
}

// RBAC is the effective RBAC view. Aggregated ClusterRoles grant the union of
// their stored rules and the rules recomputed from their aggregationRule, so
// the view holds both what the role grants now and what the aggregation
// controller will make it grant. Methods are safe for concurrent use.
type RBAC struct {
	Subjects        []SubjectView `json:"subjects"`
	Bindings        []Binding     `json:"bindings"`
	Drift           []Drift       `json:"drift"`
	Dangling        []Dangling    `json:"dangling"`
	Unauthenticated []Grant       `json:"unauthenticated"` // grants to system:anonymous or system:unauthenticated

	bindings []binding
}

type binding struct {
	Binding
	rules []Rule
}

// Can reports whether the subject may make the request, as the RBAC
// authorizer would decide with these objects: ClusterRoleBindings apply
// everywhere, RoleBindings only to requests in their namespace, and the
// subject's implicit groups count.
func (r *RBAC) Can(s Subject, req Request) bool {
	user, groups := s.user()
	for _, b := range r.bindings {
		if b.Kind == "RoleBinding" && (req.Namespace == "" || req.Namespace != b.Namespace) {
			continue
		}
		if appliesTo(b, user, groups) == "" {
			continue
		}
		for _, rule := range b.rules {
			if rule.Allows(req) {
				return true
			}
		}
	}
	return false
}

// appliesTo returns how a binding applies to a user: "direct", the group it
// applies through, or "" if it does not.
func appliesTo(b binding, user string, groups []string) string {
	for _, s := range b.Subjects {
		u, g := holder(b, s)
		if u != "" && u == user {
			return "direct"
		}
		if g != "" && slices.Contains(groups, g) {
			return g
		}
	}
	return ""
}

// holder returns the user or the group one subject entry of b names: a
// User's name, a ServiceAccount's user name (its namespace defaulting to
// the RoleBinding's), or a Group's name; both are empty for anything else.
func holder(b binding, s Subject) (user, group string) {
	switch s.Kind {
	case "User":
		return s.Name, ""
	case "Group":
		return "", s.Name
	case "ServiceAccount":
		ns := s.Namespace
		if ns == "" && b.Kind == "RoleBinding" {
			ns = b.Namespace
		}
		if ns != "" {
			return "system:serviceaccount:" + ns + ":" + s.Name, ""
		}
	}
	return "", ""
}

func deriveRBAC(byKind map[string][]map[string]any) *RBAC {
	roles := map[string][]Rule{} // "Role:ns:name" or "ClusterRole::name"
	for _, o := range byKind["Role"] {
		ns, name := meta(o)
		roles["Role:"+ns+":"+name] = rulesOf(o)
	}
	view := &RBAC{Subjects: []SubjectView{}, Bindings: []Binding{}, Drift: []Drift{}, Dangling: []Dangling{}, Unauthenticated: []Grant{}}
	clusterRules, drift := aggregate(byKind["ClusterRole"])
	view.Drift = drift
	for name, rules := range clusterRules {
		roles["ClusterRole::"+name] = rules
	}
	sas := map[string]bool{}
	for _, o := range byKind["ServiceAccount"] {
		ns, name := meta(o)
		sas[Subject{Kind: "ServiceAccount", Namespace: ns, Name: name}.ID()] = true
	}

	subjects := map[string]Subject{}
	for id := range sas {
		p := strings.SplitN(id, ":", 3)
		subjects[id] = Subject{Kind: "ServiceAccount", Namespace: p[1], Name: p[2]}
	}
	for _, kind := range []string{"ClusterRoleBinding", "RoleBinding"} {
		for _, o := range byKind[kind] {
			b := bindingOf(o)
			roleKey := b.RoleRef.Kind + "::" + b.RoleRef.Name
			if b.RoleRef.Kind == "Role" {
				roleKey = "Role:" + b.Namespace + ":" + b.RoleRef.Name
			}
			rules, ok := roles[roleKey]
			b.RoleExists = ok
			if !ok {
				view.Dangling = append(view.Dangling, Dangling{Binding: b.Ref, Reason: "role not found", RoleRef: b.RoleRef})
			}
			for i, s := range b.Subjects {
				if s.Kind == "ServiceAccount" {
					if s.Namespace == "" {
						s.Namespace = b.Namespace
						b.Subjects[i] = s
					}
					if s.Namespace == "" {
						view.Dangling = append(view.Dangling, Dangling{Binding: b.Ref, Reason: "service account without namespace", RoleRef: b.RoleRef, Subject: &s})
						continue
					}
					if !sas[s.ID()] {
						view.Dangling = append(view.Dangling, Dangling{Binding: b.Ref, Reason: "service account not found", RoleRef: b.RoleRef, Subject: &s})
					}
				}
				if s.Kind == "User" || s.Kind == "Group" || s.Kind == "ServiceAccount" {
					subjects[s.ID()] = s
				}
			}
			view.Bindings = append(view.Bindings, b)
			view.bindings = append(view.bindings, binding{Binding: b, rules: rules})
		}
	}
	sort.Slice(view.Bindings, func(i, j int) bool { return lessRef(view.Bindings[i].Ref, view.Bindings[j].Ref) })
	sort.Slice(view.bindings, func(i, j int) bool { return lessRef(view.bindings[i].Ref, view.bindings[j].Ref) })

	holders := bindingsByHolder(view.bindings)
	for _, id := range sortedKeys(subjects) {
		s := subjects[id]
		user, groups := s.user()
		sv := SubjectView{Subject: s, ID: id, Groups: groups, Grants: []Grant{}, Sensitive: []Permission{}, Direct: []Held{}}
		if groups == nil {
			sv.Groups = []string{}
		}
		if s.Kind == "Group" {
			sv.Groups = []string{}
		}
		sv.Missing = s.Kind == "ServiceAccount" && !sas[id]
		for _, bi := range holders.of(user, groups) {
			b := view.bindings[bi]
			how := appliesTo(b, user, groups)
			if how == "" {
				continue
			}
			if how == "direct" || (s.Kind == "Group" && how == s.Name) {
				how = ""
			}
			if len(b.rules) == 0 {
				continue
			}
			h := Held{Binding: b.Ref, Role: b.RoleRef, Scope: "cluster", Rules: b.rules, Sensitive: []Permission{}}
			if b.Kind == "RoleBinding" {
				h.Scope, h.Namespace = "namespace", b.Namespace
			}
			for _, rule := range b.rules {
				g := Grant{Rule: rule, Binding: b.Ref, Role: b.RoleRef, Scope: h.Scope, Namespace: h.Namespace, Via: how}
				sv.Grants = append(sv.Grants, g)
				ps := sensitive(g)
				sv.Sensitive = append(sv.Sensitive, ps...)
				if how == "" {
					h.Sensitive = append(h.Sensitive, ps...)
				}
				if g.Scope == "cluster" && isWildcard(g.Rule) {
					sv.ClusterAdmin = true
				}
			}
			if how == "" {
				sv.Direct = append(sv.Direct, h)
			}
		}
		if (s.Kind == "User" && s.Name == "system:anonymous") || (s.Kind == "Group" && s.Name == "system:unauthenticated") {
			for _, g := range sv.Grants {
				if g.Via == "" {
					view.Unauthenticated = append(view.Unauthenticated, g)
				}
			}
		}
		view.Subjects = append(view.Subjects, sv)
	}
	return view
}

// holderIndex lists, for each user and group name a binding names (service
// accounts as their user names), the indexes of those bindings in order. A
// subject's bindings are then found by its names instead of by trying every
// binding of the cluster (a cluster with thousands of bindings and subjects
// made that the bulk of deriving the views).
type holderIndex map[string][]int

func bindingsByHolder(bs []binding) holderIndex {
	idx := holderIndex{}
	add := func(key string, i int) {
		if l := idx[key]; len(l) == 0 || l[len(l)-1] != i {
			idx[key] = append(l, i)
		}
	}
	for i, b := range bs {
		for _, s := range b.Subjects {
			switch u, g := holder(b, s); {
			case u != "":
				add("user\x00"+u, i)
			case g != "":
				add("group\x00"+g, i)
			}
		}
	}
	return idx
}

// of returns, in binding order, the bindings that may apply to the user or
// any of its groups (appliesTo decides how).
func (idx holderIndex) of(user string, groups []string) []int {
	var out []int
	if user != "" {
		out = append(out, idx["user\x00"+user]...)
	}
	for _, g := range groups {
		out = append(out, idx["group\x00"+g]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func rulesOf(o map[string]any) []Rule {
	var out []Rule
	for _, m := range maps(o["rules"]) {
		out = append(out, ruleOf(m))
	}
	return out
}

func bindingOf(o map[string]any) Binding {
	b := Binding{Ref: refOf(o), Subjects: []Subject{}}
	rr, _ := o["roleRef"].(map[string]any)
	b.RoleRef.Kind, _ = rr["kind"].(string)
	b.RoleRef.Name, _ = rr["name"].(string)
	if g, _ := rr["apiGroup"].(string); g != "" {
		b.RoleRef.APIVersion = g + "/v1" // the one version of RBAC's kinds
	}
	if b.RoleRef.Kind == "Role" {
		b.RoleRef.Namespace = b.Namespace
	}
	if b.Kind == "ClusterRoleBinding" {
		b.Namespace = ""
	}
	for _, m := range maps(o["subjects"]) {
		s := Subject{}
		s.Kind, _ = m["kind"].(string)
		s.Name, _ = m["name"].(string)
		s.Namespace, _ = m["namespace"].(string)
		b.Subjects = append(b.Subjects, s)
	}
	return b
}

// aggregate returns the effective rules of every ClusterRole and the drift of
// aggregated ones. Aggregation is iterated to a fixed point, as the
// controller converges when aggregated roles select other aggregated roles.
func aggregate(crs []map[string]any) (map[string][]Rule, []Drift) {
	type cr struct {
		name      string
		labels    labels.Set
		stored    []Rule
		selectors []labels.Selector
		err       string
		agg       bool
	}
	var list []*cr
	for _, o := range crs {
		_, name := meta(o)
		c := &cr{name: name, labels: labels.Set(labelsOf(o)), stored: rulesOf(o)}
		if ar, ok := o["aggregationRule"].(map[string]any); ok {
			c.agg = true
			for i, m := range maps(ar["clusterRoleSelectors"]) {
				sel, err := selectorOf(m)
				if err != nil {
					c.err = fmt.Sprintf("clusterRoleSelectors[%d]: %v", i, err)
					continue
				}
				c.selectors = append(c.selectors, sel)
			}
		}
		list = append(list, c)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].name < list[j].name })
	cur := map[string][]Rule{}
	for _, c := range list {
		cur[c.name] = c.stored
	}
	// Each round computes every aggregated role from the previous round.
	for round := 0; round <= len(list); round++ {
		next := map[string][]Rule{}
		changed := false
		for _, c := range list {
			if !c.agg {
				next[c.name] = c.stored
				continue
			}
			var rules []Rule
			seen := map[string]bool{}
			for _, sel := range c.selectors {
				for _, o := range list {
					if o.name == c.name || !sel.Matches(o.labels) {
						continue
					}
					for _, r := range cur[o.name] {
						if k := r.key(); !seen[k] {
							seen[k] = true
							rules = append(rules, r)
						}
					}
				}
			}
			next[c.name] = rules
			if !sameRules(rules, cur[c.name]) {
				changed = true
			}
		}
		cur = next
		if !changed {
			break
		}
	}
	effective := map[string][]Rule{}
	drift := []Drift{}
	for _, c := range list {
		if !c.agg {
			effective[c.name] = c.stored
			continue
		}
		rec := cur[c.name]
		missing, extra := diffRules(rec, c.stored)
		effective[c.name] = append(append([]Rule{}, rec...), extra...)
		if len(missing) > 0 || len(extra) > 0 || c.err != "" {
			drift = append(drift, Drift{Name: c.name, Missing: missing, Extra: extra, Error: c.err})
		}
	}
	return effective, drift
}

func selectorOf(m map[string]any) (labels.Selector, error) {
	ls := &metav1.LabelSelector{MatchLabels: stringMap(m["matchLabels"])}
	for _, e := range maps(m["matchExpressions"]) {
		key, _ := e["key"].(string)
		op, _ := e["operator"].(string)
		ls.MatchExpressions = append(ls.MatchExpressions, metav1.LabelSelectorRequirement{
			Key: key, Operator: metav1.LabelSelectorOperator(op), Values: strs(e["values"]),
		})
	}
	return metav1.LabelSelectorAsSelector(ls)
}

func sameRules(a, b []Rule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].key() != b[i].key() {
			return false
		}
	}
	return true
}

// diffRules returns the rules of want missing from have, and of have missing
// from want, as sets.
func diffRules(want, have []Rule) (missing, extra []Rule) {
	in := func(l []Rule) map[string]bool {
		m := map[string]bool{}
		for _, r := range l {
			m[r.key()] = true
		}
		return m
	}
	w, h := in(want), in(have)
	missing, extra = []Rule{}, []Rule{}
	for _, r := range want {
		if !h[r.key()] {
			missing = append(missing, r)
		}
	}
	for _, r := range have {
		if !w[r.key()] {
			extra = append(extra, r)
		}
	}
	return missing, extra
}

func isWildcard(r Rule) bool {
	return has(r.Verbs, "*") && has(r.APIGroups, "*") && has(r.Resources, "*") && len(r.ResourceNames) == 0
}

func has(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// probe is one sensitive access: a resource and the verbs that make it so.
type probe struct {
	name, group, resource string
	verbs                 []string
	cluster               bool // cluster-scoped: only cluster-wide grants give it
}

// sensitivePermissions lists the permissions summarised per subject, by name.
var sensitivePermissions = []probe{
	{"read-secrets", "", "secrets", []string{"get", "list", "watch"}, false},
	{"create-pods", "", "pods", []string{"create"}, false},
	{"create-workloads", "apps", "deployments", []string{"create"}, false},
	{"create-workloads", "apps", "statefulsets", []string{"create"}, false},
	{"create-workloads", "apps", "daemonsets", []string{"create"}, false},
	{"create-workloads", "apps", "replicasets", []string{"create"}, false},
	{"create-workloads", "batch", "jobs", []string{"create"}, false},
	{"create-workloads", "batch", "cronjobs", []string{"create"}, false},
	{"create-workloads", "", "replicationcontrollers", []string{"create"}, false},
	{"pods-exec", "", "pods/exec", []string{"create", "get"}, false},
	{"pods-attach", "", "pods/attach", []string{"create", "get"}, false},
	{"pods-portforward", "", "pods/portforward", []string{"create", "get"}, false},
	{"escalate", "rbac.authorization.k8s.io", "roles", []string{"escalate"}, false},
	{"escalate", "rbac.authorization.k8s.io", "clusterroles", []string{"escalate"}, true},
	{"bind", "rbac.authorization.k8s.io", "roles", []string{"bind"}, false},
	{"bind", "rbac.authorization.k8s.io", "clusterroles", []string{"bind"}, true},
	{"impersonate", "", "users", []string{"impersonate"}, true},
	{"impersonate", "", "groups", []string{"impersonate"}, true},
	{"impersonate", "", "serviceaccounts", []string{"impersonate"}, false},
	{"impersonate", "authentication.k8s.io", "uids", []string{"impersonate"}, true},
	{"nodes-proxy", "", "nodes/proxy", []string{"get", "create"}, true},
	{"serviceaccount-token", "", "serviceaccounts/token", []string{"create"}, false},
	{"csr-approval", "certificates.k8s.io", "certificatesigningrequests/approval", []string{"update", "patch"}, true},
	{"signers-approve", "certificates.k8s.io", "signers", []string{"approve"}, true},
	{"webhook-config-write", "admissionregistration.k8s.io", "validatingwebhookconfigurations", []string{"create", "update", "patch", "delete", "deletecollection"}, true},
	{"webhook-config-write", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", []string{"create", "update", "patch", "delete", "deletecollection"}, true},
	{"create-persistentvolumes", "", "persistentvolumes", []string{"create"}, true},
}

// sensitive returns the sensitive permissions one grant gives. Resource names
// are not matched: a rule limited to names still gives the permission on
// those names, reported in ResourceNames.
func sensitive(g Grant) []Permission {
	var out []Permission
	if isWildcard(g.Rule) {
		out = append(out, Permission{Name: "wildcard", Verbs: []string{"*"}, Group: "*", Resource: "*",
			ResourceNames: []string{}, Scope: g.Scope, Namespace: g.Namespace, Binding: g.Binding, Role: g.Role, Via: g.Via})
	}
	for _, p := range sensitivePermissions {
		if p.cluster && g.Scope != "cluster" {
			continue
		}
		_, sub, _ := strings.Cut(p.resource, "/")
		if !groupMatches(g.Rule, p.group) || !resourceMatches(g.Rule, p.resource, sub) {
			continue
		}
		var verbs []string
		for _, v := range p.verbs {
			if verbMatches(g.Rule, v) {
				verbs = append(verbs, v)
			}
		}
		if len(verbs) == 0 {
			continue
		}
		out = append(out, Permission{Name: p.name, Verbs: verbs, Group: p.group, Resource: p.resource,
			ResourceNames: g.ResourceNames, Scope: g.Scope, Namespace: g.Namespace, Binding: g.Binding, Role: g.Role, Via: g.Via})
	}
	return out
}

// secretReaders returns a function listing the subjects (by ID) bound
// directly to rules that let them read a given Secret, with the verbs: get on
// that name, list or watch on the namespace's collection (which resourceNames
// cannot grant). Grants held only through a group are listed under the group.
func (r *RBAC) secretReaders() func(ns, name string) []Reader {
	type cand struct {
		id     string
		grants []Grant
	}
	var cands []cand
	for _, sv := range r.Subjects {
		var gs []Grant
		for _, g := range sv.Grants {
			if g.Via == "" && groupMatches(g.Rule, "") && resourceMatches(g.Rule, "secrets", "") &&
				(verbMatches(g.Rule, "get") || verbMatches(g.Rule, "list") || verbMatches(g.Rule, "watch")) {
				gs = append(gs, g)
			}
		}
		if len(gs) > 0 {
			cands = append(cands, cand{sv.ID, gs})
		}
	}
	return func(ns, name string) []Reader {
		out := []Reader{}
		for _, c := range cands {
			verbs := map[string]bool{}
			for _, g := range c.grants {
				if g.Scope == "namespace" && g.Namespace != ns {
					continue
				}
				for _, v := range []string{"get", "list", "watch"} {
					req := Request{Verb: v, Resource: "secrets", Namespace: ns}
					if v == "get" {
						req.Name = name
					}
					if g.Allows(req) {
						verbs[v] = true
					}
				}
			}
			if len(verbs) > 0 {
				out = append(out, Reader{Subject: c.id, Verbs: sortedKeys(verbs)})
			}
		}
		return out
	}
}

// Reader is a subject that can read a Secret, and how.
type Reader struct {
	Subject string   `json:"subject"` // a SubjectView ID
	Verbs   []string `json:"verbs"`
}
