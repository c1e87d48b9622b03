package reports

import (
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
)

func TestTable(t *testing.T) {
	plain := string(render(t, Table{}, fixture()))
	golden(t, "table.golden", []byte(plain))

	tests := []struct {
		name  string
		color bool
		want  []string
		never []string
	}{
		{
			"plain", false,
			[]string{
				"CRITICAL  K8S-001",
				"(excepted: break-glass debugging pod)",
				"group \"ops\" is bound to cluster-admin via ClusterRoleBinding ops-admin",
				"error: manifests/broken.yaml:3: yaml: mapping values are not allowed in this context",
				"warning: cluster \"us-dev\": NetworkPolicy: listing: forbidden",
				"5 findings (critical 3, high 1, medium 1, low 0, info 0), 3 checks passed, 4 policies",
			},
			[]string{"\x1b["},
		},
		{
			"color", true,
			[]string{"\x1b[1;31mCRITICAL\x1b[0m", "\x1b[31mHIGH\x1b[0m", "\x1b[33mMEDIUM\x1b[0m"},
			nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := string(render(t, Table{Color: tc.color}, fixture()))
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("table lacks %q:\n%s", w, out)
				}
			}
			for _, n := range tc.never {
				if strings.Contains(out, n) {
					t.Errorf("table contains %q:\n%s", n, out)
				}
			}
		})
	}

	t.Run("no findings prints no header", func(t *testing.T) {
		out := string(render(t, Table{}, &engine.Result{}))
		if strings.Contains(out, "SEVERITY") || !strings.Contains(out, "0 findings") {
			t.Errorf("output: %q", out)
		}
	})
}
