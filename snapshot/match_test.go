package snapshot

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// objects decodes a multi-document YAML string into objects.
func objects(t *testing.T, docs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, d := range strings.Split(docs, "\n---\n") {
		if strings.TrimSpace(d) == "" {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatalf("fixture: %v\n%s", err, d)
		}
		out = append(out, m)
	}
	return out
}

func TestRuleAllows(t *testing.T) {
	rule := func(verbs, groups, resources, names, urls string) Rule {
		f := func(s string) []string {
			if s == "" {
				return []string{}
			}
			return strings.Split(s, ",")
		}
		return Rule{Verbs: f(verbs), APIGroups: strings.Split(groups, ","), Resources: f(resources), ResourceNames: f(names), NonResourceURLs: f(urls)}
	}
	tests := []struct {
		name string
		rule Rule
		req  Request
		want bool
	}{
		{"exact", rule("get", "", "pods", "", ""), Request{Verb: "get", Resource: "pods", Namespace: "a"}, true},
		{"other verb", rule("get", "", "pods", "", ""), Request{Verb: "list", Resource: "pods"}, false},
		{"verb wildcard", rule("*", "", "pods", "", ""), Request{Verb: "delete", Resource: "pods"}, true},
		{"group mismatch", rule("get", "apps", "pods", "", ""), Request{Verb: "get", Resource: "pods"}, false},
		{"group wildcard", rule("get", "*", "deployments", "", ""), Request{Verb: "get", Group: "apps", Resource: "deployments"}, true},
		{"resource wildcard", rule("get", "", "*", "", ""), Request{Verb: "get", Resource: "secrets"}, true},
		{"resource wildcard covers subresource", rule("create", "", "*", "", ""), Request{Verb: "create", Resource: "pods", Subresource: "exec"}, true},
		{"resource does not cover subresource", rule("create", "", "pods", "", ""), Request{Verb: "create", Resource: "pods", Subresource: "exec"}, false},
		{"exact subresource", rule("create", "", "pods/exec", "", ""), Request{Verb: "create", Resource: "pods", Subresource: "exec"}, true},
		{"star slash subresource", rule("create", "", "*/exec", "", ""), Request{Verb: "create", Resource: "pods", Subresource: "exec"}, true},
		{"star slash other subresource", rule("create", "", "*/attach", "", ""), Request{Verb: "create", Resource: "pods", Subresource: "exec"}, false},
		{"star slash without subresource", rule("get", "", "*/exec", "", ""), Request{Verb: "get", Resource: "pods"}, false},
		{"pods/* does not grant pods/exec", rule("create", "", "pods/*", "", ""), Request{Verb: "create", Resource: "pods", Subresource: "exec"}, false},
		{"pods/* does not grant pods", rule("get", "", "pods/*", "", ""), Request{Verb: "get", Resource: "pods"}, false},
		{"subresource rule does not grant parent", rule("get", "", "pods/log", "", ""), Request{Verb: "get", Resource: "pods"}, false},
		{"resourceNames match", rule("get", "", "secrets", "db", ""), Request{Verb: "get", Resource: "secrets", Name: "db"}, true},
		{"resourceNames other name", rule("get", "", "secrets", "db", ""), Request{Verb: "get", Resource: "secrets", Name: "api"}, false},
		{"resourceNames do not grant list", rule("list", "", "secrets", "db", ""), Request{Verb: "list", Resource: "secrets"}, false},
		{"no resourceNames any name", rule("get", "", "secrets", "", ""), Request{Verb: "get", Resource: "secrets", Name: "x"}, true},
		{"core group is the empty string", rule("get", "", "pods", "", ""), Request{Verb: "get", Group: "apps", Resource: "pods"}, false},
		{"url exact", rule("get", "", "", "", "/healthz"), Request{Verb: "get", Path: "/healthz"}, true},
		{"url prefix", rule("get", "", "", "", "/logs/*"), Request{Verb: "get", Path: "/logs/kube.log"}, true},
		{"url prefix needs the prefix", rule("get", "", "", "", "/logs/*"), Request{Verb: "get", Path: "/log"}, false},
		{"url star", rule("get", "", "", "", "*"), Request{Verb: "get", Path: "/metrics"}, true},
		{"url other", rule("get", "", "", "", "/healthz"), Request{Verb: "get", Path: "/healthz/etcd"}, false},
		{"resource rule does not grant urls", rule("*", "*", "*", "", ""), Request{Verb: "get", Path: "/healthz"}, false},
		{"url rule does not grant resources", rule("*", "", "", "", "*"), Request{Verb: "get", Resource: "pods"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rule.Allows(tt.req); got != tt.want {
				t.Errorf("%+v.Allows(%+v) = %v, want %v", tt.rule, tt.req, got, tt.want)
			}
		})
	}
}
