package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes"
	metadatafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/internal/testfleet"
)

const canary = "canary-s3cr3t-value"

var (
	svcGVK     = schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	ingGVK     = schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}
	nsGVK      = schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}
	secretGVK  = schema.GroupVersionKind{Version: "v1", Kind: "Secret"}
	svcGVR     = schema.GroupVersionResource{Version: "v1", Resource: "services"}
	ingGVR     = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}
	nsGVR      = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	secretGVR  = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	inventoryB = "testdata/inventory"
)

func TestParseInventoryKinds(t *testing.T) {
	tests := []struct {
		name    string
		in      []string
		want    []schema.GroupVersionKind
		wantErr string
	}{
		{name: "core and grouped", in: []string{"v1/Service,networking.k8s.io/v1/Ingress", " v1/Namespace "},
			want: []schema.GroupVersionKind{svcGVK, ingGVK, nsGVK}},
		{name: "duplicates folded", in: []string{"v1/Service", "v1/Service"}, want: []schema.GroupVersionKind{svcGVK}},
		{name: "empty entries skipped", in: []string{",,"}, want: nil},
		{name: "no version", in: []string{"Service"}, wantErr: `inventory kind "Service": want [GROUP/]VERSION/KIND`},
		{name: "no kind", in: []string{"apps/v1/"}, wantErr: `inventory kind "apps/v1/": want [GROUP/]VERSION/KIND`},
		{name: "bad group version", in: []string{"a/b/c/Kind"}, wantErr: `inventory kind "a/b/c/Kind": bad group/version "a/b/c"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseInventoryKinds(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func service(ns, name string, selector map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "Service",
		"metadata": map[string]any{
			"name": name, "namespace": ns, "labels": map[string]any{"app": name},
			"annotations": map[string]any{
				corev1.LastAppliedConfigAnnotation: `{"spec":"big"}`,
				"team":                             "web",
			},
			"managedFields": []any{map[string]any{"manager": "kubectl"}},
		},
		"spec":   map[string]any{"selector": selector},
		"status": map[string]any{"loadBalancer": map[string]any{}},
	}
}

func ingress(ns, name, host string) map[string]any {
	return map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": name, "namespace": ns},
		"spec":     map[string]any{"rules": []any{map[string]any{"host": host}}},
	}
}

func TestTrim(t *testing.T) {
	secret := map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
		"metadata": map[string]any{"name": "db", "namespace": "web", "annotations": map[string]any{
			corev1.LastAppliedConfigAnnotation: `{"data":{"password":"` + canary + `"}}`, "owner": "db-team"}},
		"data":       map[string]any{"password": canary},
		"stringData": map[string]any{"password": canary},
	}
	tests := []struct {
		name string
		gvk  schema.GroupVersionKind
		in   map[string]any
		want map[string]any
	}{
		{name: "service loses status, managedFields and last-applied", gvk: svcGVK, in: service("web", "api", map[string]any{"app": "api"}),
			want: map[string]any{
				"apiVersion": "v1", "kind": "Service",
				"metadata": map[string]any{"name": "api", "namespace": "web", "labels": map[string]any{"app": "api"},
					"annotations": map[string]any{"team": "web"}},
				"spec": map[string]any{"selector": map[string]any{"app": "api"}},
			}},
		{name: "secret keeps metadata only", gvk: secretGVK, in: secret,
			want: map[string]any{
				"apiVersion": "v1", "kind": "Secret",
				"metadata": map[string]any{"name": "db", "namespace": "web", "annotations": map[string]any{"owner": "db-team"}},
			}},
		{name: "no metadata", gvk: nsGVK, in: map[string]any{"spec": map[string]any{}},
			want: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{}, "spec": map[string]any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := json.Marshal(tt.in)
			got := Trim(tt.gvk, tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Trim =\n%v\nwant\n%v", got, tt.want)
			}
			raw, _ := json.Marshal(got)
			if bytes.Contains(raw, []byte(canary)) {
				t.Fatalf("trimmed object keeps the secret value: %s", raw)
			}
			if after, _ := json.Marshal(tt.in); !bytes.Equal(before, after) {
				t.Fatalf("Trim modified its input: %s", after)
			}
		})
	}
}

// fakeCluster is a fake API with Services, Ingresses, Namespaces and
// Secrets (the latter through the metadata client only).
type fakeCluster struct {
	dyn    *dynamicfake.FakeDynamicClient
	md     *metadatafake.FakeMetadataClient
	mapper meta.RESTMapper
}

func newFakeCluster(t *testing.T, objs ...map[string]any) *fakeCluster {
	t.Helper()
	var dynObjs, mdObjs []runtime.Object
	for _, o := range objs {
		u := &unstructured.Unstructured{Object: o}
		if u.GetKind() == "Secret" {
			mdObjs = append(mdObjs, &metav1.PartialObjectMetadata{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
				ObjectMeta: metav1.ObjectMeta{Name: u.GetName(), Namespace: u.GetNamespace(), Annotations: u.GetAnnotations()},
			})
			continue
		}
		dynObjs = append(dynObjs, u)
	}
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		svcGVR: "ServiceList", ingGVR: "IngressList", nsGVR: "NamespaceList", secretGVR: "SecretList",
	}, dynObjs...)
	scheme := metadatafake.NewTestScheme()
	if err := metav1.AddMetaToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	md := metadatafake.NewSimpleMetadataClient(scheme, mdObjs...)
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(svcGVK, meta.RESTScopeNamespace)
	m.Add(ingGVK, meta.RESTScopeNamespace)
	m.Add(secretGVK, meta.RESTScopeNamespace)
	m.Add(nsGVK, meta.RESTScopeRoot)
	return &fakeCluster{dyn: dyn, md: md, mapper: m}
}

// watching reports whether a watch on gvr was opened (the fake registers the
// watcher before it records the action is visible).
func (f *fakeCluster) watching(gvr schema.GroupVersionResource, actions []k8stesting.Action) bool {
	for _, a := range actions {
		if a.GetVerb() == "watch" && a.GetResource() == gvr {
			return true
		}
	}
	return false
}

func newTestInventory(t *testing.T, f *fakeCluster, max int, log *syncBuffer, kinds ...schema.GroupVersionKind) *Inventory {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	inv, err := NewInventory(ctx, f.dyn, f.md, f.mapper, InventoryOptions{
		Kinds: kinds, MaxObjects: max, Interval: 5 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(log, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// waitFor polls cond until it holds: watches deliver asynchronously. The
// deadline only bounds a hang; no duration is asserted.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// kept returns the kept object of kind gvk at ns/name, or nil.
func (inv *Inventory) kept(gvk schema.GroupVersionKind, ns, name string) map[string]any {
	inv.mu.Lock()
	e := inv.objs[gvk][ns+"/"+name]
	inv.mu.Unlock()
	if e == nil {
		return nil
	}
	o, err := e.Object()
	if err != nil {
		panic(err)
	}
	return o
}

// settled reports whether the snapshot holds every change so far.
func (inv *Inventory) settled() bool {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	s := inv.snap.Load()
	return s != nil && s.gen == inv.gen
}

func TestInventoryFollowsCluster(t *testing.T) {
	secret := map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{
		"name": "db", "namespace": "web",
		"annotations": map[string]any{corev1.LastAppliedConfigAnnotation: `{"data":{"password":"` + canary + `"}}`, "owner": "db"}}}
	f := newFakeCluster(t,
		service("web", "api", map[string]any{"app": "api"}),
		ingress("web", "front", "a.example.com"),
		map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "web", "labels": map[string]any{"env": "prod"}}},
		secret,
	)
	log := &syncBuffer{}
	inv := newTestInventory(t, f, 100, log, svcGVK, ingGVK, nsGVK, secretGVK)
	if inv.Ready() != true || inv.Status().Watching {
		t.Fatal("a new inventory must not watch yet and must not hold readiness back")
	}
	inv.Use(true, "")
	waitFor(t, "the inventory syncs", inv.Ready)
	waitFor(t, "watches are open", func() bool {
		a := f.dyn.Actions()
		return f.watching(svcGVR, a) && f.watching(ingGVR, a) && f.watching(nsGVR, a)
	})

	st := inv.Status()
	if !st.Watching || !st.Synced || st.Objects != 4 || st.OverLimit || st.MaxObjects != 100 {
		t.Fatalf("status = %+v, want watching, synced, 4 objects of 100", st)
	}
	if got := inv.Snapshot().Len(); got != 4 {
		t.Fatalf("snapshot holds %d objects, want 4", got)
	}
	if ns := inv.Snapshot().Namespace("web"); ns == nil || ns.Labels["env"] != "prod" {
		t.Fatalf("snapshot Namespace(web) = %v, want the labelled namespace", ns)
	}
	svc := inv.kept(svcGVK, "web", "api")
	want := map[string]any{"name": "api", "namespace": "web", "labels": map[string]any{"app": "api"}, "annotations": map[string]any{"team": "web"}}
	if md := svc["metadata"]; !reflect.DeepEqual(md, want) || svc["status"] != nil {
		t.Fatalf("kept service = %v, want trimmed metadata %v and no status", svc, want)
	}
	sec := inv.kept(secretGVK, "web", "db")
	raw, _ := json.Marshal(sec)
	if sec == nil || bytes.Contains(raw, []byte(canary)) || sec["data"] != nil {
		t.Fatalf("kept secret = %s, want metadata without the canary", raw)
	}
	for _, a := range f.dyn.Actions() {
		if a.GetResource() == secretGVR {
			t.Fatalf("secrets were requested through the full-object client: %v", a)
		}
	}

	t.Run("add", func(t *testing.T) {
		u := &unstructured.Unstructured{Object: service("web", "db", map[string]any{"app": "db"})}
		if _, err := f.dyn.Resource(svcGVR).Namespace("web").Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the new service is kept", func() bool { return inv.kept(svcGVK, "web", "db") != nil })
		waitFor(t, "the snapshot catches up", inv.settled)
		if got := inv.Snapshot().Len(); got != 5 {
			t.Fatalf("snapshot holds %d objects, want 5", got)
		}
	})
	t.Run("update", func(t *testing.T) {
		u := &unstructured.Unstructured{Object: ingress("web", "front", "b.example.com")}
		if _, err := f.dyn.Resource(ingGVR).Namespace("web").Update(context.Background(), u, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the ingress update is kept", func() bool {
			o := inv.kept(ingGVK, "web", "front")
			host, _, _ := unstructured.NestedSlice(o, "spec", "rules")
			return len(host) == 1 && host[0].(map[string]any)["host"] == "b.example.com"
		})
		if got := inv.Status().Objects; got != 5 {
			t.Fatalf("objects = %d after an update, want 5", got)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if err := f.dyn.Resource(svcGVR).Namespace("web").Delete(context.Background(), "api", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the deleted service is gone", func() bool { return inv.kept(svcGVK, "web", "api") == nil })
		waitFor(t, "the snapshot catches up", inv.settled)
		if got, n := inv.Snapshot().Len(), inv.Status().Objects; got != 4 || n != 4 {
			t.Fatalf("after delete: snapshot %d, status %d objects, want 4", got, n)
		}
	})
	t.Run("stop drops everything", func(t *testing.T) {
		inv.Use(false, "the bundle has no Gatekeeper template that reads data.inventory")
		st := inv.Status()
		if st.Watching || st.Objects != 0 || inv.Snapshot() != nil || !inv.Ready() {
			t.Fatalf("after stop: status %+v, snapshot %v; want nothing kept and ready", st, inv.Snapshot())
		}
		if !strings.Contains(st.Reason, "no Gatekeeper template") {
			t.Fatalf("reason = %q", st.Reason)
		}
		if !strings.Contains(log.String(), "inventory: watches stopped") {
			t.Fatalf("log = %s, want the stop logged", log.String())
		}
	})
}

func TestInventoryLimit(t *testing.T) {
	var objs []map[string]any
	for i := range 5 {
		objs = append(objs, service("web", fmt.Sprintf("s%d", i), nil))
	}
	f := newFakeCluster(t, objs...)
	log := &syncBuffer{}
	inv := newTestInventory(t, f, 3, log, svcGVK)
	inv.Use(true, "")
	waitFor(t, "the inventory syncs", inv.Ready)
	waitFor(t, "the watch is open", func() bool { return f.watching(svcGVR, f.dyn.Actions()) })

	st := inv.Status()
	if st.Objects != 3 || !st.OverLimit || !st.Kinds[0].Truncated || !st.Synced {
		t.Fatalf("status = %+v, want 3 objects kept, over the limit, synced", st)
	}
	create := func(name string) {
		t.Helper()
		u := &unstructured.Unstructured{Object: service("web", name, nil)}
		if _, err := f.dyn.Resource(svcGVR).Namespace("web").Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	create("s5")
	waitFor(t, "the extra service is refused", func() bool { return inv.Status().Dropped == 1 })
	if got := inv.Status().Objects; got != 3 {
		t.Fatalf("objects = %d past the limit, want 3", got)
	}
	if err := f.dyn.Resource(svcGVR).Namespace("web").Delete(context.Background(), "s0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	create("s6")
	waitFor(t, "a service fits again after a delete", func() bool { return inv.kept(svcGVK, "web", "s6") != nil })
	st = inv.Status()
	if !st.OverLimit || st.Objects > 3 {
		t.Fatalf("status = %+v: the inventory stays incomplete (over the limit) until a relist fits", st)
	}
	if n := strings.Count(log.String(), "object limit reached"); n != 1 {
		t.Fatalf("limit logged %d times, want once:\n%s", n, log.String())
	}
	waitFor(t, "the snapshot catches up", inv.settled)
	want := map[string]float64{
		"fleetguard_webhook_inventory_dropped_objects_total":      1,
		`fleetguard_webhook_inventory_objects{kind="v1/Service"}`: 3,
		"fleetguard_webhook_inventory_over_limit":                 1,
		"fleetguard_webhook_inventory_synced":                     1,
	}
	if got := gather(t, newInventoryCollector(inv)); !reflect.DeepEqual(got, want) {
		t.Fatalf("metrics = %v, want %v", got, want)
	}
}

// gather collects c into name{labels} -> value.
func gather(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			name := mf.GetName()
			for _, l := range m.GetLabel() {
				name += fmt.Sprintf("{%s=%q}", l.GetName(), l.GetValue())
			}
			switch {
			case m.Gauge != nil:
				out[name] = m.GetGauge().GetValue()
			case m.Counter != nil:
				out[name] = m.GetCounter().GetValue()
			}
		}
	}
	return out
}

func TestInventoryReplace(t *testing.T) {
	f := newFakeCluster(t)
	inv := newTestInventory(t, f, 3, &syncBuffer{}, svcGVK, ingGVK)
	inv.mu.Lock()
	inv.wanted, inv.run = true, 7
	inv.kick = make(chan struct{}, 1)
	inv.mu.Unlock()
	svcs := &kindStore{inv: inv, kind: watchedKind{gvk: svcGVK}, run: 7}
	ings := &kindStore{inv: inv, kind: watchedKind{gvk: ingGVK}, run: 7}
	list := func(objs ...map[string]any) []any {
		out := make([]any, len(objs))
		for i, o := range objs {
			out[i] = &unstructured.Unstructured{Object: o}
		}
		return out
	}
	steps := []struct {
		name      string
		do        func() error
		objects   int
		overLimit bool
	}{
		{"ingresses fill two slots", func() error {
			return ings.Replace(list(ingress("a", "i1", "x"), ingress("a", "i2", "y")), "1")
		}, 2, false},
		{"services get the one slot left", func() error {
			return svcs.Replace(list(service("a", "s1", nil), service("a", "s2", nil)), "1")
		}, 3, true},
		{"a relist that fits clears the limit", func() error {
			return ings.Replace(list(ingress("a", "i1", "x")), "2")
		}, 2, true}, // services are still truncated until they relist
		{"services relist into the freed slot", func() error {
			return svcs.Replace(list(service("a", "s1", nil), service("a", "s2", nil)), "2")
		}, 3, false},
		{"an update of a kept object is kept at the limit", func() error {
			return svcs.Update(&unstructured.Unstructured{Object: service("a", "s1", map[string]any{"v": "2"})})
		}, 3, false},
		{"a stale watch is ignored", func() error {
			stale := &kindStore{inv: inv, kind: watchedKind{gvk: svcGVK}, run: 6}
			return stale.Delete(&unstructured.Unstructured{Object: service("a", "s1", nil)})
		}, 3, false},
		{"an unexpected type is an error", func() error {
			if err := svcs.Add("not an object"); err == nil || !strings.Contains(err.Error(), "unexpected object type string") {
				return fmt.Errorf("err = %v, want an unexpected type error", err)
			}
			return nil
		}, 3, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.do(); err != nil {
				t.Fatal(err)
			}
			st := inv.Status()
			if st.Objects != s.objects || st.OverLimit != s.overLimit {
				t.Fatalf("objects %d, over limit %v; want %d, %v (%+v)", st.Objects, st.OverLimit, s.objects, s.overLimit, st.Kinds)
			}
		})
	}
	if sel, _, _ := unstructured.NestedStringMap(inv.kept(svcGVK, "a", "s1"), "spec", "selector"); sel["v"] != "2" {
		t.Fatalf("updated service selector = %v, want v=2", sel)
	}
}

func TestInventoryNotStartedWithoutReferentialTemplates(t *testing.T) {
	f := newFakeCluster(t, service("web", "api", nil))
	log := &syncBuffer{}
	inv := newTestInventory(t, f, 10, log, svcGVK)
	h := start(t, testBundle, true, func(c *Config) { c.Inventory = inv })
	code, body := h.get("/readyz")
	if code != http.StatusOK {
		t.Fatalf("/readyz = %d %s, want 200", code, body)
	}
	var rd Readiness
	if err := json.Unmarshal([]byte(body), &rd); err != nil {
		t.Fatal(err)
	}
	if rd.Inventory == nil || rd.Inventory.Watching || !strings.Contains(rd.Inventory.Reason, "no Gatekeeper template that reads data.inventory") {
		t.Fatalf("/readyz inventory = %+v, want not watching, with the reason", rd.Inventory)
	}
	if a := f.dyn.Actions(); len(a) != 0 {
		t.Fatalf("the API was called without a referential template: %v", a)
	}
	if !strings.Contains(log.String(), "inventory: watches not started") {
		t.Fatalf("log = %q, want why the watches did not start", log.String())
	}
}

// ingressReview is an AdmissionReview for an Ingress.
func ingressReview(t *testing.T, op string, obj map[string]any) string {
	t.Helper()
	md := obj["metadata"].(map[string]any)
	raw, err := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": map[string]any{
		"uid":       "u-" + md["name"].(string),
		"kind":      map[string]any{"group": "networking.k8s.io", "version": "v1", "kind": "Ingress"},
		"resource":  map[string]any{"group": "networking.k8s.io", "version": "v1", "resource": "ingresses"},
		"name":      md["name"],
		"namespace": md["namespace"],
		"operation": op,
		"userInfo":  map[string]any{"username": "alice"},
		"object":    obj,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func answer(t *testing.T, s *Server, body string) *admissionv1.AdmissionResponse {
	t.Helper()
	rec := serveDirect(s, body)
	if rec.Code != http.StatusOK {
		t.Fatalf("/validate = %d %s", rec.Code, rec.Body)
	}
	var r admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	return r.Response
}

func TestInventoryAdmission(t *testing.T) {
	f := newFakeCluster(t, ingress("web", "existing", "a.example.com"))
	release := make(chan struct{})
	f.dyn.PrependReactor("list", "ingresses", func(k8stesting.Action) (bool, runtime.Object, error) {
		<-release // hold the first list back: the webhook is not ready meanwhile
		return false, nil, nil
	})
	inv := newTestInventory(t, f, 100, &syncBuffer{}, ingGVK)
	bundles := NewBundles(inventoryB, engine.LoadOptions{})
	s := New(Config{Bundles: bundles, Inventory: inv, Logger: discardLogger()})
	if _, err := bundles.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	readyz := func() (int, Readiness) {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		var rd Readiness
		if err := json.Unmarshal(rec.Body.Bytes(), &rd); err != nil {
			t.Fatal(err)
		}
		return rec.Code, rd
	}

	if code, rd := readyz(); code != http.StatusServiceUnavailable || rd.Ready || rd.Inventory == nil || !rd.Inventory.Watching || rd.Inventory.Synced {
		t.Fatalf("/readyz before the inventory synced = %d %+v, want 503 and an unsynced inventory", code, rd.Inventory)
	}
	r := answer(t, s, ingressReview(t, "CREATE", ingress("web", "other", "a.example.com")))
	if r.Allowed || r.Result == nil || !strings.Contains(r.Result.Message, "inventory for referential policies has not synced yet") {
		t.Fatalf("answer before sync = %+v, want fail-closed naming the inventory", r.Result)
	}
	close(release)
	waitFor(t, "the inventory syncs", inv.Ready)
	waitFor(t, "the watch is open", func() bool { return f.watching(ingGVR, f.dyn.Actions()) })
	if code, rd := readyz(); code != http.StatusOK || !rd.Inventory.Synced || rd.Inventory.Objects != 1 {
		t.Fatalf("/readyz after sync = %d %+v, want 200 with 1 object", code, rd.Inventory)
	}

	tests := []struct {
		name    string
		op      string
		obj     map[string]any
		allowed bool
	}{
		{"conflicting host denied", "CREATE", ingress("shop", "other", "a.example.com"), false},
		{"other host admitted", "CREATE", ingress("shop", "other", "b.example.com"), true},
		{"the existing ingress itself admitted", "UPDATE", ingress("web", "existing", "a.example.com"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := answer(t, s, ingressReview(t, tt.op, tt.obj))
			if r.Allowed != tt.allowed {
				t.Fatalf("allowed = %v (%+v), want %v", r.Allowed, r.Result, tt.allowed)
			}
			if !tt.allowed && !strings.Contains(r.Result.Message, "ingress host conflicts with an existing ingress <a.example.com>") {
				t.Fatalf("message = %q", r.Result.Message)
			}
		})
	}
	t.Run("host free again after the delete", func(t *testing.T) {
		if err := f.dyn.Resource(ingGVR).Namespace("web").Delete(context.Background(), "existing", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the delete reaches the snapshot", func() bool { return inv.Status().Objects == 0 && inv.settled() })
		if r := answer(t, s, ingressReview(t, "CREATE", ingress("shop", "other", "a.example.com"))); !r.Allowed {
			t.Fatalf("after the delete: %+v, want admitted", r.Result)
		}
	})
}

// BenchmarkInventorySnapshot measures one snapshot of the default limit of
// Service-sized objects (what a change costs at most once per Interval),
// and reports the live heap of the kept objects plus one snapshot.
func BenchmarkInventorySnapshot(b *testing.B) {
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	inv := &Inventory{max: DefaultInventoryMaxObjects, log: discardLogger(), kick: make(chan struct{}, 1)}
	inv.reset()
	st := &kindStore{inv: inv, kind: watchedKind{gvk: svcGVK}}
	for i := range DefaultInventoryMaxObjects {
		o := Trim(svcGVK, service(fmt.Sprintf("ns%d", i%500), fmt.Sprintf("svc-%d", i), map[string]any{"app": fmt.Sprintf("a%d", i)}))
		o["spec"].(map[string]any)["ports"] = []any{map[string]any{"name": "http", "port": int64(80), "targetPort": int64(8080), "protocol": "TCP"}}
		if err := st.Add(&unstructured.Unstructured{Object: o}); err != nil {
			b.Fatal(err)
		}
	}
	inv.rebuild(0)
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	live := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		inv.snap.Store(nil)
		inv.rebuild(0)
	}
	b.ReportMetric(live, "MiB-live")
	if inv.Snapshot().Len() != DefaultInventoryMaxObjects {
		b.Fatalf("snapshot holds %d objects", inv.Snapshot().Len())
	}
}

func TestManifestsInventoryRBAC(t *testing.T) {
	o := DefaultManifestOptions()
	o.Inventory = []string{"networking.k8s.io/v1/Ingress,v1/Secret"}
	files, _, err := ManifestFiles(o)
	if err != nil {
		t.Fatal(err)
	}
	rbac, dep := string(files["rbac.yaml"]), string(files["deployment.yaml"])
	for _, want := range []string{"- networking.k8s.io\n  resources:\n  - ingresses\n  verbs:\n  - get\n  - list\n  - watch",
		"- \"\"\n  resources:\n  - secrets\n  verbs:\n  - get\n  - list\n  - watch"} {
		if !strings.Contains(rbac, want) {
			t.Errorf("rbac.yaml lacks\n%s\n---\n%s", want, rbac)
		}
	}
	if !strings.Contains(dep, "--inventory=networking.k8s.io/v1/Ingress,v1/Secret") {
		t.Errorf("deployment.yaml lacks the --inventory argument:\n%s", dep)
	}
	o.Inventory = []string{"Ingress"}
	if _, _, err := ManifestFiles(o); err == nil || !strings.Contains(err.Error(), `inventory kind "Ingress"`) {
		t.Fatalf("bad kind: err = %v", err)
	}
}

// TestInventoryEndToEnd runs a real kube-apiserver that calls the webhook,
// whose unique-ingress-host constraint reads the inventory kept from the
// apiserver's watches.
func TestInventoryEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the end-to-end test starts etcd and kube-apiserver")
	}
	fleet := testfleet.Start(t, testfleet.Options{Clusters: []testfleet.ClusterSpec{{Name: "inventory-e2e", Version: testfleet.Current}}})
	cluster := fleet.Clusters[0]
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(cluster.Config)
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"web", "shop"} {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"fleetguard-e2e": "true"}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	newIngress := func(ns, name, host string) *networkingv1.Ingress {
		return &networkingv1.Ingress{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: networkingv1.IngressSpec{
				DefaultBackend: &networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "app", Port: networkingv1.ServiceBackendPort{Number: 80}}},
				Rules:          []networkingv1.IngressRule{{Host: host}},
			},
		}
	}
	// Already in the cluster before the webhook starts.
	if _, err := cs.NetworkingV1().Ingresses("web").Create(ctx, newIngress("web", "front", "a.example.com"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Secrets("web").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Annotations: map[string]string{corev1.LastAppliedConfigAnnotation: `{"data":{"password":"` + canary + `"}}`}},
		StringData: map[string]string{"password": canary},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	invCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	kinds, err := ParseInventoryKinds([]string{"networking.k8s.io/v1/Ingress,v1/Secret"})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := NewInventoryForConfig(invCtx, cluster.Config, InventoryOptions{Kinds: kinds, Interval: 20 * time.Millisecond, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copyDir(t, inventoryB, dir)
	h := startWith(t, NewBundles(dir, engine.LoadOptions{}), true, func(c *Config) { c.Inventory = inv })
	waitFor(t, "/readyz turns ready once the inventory synced", func() bool {
		code, _ := h.get("/readyz")
		return code == http.StatusOK
	})
	if st := inv.Status(); st.Objects != 2 || !st.Synced {
		t.Fatalf("inventory status = %+v, want the ingress and the secret", st)
	}
	sec := inv.kept(secretGVK, "web", "db")
	if raw, _ := json.Marshal(sec); sec == nil || sec["data"] != nil || bytes.Contains(raw, []byte(canary)) {
		t.Fatalf("kept secret = %s, want metadata without its value", raw)
	}

	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.ca.Cert.Raw})
	fail := admissionregistrationv1.Fail
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "fleetguard-inventory-e2e"},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:         "validate.fleetguard.dev",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: ptr(h.url + "/validate"), CABundle: caPEM},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{"networking.k8s.io"}, APIVersions: []string{"v1"}, Resources: []string{"ingresses"}},
			}},
			FailurePolicy:           &fail,
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			TimeoutSeconds:          ptr(int32(5)),
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"fleetguard-e2e": "true"}},
			AdmissionReviewVersions: []string{"v1"},
		}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	createErr := func(ing *networkingv1.Ingress, opts metav1.CreateOptions) string {
		if _, err := cs.NetworkingV1().Ingresses(ing.Namespace).Create(ctx, ing, opts); err != nil {
			return err.Error()
		}
		return ""
	}
	const conflict = "[K8sUniqueIngressHost/unique-ingress-host] Unique Ingress Host: ingress host conflicts with an existing ingress <%s>"

	t.Run("conflict with an existing ingress denied", func(t *testing.T) {
		// The apiserver picks the webhook configuration up asynchronously.
		var msg string
		waitFor(t, "the webhook denies a duplicate host", func() bool {
			msg = createErr(newIngress("shop", "dup", "a.example.com"), dryRun)
			return strings.Contains(msg, fmt.Sprintf(conflict, "a.example.com"))
		})
		if !strings.Contains(msg, `admission webhook "validate.fleetguard.dev" denied the request`) {
			t.Fatalf("denial = %q, want the apiserver's webhook denial", msg)
		}
		recs := h.log.lines(t)
		if last := recs[len(recs)-1]; last.Decision != DecisionDeny || last.Namespace != "shop" || last.Name != "dup" {
			t.Fatalf("last decision = %+v, want a deny of shop/dup", last)
		}
	})
	t.Run("other host admitted", func(t *testing.T) {
		if msg := createErr(newIngress("shop", "second", "b.example.com"), metav1.CreateOptions{}); msg != "" {
			t.Fatalf("ingress with a free host refused: %s", msg)
		}
	})
	t.Run("a new ingress is seen through the watch", func(t *testing.T) {
		waitFor(t, "the webhook denies the host of the ingress just created", func() bool {
			return strings.Contains(createErr(newIngress("web", "third", "b.example.com"), dryRun), fmt.Sprintf(conflict, "b.example.com"))
		})
	})
	t.Run("updating the existing ingress admitted", func(t *testing.T) {
		cur, err := cs.NetworkingV1().Ingresses("web").Get(ctx, "front", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Labels = map[string]string{"touched": "true"}
		if _, err := cs.NetworkingV1().Ingresses("web").Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
			t.Fatalf("updating the ingress that owns the host refused: %v", err)
		}
	})
	t.Run("a deleted ingress frees its host", func(t *testing.T) {
		if err := cs.NetworkingV1().Ingresses("shop").Delete(ctx, "second", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the webhook admits the freed host", func() bool {
			return createErr(newIngress("web", "third", "b.example.com"), dryRun) == ""
		})
	})
}

func TestInventoryListError(t *testing.T) {
	f := newFakeCluster(t)
	f.dyn.PrependReactor("list", "ingresses", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}, "", fmt.Errorf("RBAC"))
	})
	inv := newTestInventory(t, f, 10, &syncBuffer{}, ingGVK)
	inv.Use(true, "")
	waitFor(t, "the list error is reported", func() bool { return inv.Status().Kinds[0].Error != "" })
	st := inv.Status()
	if msg := st.Kinds[0].Error; !strings.Contains(msg, "listing ingresses") || !strings.Contains(msg, "forbidden") {
		t.Fatalf("kind error = %q, want the forbidden list named", msg)
	}
	if st.Synced || inv.Ready() {
		t.Fatalf("status = %+v: an inventory that cannot list must not be ready", st)
	}
	if snap, ok := inv.current(); ok || snap != nil {
		t.Fatal("current() must refuse an unsynced inventory")
	}
}
