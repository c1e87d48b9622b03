package reports

import (
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
)

// cellCount counts the cells of a Markdown table row, ignoring escaped pipes.
func cellCount(row string) int {
	return strings.Count(strings.ReplaceAll(row, `\|`, ""), "|") - 1
}

func TestMarkdown(t *testing.T) {
	out := string(render(t, Markdown{}, fixture()))
	golden(t, "markdown.golden", []byte(out))

	for _, want := range []string{
		"| critical | 2 | 1 |",
		"| **total** | 4 | 1 |",
		"3 checks passed, 4 policies, 1 input errors, 1 warnings.",
		`container "app" is privileged \| runs as &lt;root&gt; &amp; more`,
		"group \"ops\" is bound to cluster-admin<br>via ClusterRoleBinding ops-admin",
		"| CRITICAL | K8S-001: Privileged container | Pod/kube-system/debug | manifests/debug.yaml:1 | container \"shell\" is privileged | break-glass debugging pod, ticket SEC-42, approved by alice, expires 2030-01-01 |",
		"| HIGH | K8S-020: Binding to cluster-admin | ClusterRoleBinding/ops-admin | cluster eu-prod |",
		"- **error**: manifests/broken.yaml:3: yaml: mapping values are not allowed in this context",
		"- **warning**: cluster \"us-dev\": NetworkPolicy: listing: forbidden",
		"| us-dev | partial | 57 | v1.30.5 | NetworkPolicy | listing networkpolicies: forbidden |",
		"| cis-k8s | (fleet) | 50.0% | 1 | 1 | 2 | 1 |",
		"| cis-k8s | 5.1.1 | Limit cluster-admin | eu-prod | K8S-020 | 1 | 1 |",
		"| K8S-020 | old migration |  |  | 2024-01-01 | expired | 0 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(out, "<root>") {
		t.Error("raw HTML from a message reached the output")
	}

	// Every row of a table has as many cells as its header.
	cols := 0
	for i, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		if cols == 0 {
			cols = cellCount(line)
			continue
		}
		if n := cellCount(line); n != cols {
			t.Errorf("line %d has %d cells, header has %d: %s", i+1, n, cols, line)
		}
	}
}

func TestMarkdownScanOnly(t *testing.T) {
	r := fixture()
	r.Clusters, r.Scores, r.Controls, r.Exceptions, r.Errors = nil, nil, nil, nil, nil
	out := string(render(t, Markdown{}, r))
	for _, section := range []string{"## Input errors", "## Clusters", "## Scores", "## Failing controls", "## Exceptions"} {
		if strings.Contains(out, section) {
			t.Errorf("scan-only report has %q", section)
		}
	}
	if !strings.Contains(out, "## Findings") {
		t.Error("findings section missing")
	}
	empty := string(render(t, Markdown{}, &engine.Result{}))
	if !strings.Contains(empty, "No findings.") || !strings.Contains(empty, "| **total** | 0 | 0 |") {
		t.Errorf("empty report:\n%s", empty)
	}
}

func TestMarkdownEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a|b", `a\|b`},
		{"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"line1\nline2\r\nline3", "line1<br>line2<br>line3"},
		{"**bold** _it_ `code` [link](x)", `\*\*bold\*\* \_it\_ \` + "`code\\`" + ` \[link\](x)`},
		{`back\slash`, `back\\slash`},
		{"  trimmed \n", "trimmed"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := mdEscape(tc.in); got != tc.want {
				t.Errorf("mdEscape(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
