package reports

import (
	"bytes"
	"encoding/csv"
	"reflect"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
)

func readCSV(t *testing.T, out []byte) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, out)
	}
	return rows
}

func TestCSV(t *testing.T) {
	out := render(t, CSV{}, fixture())
	golden(t, "csv.golden", out)
	rows := readCSV(t, out)
	if !reflect.DeepEqual(rows[0], csvHeader) {
		t.Fatalf("header = %v", rows[0])
	}
	if len(rows) != 6 {
		t.Fatalf("got %d rows, want header + 5 findings", len(rows))
	}
	want := map[int][]string{
		1: {"critical", "K8S-001", "Privileged container", "", "apps/v1", "Deployment", "default", "web",
			"manifests/web app.yaml", "12", `container "app" is privileged | runs as <root> & more`,
			"false", "", "", "cis-k8s:5.2.1;nsa:pod-security"},
		3: {"critical", "K8S-001", "Privileged container", "", "v1", "Pod", "kube-system", "debug",
			"manifests/debug.yaml", "1", `container "shell" is privileged`,
			"true", "break-glass debugging pod", "2030-01-01", "cis-k8s:5.2.1;nsa:pod-security"},
		4: {"high", "K8S-020", "Binding to cluster-admin", "eu-prod", "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "", "ops-admin",
			"", "", "group \"ops\" is bound to cluster-admin\nvia ClusterRoleBinding ops-admin",
			"false", "", "", "cis-k8s:5.1.1"},
		5: {"medium", "K8S-010", "Image uses the latest tag", "", "apps/v1", "Deployment", "default", "web",
			"manifests/web app.yaml", "12", `container "app" uses image nginx:latest`, "false", "", "", "cis-k8s:5.5.1"},
	}
	for i, w := range want {
		if !reflect.DeepEqual(rows[i], w) {
			t.Errorf("row %d =\n %q\nwant\n %q", i, rows[i], w)
		}
	}
}

func TestCSVFormulaInjection(t *testing.T) {
	tests := []struct{ in, want string }{
		{"=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"},
		{"+1+1", "'+1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"plain = text", "plain = text"},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := csvSafe(tc.in); got != tc.want {
				t.Errorf("csvSafe(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	t.Run("end to end", func(t *testing.T) {
		r := &engine.Result{Findings: []engine.Finding{{
			PolicyID: "P", Title: "@title", Severity: engine.SeverityLow,
			Resource: engine.Resource{Kind: "ConfigMap", Namespace: "default", Name: "cm"},
			Message:  `=cmd|' /C calc'!A0`,
			Excepted: &engine.AppliedException{Reason: "-because"},
		}}}
		rows := readCSV(t, render(t, CSV{}, r))
		got := []string{rows[1][2], rows[1][10], rows[1][12]}
		want := []string{"'@title", `'=cmd|' /C calc'!A0`, "'-because"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("cells = %q, want %q", got, want)
		}
	})
}
