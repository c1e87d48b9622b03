package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetguard/fleetguard/engine"
)

const testBundle = "testdata/bundle"

// nsMap is a Namespaces backed by a map.
type nsMap map[string]map[string]any

func (m nsMap) Namespace(name string) (map[string]any, bool) { ns, ok := m[name]; return ns, ok }

func TestValidate(t *testing.T) {
	namespaces := nsMap{
		"ignored": {"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "ignored", "labels": map[string]any{"admission.gatekeeper.sh/ignore": "yes"}}},
		"ours":    {"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "ours", "labels": map[string]any{"fleetguard.dev/ignore": ""}}},
		"apps":    {"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "apps"}},
	}
	h := start(t, testBundle, true, func(c *Config) {
		c.ExemptNamespaces = []string{"kube-system"}
		c.Namespaces = namespaces
	})
	team := map[string]any{"team": "a"}
	good := container("app", "nginx:1.27", false)
	priv := container("app", "nginx:1.27", true)
	latest := container("web", "nginx:latest", false)
	tests := []struct {
		name          string
		op            string
		obj, old      map[string]any
		allowed       bool
		code          int32
		message       string
		warnings      []string
		dryrun        string
		decision      string
		fired         []Fired
		reasonContain string
	}{
		{name: "privileged pod denied", op: "CREATE", obj: pod("p1", "apps", team, priv), code: 403,
			message:  `[TEST-DENY-001] Privileged containers (test): container "app" is privileged`,
			decision: DecisionDeny, fired: []Fired{{"TEST-DENY-001", "deny"}}},
		{name: "compliant pod admitted", op: "CREATE", obj: pod("p2", "apps", team, good), allowed: true, decision: DecisionAllow},
		{name: "warn policy returns warnings", op: "CREATE", obj: pod("p3", "apps", team, latest), allowed: true,
			warnings: []string{`[TEST-WARN-001] Latest image tag (test): container "web" uses the latest tag`},
			decision: DecisionWarn, fired: []Fired{{"TEST-WARN-001", "warn"}}},
		{name: "dryrun policy only logged", op: "CREATE", obj: pod("p4", "apps", nil, good), allowed: true,
			dryrun: "TEST-DRY-001", decision: DecisionAllow, fired: []Fired{{"TEST-DRY-001", "dryrun"}}},
		{name: "deny and warn together", op: "UPDATE", obj: pod("p5", "apps", team, priv, latest), old: pod("p5", "apps", team, good), code: 403,
			message:  `[TEST-DENY-001] Privileged containers (test): container "app" is privileged`,
			warnings: []string{`[TEST-WARN-001] Latest image tag (test): container "web" uses the latest tag`},
			decision: DecisionDeny, fired: []Fired{{"TEST-DENY-001", "deny"}, {"TEST-WARN-001", "warn"}}},
		{name: "exempt namespace", op: "CREATE", obj: pod("p6", "kube-system", team, priv), allowed: true,
			decision: DecisionExempt, reasonContain: `namespace "kube-system" is exempt`},
		{name: "gatekeeper ignore label", op: "CREATE", obj: pod("p7", "ignored", team, priv), allowed: true,
			decision: DecisionExempt, reasonContain: "admission.gatekeeper.sh/ignore"},
		{name: "fleetguard ignore label", op: "CREATE", obj: pod("p8", "ours", team, priv), allowed: true,
			decision: DecisionExempt, reasonContain: "fleetguard.dev/ignore"},
		{name: "delete not evaluated by default", op: "DELETE", old: pod("p9", "apps", team, priv), allowed: true,
			decision: DecisionSkip, reasonContain: "DELETE is not evaluated"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			uid := fmt.Sprintf("uid-%d", i)
			r := h.review(reviewJSON(t, uid, tc.op, tc.obj, tc.old))
			if r.Allowed != tc.allowed {
				t.Fatalf("allowed = %v, want %v (status %+v)", r.Allowed, tc.allowed, r.Result)
			}
			if tc.code != 0 {
				if r.Result == nil || r.Result.Code != tc.code || r.Result.Message != tc.message {
					t.Fatalf("status = %+v, want code %d message %q", r.Result, tc.code, tc.message)
				}
			}
			if strings.Join(r.Warnings, "|") != strings.Join(tc.warnings, "|") {
				t.Errorf("warnings = %q, want %q", r.Warnings, tc.warnings)
			}
			if got := r.AuditAnnotations["dryrun-violations"]; got != tc.dryrun {
				t.Errorf("dryrun audit annotation = %q, want %q", got, tc.dryrun)
			}
			var rec *DecisionRecord
			for _, l := range h.log.lines(t) {
				if l.UID == uid {
					rec = &l
				}
			}
			if rec == nil {
				t.Fatalf("no decision log line for %s", uid)
			}
			if rec.Decision != tc.decision || rec.Allowed != tc.allowed || rec.Operation != tc.op || rec.User != "alice" || rec.Kind != "Pod" {
				t.Errorf("decision log = %+v, want decision %s allowed %v operation %s user alice", rec, tc.decision, tc.allowed, tc.op)
			}
			if fmt.Sprint(rec.Policies) != fmt.Sprint(tc.fired) {
				t.Errorf("decision log policies = %v, want %v", rec.Policies, tc.fired)
			}
			if !strings.Contains(rec.Reason, tc.reasonContain) {
				t.Errorf("decision log reason = %q, want it to contain %q", rec.Reason, tc.reasonContain)
			}
		})
	}
	t.Run("metrics", func(t *testing.T) {
		want := map[string]string{
			`fleetguard_webhook_requests_total{decision="deny",operation="CREATE"}`:           "1",
			`fleetguard_webhook_requests_total{decision="deny",operation="UPDATE"}`:           "1",
			`fleetguard_webhook_requests_total{decision="allow",operation="CREATE"}`:          "2",
			`fleetguard_webhook_requests_total{decision="exempt",operation="CREATE"}`:         "3",
			`fleetguard_webhook_requests_total{decision="skip",operation="DELETE"}`:           "1",
			`fleetguard_webhook_violations_total{enforcement="dryrun",policy="TEST-DRY-001"}`: "1",
			`fleetguard_webhook_violations_total{enforcement="warn",policy="TEST-WARN-001"}`:  "2",
			`fleetguard_webhook_evaluation_duration_seconds_count`:                            "5",
			`fleetguard_webhook_bundle_reloads_total`:                                         "1",
			`fleetguard_webhook_bundle_reload_failures_total`:                                 "0",
		}
		for sample, v := range want {
			if got := h.metric(sample); got != v {
				t.Errorf("%s = %q, want %q", sample, got, v)
			}
		}
		cur := h.bundles.Current()
		info := fmt.Sprintf(`fleetguard_webhook_bundle_info{digest="%s",revision="",source="%s"}`, cur.Digest, testBundle)
		if got := h.metric(info); got != "1" {
			t.Errorf("%s = %q, want 1", info, got)
		}
		if got := h.metric("fleetguard_webhook_bundle_age_seconds"); got == "" || strings.HasPrefix(got, "-") {
			t.Errorf("bundle age = %q, want a non-negative number", got)
		}
	})
}

func TestDefaultBundle(t *testing.T) {
	h := start(t, "", true)
	r := h.review(reviewJSON(t, "d1", "CREATE", pod("p", "default", nil, container("app", "nginx:1.27", true)), nil))
	if r.Allowed || r.Result == nil || !strings.Contains(r.Result.Message, "[FG-POD-001]") || !strings.Contains(r.Result.Message, `container "app" is privileged`) {
		t.Fatalf("privileged pod: allowed=%v status=%+v, want a denial naming FG-POD-001 and the container", r.Allowed, r.Result)
	}
	r = h.review(reviewJSON(t, "d2", "CREATE", compliantPod(t), nil))
	if !r.Allowed || len(r.Warnings) != 0 {
		t.Fatalf("compliant pod: allowed=%v warnings=%q status=%+v, want admitted without warnings", r.Allowed, r.Warnings, r.Result)
	}
	if code, body := h.get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	code, body := h.get("/readyz")
	var rd Readiness
	if err := json.Unmarshal([]byte(body), &rd); err != nil {
		t.Fatal(err)
	}
	if code != 200 || !rd.Ready || rd.Bundle.Source != "embedded" || !strings.HasPrefix(rd.Bundle.Digest, "sha256:") || rd.Bundle.LoadedAt == nil || rd.FailureMode != "fail-closed" {
		t.Errorf("/readyz = %d %s", code, body)
	}
}

func TestBadRequests(t *testing.T) {
	h := start(t, testBundle, true)
	valid := string(reviewJSON(t, "ok", "CREATE", pod("p", "apps", nil, container("app", "nginx:1.27", true)), nil))
	big := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","pad":"` + strings.Repeat("a", MaxBodyBytes) + `"}}`
	replace := func(old, new string) string { return strings.Replace(valid, old, new, 1) }
	tests := []struct {
		name, body, reason, contains string
	}{
		{"malformed JSON", `{"apiVersion": "admission.k8s.io/v1",`, "malformed-json", "malformed AdmissionReview JSON"},
		{"truncated review", valid[:len(valid)/2], "malformed-json", "malformed AdmissionReview JSON"},
		{"syntax error names the line", "{\n\"apiVersion\": x}", "malformed-json", "line 2"},
		{"empty body", ``, "malformed-json", "empty body"},
		{"not an object", `[1,2]`, "malformed-json", "cannot use a JSON array"},
		{"wrong apiVersion", replace(`"admission.k8s.io/v1"`, `"admission.k8s.io/v1beta1"`), "wrong-type", `got apiVersion "admission.k8s.io/v1beta1"`},
		{"wrong kind", replace(`"kind":"AdmissionReview"`, `"kind":"Pod"`), "wrong-type", `kind "Pod"`},
		{"missing request", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, "missing-request", "AdmissionReview has no request"},
		{"missing uid", replace(`"uid":"ok"`, `"uid":""`), "missing-uid", "has no uid"},
		{"body over 3 MiB", big, "too-large", "exceeds 3145728 bytes"},
		{"object is a number", replace(`"object":{`, `"object":5,"x":{`), "bad-object", "request.object is not a JSON object"},
		{"metadata is a string", replace(`"metadata":{`, `"metadata":"m","x":{`), "bad-object", "request.object.metadata is not a JSON object"},
		{"kind is a number", replace(`"kind":"Pod","metadata"`, `"kind":7,"metadata"`), "bad-object", "request.object.kind is not a string"},
		{"create without object", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE"}}`, "bad-object", "CREATE request has no object"},
		{"unknown operation", replace(`"operation":"CREATE"`, `"operation":"PATCH"`), "bad-object", `unknown operation "PATCH"`},
		{"uid of the wrong type", replace(`"uid":"ok"`, `"uid":5`), "malformed-json", `field "request.uid"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := h.post([]byte(tc.body))
			if code != http.StatusBadRequest {
				t.Fatalf("HTTP %d, want 400: %s", code, out)
			}
			var eb errorBody
			if err := json.Unmarshal(out, &eb); err != nil {
				t.Fatalf("400 body is not JSON: %s", out)
			}
			if eb.Reason != tc.reason || !strings.Contains(eb.Error, tc.contains) {
				t.Fatalf("400 body = %+v, want reason %s and an error containing %q", eb, tc.reason, tc.contains)
			}
		})
	}
	t.Run("still serving", func(t *testing.T) {
		if r := h.review([]byte(valid)); r.Allowed {
			t.Fatal("privileged pod admitted after bad requests")
		}
		if got := h.metric(`fleetguard_webhook_bad_requests_total{reason="malformed-json"}`); got != "6" {
			t.Errorf("bad requests (malformed-json) = %q, want 6", got)
		}
	})
}

// TestHandlersDoNotPanic calls the handler without echo's Recover middleware.
func TestHandlersDoNotPanic(t *testing.T) {
	h := start(t, testBundle, true)
	inputs := []string{
		`null`, `{}`, `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":null}`,
		`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"DELETE"}}`,
		`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":{}}}`,
		`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","object":{"spec":{"containers":"x"}}}}`,
		`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CREATE","kind":{"kind":"Pod","version":"v1"},"object":{"spec":{"containers":[null,1,{"securityContext":7}]}}}}`,
		`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","operation":"CONNECT","object":{"kind":"PodExecOptions"}}}`,
	}
	for i, in := range inputs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("handler panicked on %s: %v", in, r)
				}
			}()
			rec := serveDirect(h.srv, in)
			if rec.Code != 200 && rec.Code != 400 {
				t.Fatalf("HTTP %d for %s: %s", rec.Code, in, rec.Body)
			}
		})
	}
}

func TestNotReadyBeforeBundle(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	h := start(t, missing, false)
	if _, err := h.bundles.Reload(context.Background()); err == nil {
		t.Fatal("Reload of a missing bundle succeeded")
	}
	code, body := h.get("/readyz")
	var rd Readiness
	if err := json.Unmarshal([]byte(body), &rd); err != nil {
		t.Fatal(err)
	}
	if code != http.StatusServiceUnavailable || rd.Ready || !strings.Contains(rd.Bundle.LastError, missing) || rd.Bundle.LoadedAt != nil {
		t.Fatalf("/readyz = %d %s, want 503 naming %s", code, body, missing)
	}
	if code, _ := h.get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d before a bundle loaded, want 200", code)
	}
	r := h.review(reviewJSON(t, "n1", "CREATE", pod("p", "apps", nil, container("app", "nginx", false)), nil))
	if r.Allowed || r.Result == nil || r.Result.Code != 500 || !strings.Contains(r.Result.Message, "no policy bundle is loaded yet") {
		t.Fatalf("request before a bundle: allowed=%v status=%+v, want fail-closed naming the reason", r.Allowed, r.Result)
	}
	if got := h.metric("fleetguard_webhook_bundle_reload_failures_total"); got != "1" {
		t.Errorf("reload failures = %q, want 1", got)
	}
	if got := h.metric("fleetguard_webhook_bundle_age_seconds"); got != "-1" {
		t.Errorf("bundle age before load = %q, want -1", got)
	}
}

func TestBundleSwapAndBadBundle(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, testBundle, dir)
	h := start(t, dir, true)
	privileged := func(uid string) []byte {
		return reviewJSON(t, uid, "CREATE", pod("p", "apps", map[string]any{"team": "a"}, container("app", "nginx:1.27", true)), nil)
	}
	first := h.bundles.Current()
	if r := h.review(privileged("s1")); r.Allowed {
		t.Fatal("privileged pod admitted by the first bundle")
	}

	// An unchanged directory is not recompiled.
	if swapped, err := h.bundles.Reload(context.Background()); err != nil || swapped {
		t.Fatalf("Reload of an unchanged bundle = %v, %v; want false, nil", swapped, err)
	}

	// Switch the deny policy to warn mode: the running server picks it up.
	p := filepath.Join(dir, "test", "deny_privileged.rego")
	src, _ := os.ReadFile(p)
	writeFile(t, p, []byte(strings.Replace(string(src), "#   scope: object", "#   scope: object\n#   enforcement: warn", 1)))
	if swapped, err := h.bundles.Reload(context.Background()); err != nil || !swapped {
		t.Fatalf("Reload after a change = %v, %v; want true, nil", swapped, err)
	}
	second := h.bundles.Current()
	if second.Digest == first.Digest {
		t.Fatal("digest did not change after the bundle changed")
	}
	r := h.review(privileged("s2"))
	if !r.Allowed || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "TEST-DENY-001") {
		t.Fatalf("after swap: allowed=%v warnings=%q, want admitted with a TEST-DENY-001 warning", r.Allowed, r.Warnings)
	}

	// A broken bundle keeps the last good one.
	writeFile(t, filepath.Join(dir, "test", "broken.rego"), []byte("package test.broken\n\nviolation contains x if {\n"))
	if _, err := h.bundles.Reload(context.Background()); err == nil || !strings.Contains(err.Error(), "broken.rego") {
		t.Fatalf("Reload of a broken bundle = %v, want an error naming broken.rego", err)
	}
	if cur := h.bundles.Current(); cur != second {
		t.Fatal("a broken bundle replaced the last good one")
	}
	if r := h.review(privileged("s3")); !r.Allowed || len(r.Warnings) != 1 {
		t.Fatalf("with a broken bundle on disk: allowed=%v warnings=%q, want the last good bundle's answer", r.Allowed, r.Warnings)
	}
	code, body := h.get("/readyz")
	var rd Readiness
	_ = json.Unmarshal([]byte(body), &rd)
	if code != 200 || !rd.Ready || rd.Bundle.Digest != second.Digest || !strings.Contains(rd.Bundle.LastError, "broken.rego") || rd.Bundle.ReloadFailures != 1 {
		t.Fatalf("/readyz = %d %s, want ready on the last good bundle with the reload error", code, body)
	}
	if got := h.metric("fleetguard_webhook_bundle_reload_failures_total"); got != "1" {
		t.Errorf("reload failures = %q, want 1", got)
	}
	if got := h.metric("fleetguard_webhook_bundle_reloads_total"); got != "2" {
		t.Errorf("reloads = %q, want 2", got)
	}
}

func TestTimeout(t *testing.T) {
	block := func(ctx context.Context, _ *engine.Engine, _ *engine.ObjectInput) (engine.ObjectVerdict, error) {
		<-ctx.Done()
		return engine.ObjectVerdict{}, ctx.Err()
	}
	tests := []struct {
		name     string
		failOpen bool
		blocking bool
		timeout  time.Duration
	}{
		{"fail-closed, evaluation stuck", false, true, 50 * time.Millisecond},
		{"fail-open, evaluation stuck", true, true, 50 * time.Millisecond},
		{"fail-closed, real engine past its deadline", false, false, time.Nanosecond},
		{"fail-open, real engine past its deadline", true, false, time.Nanosecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, testBundle, true, func(c *Config) { c.FailOpen, c.Timeout = tc.failOpen, tc.timeout })
			if tc.blocking {
				h.srv.evalFn = block
			}
			r := h.review(reviewJSON(t, "t1", "CREATE", pod("p", "apps", nil, container("app", "nginx:1.27", false)), nil))
			want := fmt.Sprintf("policy evaluation exceeded its %s deadline", tc.timeout)
			if tc.failOpen {
				if !r.Allowed || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], want) || r.AuditAnnotations["fail-open"] != want {
					t.Fatalf("allowed=%v warnings=%q annotations=%v, want fail-open with %q", r.Allowed, r.Warnings, r.AuditAnnotations, want)
				}
			} else if r.Allowed || r.Result == nil || r.Result.Code != 500 || !strings.Contains(r.Result.Message, want+"; denied (fail-closed)") {
				t.Fatalf("allowed=%v status=%+v, want fail-closed with %q", r.Allowed, r.Result, want)
			}
			decision := DecisionFailClosed
			if tc.failOpen {
				decision = DecisionFailOpen
			}
			if got := h.metric(fmt.Sprintf(`fleetguard_webhook_requests_total{decision="%s",operation="CREATE"}`, decision)); got != "1" {
				t.Errorf("requests{%s} = %q, want 1", decision, got)
			}
		})
	}
	t.Run("evaluation error fails closed", func(t *testing.T) {
		h := start(t, testBundle, true)
		h.srv.evalFn = func(context.Context, *engine.Engine, *engine.ObjectInput) (engine.ObjectVerdict, error) {
			return engine.ObjectVerdict{}, errors.New("boom")
		}
		r := h.review(reviewJSON(t, "t2", "CREATE", pod("p", "apps", nil, container("app", "nginx", false)), nil))
		if r.Allowed || !strings.Contains(r.Result.Message, "policy evaluation failed: boom") {
			t.Fatalf("allowed=%v status=%+v", r.Allowed, r.Result)
		}
	})
	t.Run("panic in evaluation fails closed", func(t *testing.T) {
		h := start(t, testBundle, true)
		h.srv.evalFn = func(context.Context, *engine.Engine, *engine.ObjectInput) (engine.ObjectVerdict, error) {
			panic("kaboom")
		}
		r := h.review(reviewJSON(t, "t3", "CREATE", pod("p", "apps", nil, container("app", "nginx", false)), nil))
		if r.Allowed || !strings.Contains(r.Result.Message, "panic in evaluation: kaboom") {
			t.Fatalf("allowed=%v status=%+v", r.Allowed, r.Result)
		}
	})
}

func TestOperationsConfigured(t *testing.T) {
	h := start(t, testBundle, true, func(c *Config) { c.EvalDelete, c.EvalConnect = true, true })
	r := h.review(reviewJSON(t, "o1", "DELETE", nil, pod("p", "apps", nil, container("app", "nginx:1.27", true))))
	if r.Allowed || !strings.Contains(r.Result.Message, "TEST-DENY-001") {
		t.Fatalf("DELETE with EvalDelete: allowed=%v status=%+v, want the old object evaluated and denied", r.Allowed, r.Result)
	}
}

// compliantPod is a Pod that passes every policy of the default bundle.
func compliantPod(t *testing.T) map[string]any {
	t.Helper()
	raw, err := os.ReadFile("testdata/compliant-pod.json")
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p
}
