package snapshot

import "strings"

// Rule is an RBAC PolicyRule. Empty lists are empty, never nil, so rules
// compare and encode the same whichever way they were written.
type Rule struct {
	Verbs           []string `json:"verbs"`
	APIGroups       []string `json:"apiGroups"`
	Resources       []string `json:"resources"`
	ResourceNames   []string `json:"resourceNames"`
	NonResourceURLs []string `json:"nonResourceURLs"`
}

func ruleOf(m map[string]any) Rule {
	return Rule{
		Verbs:           strs(m["verbs"]),
		APIGroups:       strs(m["apiGroups"]),
		Resources:       strs(m["resources"]),
		ResourceNames:   strs(m["resourceNames"]),
		NonResourceURLs: strs(m["nonResourceURLs"]),
	}
}

// key is a canonical string for rule equality (order-sensitive inside each
// list, as the aggregation controller compares rules).
func (r Rule) key() string {
	var b strings.Builder
	for _, l := range [][]string{r.Verbs, r.APIGroups, r.Resources, r.ResourceNames, r.NonResourceURLs} {
		b.WriteString(strings.Join(l, "\x00"))
		b.WriteByte('\x01')
	}
	return b.String()
}

// Request is one access to authorize, in the terms of the Kubernetes
// authorizer attributes. A request with a Path is a non-resource request
// (e.g. "/healthz"); otherwise Resource is the plural resource name,
// Subresource is e.g. "exec", Namespace is empty for cluster-scoped
// resources, and Name is empty for collections (list, watch, create).
type Request struct {
	Verb        string `json:"verb"`
	Group       string `json:"group,omitempty"`
	Resource    string `json:"resource,omitempty"`
	Subresource string `json:"subresource,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
	Name        string `json:"name,omitempty"`
	Path        string `json:"path,omitempty"`
}

// Allows reports whether rule r allows req, exactly as the Kubernetes RBAC
// authorizer's RuleAllows does (k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac
// with the helpers of pkg/apis/rbac/v1/evaluation_helpers.go).
func (r Rule) Allows(req Request) bool {
	if req.Path == "" {
		combined := req.Resource
		if req.Subresource != "" {
			combined += "/" + req.Subresource
		}
		return verbMatches(r, req.Verb) && groupMatches(r, req.Group) &&
			resourceMatches(r, combined, req.Subresource) && nameMatches(r, req.Name)
	}
	return verbMatches(r, req.Verb) && urlMatches(r, req.Path)
}

func verbMatches(r Rule, verb string) bool {
	for _, v := range r.Verbs {
		if v == "*" || v == verb {
			return true
		}
	}
	return false
}

func groupMatches(r Rule, group string) bool {
	for _, g := range r.APIGroups {
		if g == "*" || g == group {
			return true
		}
	}
	return false
}

// resourceMatches matches "*", the exact "resource/subresource", and
// "*/subresource". Nothing else is a wildcard: "pods/*" matches only a
// subresource literally named "*", so it does not grant pods/exec.
func resourceMatches(r Rule, combined, sub string) bool {
	for _, res := range r.Resources {
		if res == "*" || res == combined {
			return true
		}
		if sub == "" {
			continue
		}
		if len(res) == len(sub)+2 && strings.HasPrefix(res, "*/") && strings.HasSuffix(res, sub) {
			return true
		}
	}
	return false
}

func nameMatches(r Rule, name string) bool {
	if len(r.ResourceNames) == 0 {
		return true
	}
	for _, n := range r.ResourceNames {
		if n == name {
			return true
		}
	}
	return false
}

func urlMatches(r Rule, path string) bool {
	for _, u := range r.NonResourceURLs {
		if u == "*" || u == path {
			return true
		}
		if strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimRight(u, "*")) {
			return true
		}
	}
	return false
}
