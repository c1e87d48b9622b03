package webhook

import (
	"context"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/internal/testfleet"
)

// warnings collects the admission warnings the apiserver returns.
type warnings struct {
	mu   sync.Mutex
	msgs []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}

// TestEndToEnd runs a real kube-apiserver (the local fleet) that calls the
// webhook over TLS with a generated CA.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the end-to-end test starts etcd and kube-apiserver")
	}
	fleet := testfleet.Start(t, testfleet.Options{Clusters: []testfleet.ClusterSpec{{Name: "webhook-e2e", Version: testfleet.Current}}})
	cluster := fleet.Clusters[0]

	dir := t.TempDir()
	copyDir(t, testBundle, dir)
	copyDir(t, "testdata/e2e", dir)
	h := startWith(t, NewBundles(dir, engine.LoadOptions{}), true)

	ctx := context.Background()
	warn := &warnings{}
	cfg := rest.CopyConfig(cluster.Config)
	cfg.WarningHandler = warn
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	const ns = "e2e"
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"fleetguard-e2e": "true"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.ca.Cert.Raw})
	fail := admissionregistrationv1.Fail
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "fleetguard-e2e"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:         "validate.fleetguard.dev",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: ptr(h.url + "/validate"), CABundle: caPEM},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{"", "apps"}, APIVersions: []string{"v1"}, Resources: []string{"pods", "deployments"}},
			}},
			FailurePolicy:           &fail,
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			TimeoutSeconds:          ptr(int32(5)),
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"fleetguard-e2e": "true"}},
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	if vwc, err = cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, vwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	newPod := func(name, image string, privileged bool) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"team": "e2e"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "app", Image: image, SecurityContext: &corev1.SecurityContext{Privileged: ptr(privileged)},
			}}},
		}
	}
	// eventually retries f until it returns true: the apiserver picks up a
	// webhook configuration change asynchronously.
	eventually := func(t *testing.T, what string, f func() (bool, string)) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			ok, last := f()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: never happened; last: %s", what, last)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	createErr := func(p *corev1.Pod) string {
		_, err := cs.CoreV1().Pods(ns).Create(ctx, p, dryRun)
		if err == nil {
			return ""
		}
		return err.Error()
	}

	t.Run("violating pod denied", func(t *testing.T) {
		eventually(t, "the webhook denies a privileged pod", func() (bool, string) {
			msg := createErr(newPod("evil", "nginx:1.27", true))
			return strings.Contains(msg, `[TEST-DENY-001] Privileged containers (test): container "app" is privileged`), msg
		})
	})
	t.Run("compliant pod admitted", func(t *testing.T) {
		warn.take()
		p, err := cs.CoreV1().Pods(ns).Create(ctx, newPod("good", "nginx:1.27", false), metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("compliant pod refused: %v", err)
		}
		if p.UID == "" {
			t.Fatal("created pod has no uid")
		}
		if w := warn.take(); len(w) != 0 {
			t.Errorf("warnings for a compliant pod: %q", w)
		}
	})
	t.Run("warn policy returns warnings", func(t *testing.T) {
		warn.take()
		if msg := createErr(newPod("latest", "nginx:latest", false)); msg != "" {
			t.Fatalf("pod with a warn-mode violation refused: %s", msg)
		}
		w := warn.take()
		if len(w) != 1 || !strings.Contains(w[0], `[TEST-WARN-001] Latest image tag (test): container "app" uses the latest tag`) {
			t.Fatalf("warnings = %q, want the TEST-WARN-001 warning", w)
		}
	})
	t.Run("gatekeeper constraint denies a deployment", func(t *testing.T) {
		dep := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "team": "e2e"}},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
				},
			},
		}
		_, err := cs.AppsV1().Deployments(ns).Create(ctx, dep, dryRun)
		if err == nil || !strings.Contains(err.Error(), "Deployments must have an owner label") {
			t.Fatalf("deployment without an owner label: %v, want a denial with the constraint's message", err)
		}
		dep.Labels = map[string]string{"owner": "platform"}
		if _, err := cs.AppsV1().Deployments(ns).Create(ctx, dep, dryRun); err != nil {
			t.Fatalf("deployment with an owner label refused: %v", err)
		}
	})
	t.Run("bundle update without restart", func(t *testing.T) {
		p := filepath.Join(dir, "test", "deny_privileged.rego")
		src := readFile(t, p)
		writeFile(t, p, []byte(strings.Replace(src, "#   scope: object", "#   scope: object\n#   enforcement: warn", 1)))
		if swapped, err := h.bundles.Reload(ctx); err != nil || !swapped {
			t.Fatalf("Reload = %v, %v", swapped, err)
		}
		warn.take()
		if msg := createErr(newPod("evil", "nginx:1.27", true)); msg != "" {
			t.Fatalf("privileged pod refused after its policy moved to warn: %s", msg)
		}
		if w := warn.take(); len(w) != 1 || !strings.Contains(w[0], "TEST-DENY-001") {
			t.Fatalf("warnings = %q, want TEST-DENY-001 as a warning", w)
		}
	})
	t.Run("webhook stopped: Fail denies, Ignore admits", func(t *testing.T) {
		h.stop()
		msg := createErr(newPod("any", "nginx:1.27", false))
		if !strings.Contains(msg, "failed calling webhook") {
			t.Fatalf("failurePolicy Fail with the webhook stopped: %q, want a failed-call denial", msg)
		}
		cur, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Get(ctx, vwc.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ignore := admissionregistrationv1.Ignore
		cur.Webhooks[0].FailurePolicy = &ignore
		if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "failurePolicy Ignore admits with the webhook stopped", func() (bool, string) {
			msg := createErr(newPod("any", "nginx:1.27", true))
			return msg == "", msg
		})
	})
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
