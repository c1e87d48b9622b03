package fetchers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestLoadConfig(t *testing.T) {
	c, err := LoadConfig("../testdata/fetchers/fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs("../testdata/fetchers/kubeconfig")
	if got, _ := filepath.Abs(c.Kubeconfig); got != abs {
		t.Errorf("kubeconfig = %q, want %q (relative to the config file)", c.Kubeconfig, abs)
	}
	want := []ClusterConfig{
		{Name: "prod-us", Context: "arn:aws:eks:us-east-1:111122223333:cluster/prod", Labels: map[string]string{"env": "prod", "region": "us-east-1", "tier": "critical"}},
		{Name: "staging-eu", Context: "gke_acme_europe-west1_staging", Labels: map[string]string{"env": "staging", "region": "europe-west1", "tier": "medium"}, SystemNamespaces: []string{"kube-system", "gke-managed-system"}},
		{Name: "dev", Context: "dev", Labels: map[string]string{"env": "dev", "region": "eu-west-1", "tier": "low"}},
	}
	if !reflect.DeepEqual(c.Clusters, want) {
		t.Errorf("clusters =\n%+v\nwant\n%+v", c.Clusters, want)
	}
	for name, ns := range map[string][]string{
		"prod-us":    {"kube-system", "kube-public", "kube-node-lease"},
		"staging-eu": {"kube-system", "gke-managed-system"},
	} {
		if got := c.SystemNamespacesOf(name); !reflect.DeepEqual(got, ns) {
			t.Errorf("SystemNamespacesOf(%s) = %v, want %v", name, got, ns)
		}
	}
	if got := c.ByContext("gke_acme_europe-west1_staging"); got == nil || got.Name != "staging-eu" {
		t.Errorf("ByContext(gke...) = %+v, want staging-eu", got)
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error; none: valid
	}{
		{"testfleet shape", `# Written by internal/testfleet.
kubeconfig: /tmp/fleet/kubeconfig
clusters:
    - name: dev
      context: dev
      labels: {env: dev}
      systemNamespaces: [kube-system]
`, nil},
		{"minimal", "clusters: [{name: a}]\n", nil},
		{"bad file", "", []string{"f.yaml:", "at /: "}},
		{"wrong kind, number label, unknown field", `apiVersion: fleetguard.dev/v1alpha1
kind: Fleet
clusters:
  - name: prod-us
    labels:
      env: prod
      tier: 1
  - name: x
    contxt: prod
`, []string{
			"fleet config f.yaml: does not match the schema",
			"f.yaml:2: at /kind: ",
			"f.yaml:7: at /clusters/0/labels/tier: expected string, but got number",
			"f.yaml:8: at /clusters/1: additionalProperties 'contxt' not allowed",
		}},
		{"duplicates", "clusters:\n- {name: a, context: c}\n- {name: a}\n- {name: b, context: c}\n", []string{
			`f.yaml:3: at /clusters/1/name: "a" is also cluster 0`,
			`f.yaml:4: at /clusters/2/context: context "c" is also used by cluster 0`,
		}},
		{"bad name", "clusters: [{name: 'a b'}]\n", []string{"f.yaml:1: at /clusters/0/name: does not match pattern"}},
		{"empty clusters", "clusters: []\n", []string{"at /clusters: minimum 1 items required"}},
		{"not yaml", "clusters: [\n", []string{"fleet config f.yaml: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tt.yaml), "f.yaml")
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if len(c.Clusters) == 0 || c.Clusters[0].Context == "" {
					t.Errorf("clusters = %+v, want contexts set", c.Clusters)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestSecretTable(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    []map[string]any
		wantErr string
	}{
		{
			name: "rows",
			raw: `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"continue":"c1","resourceVersion":"9"},
"columnDefinitions":[{"name":"Name","type":"string"},{"name":"Type","type":"string"},{"name":"Data","type":"string"},{"name":"Age","type":"string"}],
"rows":[{"cells":["db","Opaque",2,"1m"],"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"db","namespace":"shop","labels":{"a":"b"}}}}]}`,
			want: []map[string]any{{
				"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "dataKeys": int64(2),
				"metadata": map[string]any{"name": "db", "namespace": "shop", "labels": map[string]any{"a": "b"}},
			}},
		},
		{
			name:    "a SecretList is refused",
			raw:     `{"kind":"SecretList","apiVersion":"v1","items":[{"metadata":{"name":"x"},"data":{"k":"dmFsdWU="}}]}`,
			wantErr: `asked for a Table of Secrets, got kind "SecretList"`,
		},
		{
			name:    "rows without metadata",
			raw:     `{"kind":"Table","columnDefinitions":[{"name":"Name"}],"rows":[{"cells":["x"]}]}`,
			wantErr: "row 0 has no metadata",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []map[string]any
			lm, err := secretTable([]byte(tt.raw), func(obj map[string]any) error {
				got = append(got, obj)
				return nil
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if lm.Continue != "c1" || lm.ResourceVersion != "9" {
				t.Errorf("list meta = %+v, want continue c1, resourceVersion 9", lm)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("items = %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestTransient(t *testing.T) {
	gr := schema.GroupResource{Resource: "pods"}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{"connection reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{"503", apierrors.NewServiceUnavailable("down"), true},
		{"500", apierrors.NewInternalError(errors.New("boom")), true},
		{"429", apierrors.NewTooManyRequests("slow down", 1), true},
		{"server timeout", apierrors.NewServerTimeout(gr, "list", 1), true},
		{"403", apierrors.NewForbidden(gr, "", errors.New("no")), false},
		{"404", apierrors.NewNotFound(gr, "x"), false},
		{"401", apierrors.NewUnauthorized("who"), false},
		{"deadline", fmt.Errorf("listing pods: %w", context.DeadlineExceeded), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transient(tt.err); got != tt.want {
				t.Errorf("transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
