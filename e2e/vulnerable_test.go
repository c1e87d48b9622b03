package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/internal/testfleet"
	"github.com/fleetguard/fleetguard/snapshot"
)

const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// TestVulnerableManifests is the check of issue 6: a cluster seeded with
// deliberately vulnerable manifests (testdata/e2e/vulnerable) is audited with
// `policy audit --kubeconfig F --context C -o json=FILE`; every known
// weakness must be found on its resource, and the value of its Secret must
// appear nowhere: not in the report, the table, stderr or the history.
func TestVulnerableManifests(t *testing.T) {
	ctx := context.Background()
	c := env.fleet.Cluster(lab)
	canary := "fg-canary-" + randomHex(t)
	applyLikeKubectl(t, ctx, c.Config, filepath.Join(env.root, "testdata", "e2e", "vulnerable", "goat.yaml"), canary)

	// The check below is only worth something if the value is really in
	// the cluster, in both places kubectl apply puts it.
	sec, err := kubernetes.NewForConfigOrDie(c.Config).CoreV1().Secrets("goat-ci").Get(ctx, "vault-api-key", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(sec.Data["k8sgoatvaultkey"]) != canary || !strings.Contains(sec.Annotations[lastApplied], canary) {
		t.Fatalf("the canary is not in Secret goat-ci/vault-api-key (data and %s): the test would prove nothing", lastApplied)
	}
	forms := []string{canary, base64.StdEncoding.EncodeToString([]byte(canary)), base64.RawStdEncoding.EncodeToString([]byte(canary))}

	// The admin context reads everything the apiserver has; the auditor
	// context is the least-privilege role. Both must find the same and
	// leak nothing.
	for _, context := range []string{c.Context, c.AuditorContext} {
		t.Run(context, func(t *testing.T) {
			dir := t.TempDir()
			report := filepath.Join(dir, "audit.json")
			history := filepath.Join(dir, "history.db")
			res := runCLI(t, "audit", "--kubeconfig", env.fleet.Kubeconfig, "--context", context,
				"-o", "json="+report, "-o", "table", "--store", history)
			if res.code != 1 {
				t.Fatalf("exit code = %d, want 1 (findings at or above high)\nstderr:\n%s", res.code, res.stderr)
			}
			r := readResult(t, report)
			if len(r.Clusters) != 1 || r.Clusters[0].State != snapshot.StateComplete || r.Clusters[0].Context != context {
				t.Fatalf("clusters = %+v, want %s complete", r.Clusters, context)
			}
			for _, e := range r.Errors {
				t.Errorf("evaluation error: %s", e.Error())
			}
			for _, w := range weaknesses {
				t.Run(w.policy+" "+w.kind+" "+w.namespace+"/"+w.name, func(t *testing.T) {
					// Without a fleet config the cluster is named after the context.
					if !found(r.Findings, context, w) {
						t.Errorf("not found: %s (%s)", w.why, w.policy)
					}
				})
			}
			if !bytes.Contains(res.stdout, []byte("goat-superadmin")) {
				t.Errorf("the table on stdout does not show the findings:\n%s", res.stdout)
			}

			t.Run("the Secret's value appears nowhere", func(t *testing.T) {
				outputs := map[string][]byte{"stdout": res.stdout, "stderr": res.stderr}
				for _, f := range []string{report, history} {
					b, err := os.ReadFile(f)
					if err != nil {
						t.Fatalf("reading %s: %v", f, err)
					}
					if len(b) == 0 {
						t.Fatalf("%s is empty: nothing checked", f)
					}
					outputs[filepath.Base(f)] = b
				}
				for where, b := range outputs {
					for _, form := range forms {
						if bytes.Contains(b, []byte(form)) {
							t.Errorf("%s contains the Secret's value (as %q)", where, form)
						}
					}
				}
				if bytes.Contains(outputs["audit.json"], []byte(lastApplied)) {
					t.Errorf("the report contains the %s annotation", lastApplied)
				}
			})
		})
	}
}

// weakness is one known weakness of goat.yaml: a policy that must find it,
// on this resource, with a message that says so.
type weakness struct {
	policy, kind, namespace, name string
	message                       string // a part of the finding's message
	why                           string
}

var weaknesses = []weakness{
	{"FG-RBAC-002", "ClusterRoleBinding", "", "goat-superadmin", "goat/superadmin", "cluster-admin bound to a service account"},
	{"FG-RBAC-101", "ClusterRoleBinding", "", "goat-superadmin", "goat/superadmin", "a service account holds cluster-admin rights"},
	{"FG-POD-001", "Pod", "goat", "system-monitor", "system-monitor", "privileged container"},
	{"FG-POD-004", "Pod", "goat", "system-monitor", "hostPID", "host PID namespace"},
	{"FG-POD-004", "Pod", "goat", "system-monitor", "hostNetwork", "host network namespace"},
	{"FG-POD-004", "Pod", "goat", "system-monitor", "hostIPC", "host IPC namespace"},
	{"FG-POD-003", "Pod", "goat", "system-monitor", `"/"`, "hostPath to the node's root"},
	{"FG-POD-003", "DaemonSet", "goat", "health-check", "/var/run/docker.sock", "hostPath to the Docker socket"},
	{"FG-POD-003", "DaemonSet", "goat", "health-check", "/run/containerd/containerd.sock", "hostPath to the containerd socket"},
	{"FG-SEC-001", "Deployment", "goat-ci", "build-code", "vault-api-key", "Secret exposed through env (secretKeyRef)"},
	{"FG-IMG-001", "Pod", "goat", "system-monitor", "madhuakula/k8s-goat-system-monitor", "untagged image"},
	{"FG-IMG-001", "DaemonSet", "goat", "health-check", "madhuakula/k8s-goat-health-check", "untagged image"},
	{"FG-IMG-001", "Deployment", "goat-ci", "build-code", "latest", "image on latest"},
	{"FG-NET-001", "Namespace", "", "goat", "goat", "namespace without NetworkPolicy"},
	{"FG-NET-001", "Namespace", "", "goat-ci", "goat-ci", "namespace without NetworkPolicy"},
	{"FG-PSA-001", "Namespace", "", "goat", "goat", "namespace without Pod Security enforce label"},
}

func found(fs []engine.Finding, cluster string, w weakness) bool {
	for _, f := range fs {
		if f.PolicyID == w.policy && f.Cluster == cluster && f.Resource.Kind == w.kind &&
			f.Resource.Namespace == w.namespace && f.Resource.Name == w.name && strings.Contains(f.Message, w.message) {
			return true
		}
	}
	return false
}

// applyLikeKubectl creates every object of the manifest file, with ${CANARY}
// replaced, as `kubectl apply` creates a new object: the object as written,
// with the last-applied-configuration annotation holding its JSON.
func applyLikeKubectl(t *testing.T, ctx context.Context, cfg *rest.Config, path, canary string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(tmp, bytes.ReplaceAll(raw, []byte("${CANARY}"), []byte(canary)), 0o600); err != nil {
		t.Fatal(err)
	}
	fx, err := testfleet.LoadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = rest.NoWarnings{} // the manifests are bad on purpose
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range fx {
		obj := x.Object.DeepCopy()
		js, err := json.Marshal(obj.Object)
		if err != nil {
			t.Fatal(err)
		}
		ann := obj.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[lastApplied] = string(js) + "\n"
		obj.SetAnnotations(ann)
		gvk := obj.GroupVersionKind()
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatalf("%s: %v", x, err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			ri = dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
		}
		if _, err := ri.Create(ctx, obj, metav1.CreateOptions{FieldManager: "kubectl-client-side-apply"}); err != nil {
			t.Fatalf("creating %s: %v", x, err)
		}
	}
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
