package fetchers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/fleetguard/fleetguard/internal/testfleet"
	"github.com/fleetguard/fleetguard/snapshot"
)

// TestFleet starts the seeded local fleet once and collects it from every
// angle: least privilege, a user denied Secrets, a dead and a hung cluster,
// the whole fleet at once, and the Secret Table mechanism itself.
func TestFleet(t *testing.T) {
	f := testfleet.Start(t, testfleet.Options{Seed: true})
	ctx := context.Background()
	kc := extendKubeconfig(t, f)
	canary := "canary-" + randomHex(t)
	if err := f.Cluster("dev").SeedCanary(ctx, canary); err != nil {
		t.Fatal(err)
	}

	cfg, err := LoadConfig(f.Config)
	if err != nil {
		t.Fatalf("the testfleet config does not load: %v", err)
	}
	var logs syncBuffer
	opts := Options{Log: slog.New(slog.NewTextHandler(&logs, nil)), Timeout: time.Hour}

	target := func(t *testing.T, context string) Target {
		t.Helper()
		ts, err := Targets(Selection{Kubeconfig: kc, Contexts: []string{context}, Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		return ts[0]
	}

	t.Run("least privilege: the auditor role reads everything", func(t *testing.T) {
		for _, c := range f.Clusters {
			t.Run(c.Name, func(t *testing.T) {
				s := Collect(ctx, target(t, c.AuditorContext), opts)
				if s.Status.State != snapshot.StateComplete || len(s.Status.Errors) > 0 || len(s.Status.MissingKinds) > 0 {
					t.Fatalf("status = %+v, want complete", s.Status)
				}
				if s.ServerVersion == nil || s.ServerVersion.GitVersion != c.Version {
					t.Errorf("serverVersion = %+v, want %s", s.ServerVersion, c.Version)
				}
				if s.Cluster.Context != c.AuditorContext || s.Cluster.Server != c.Server {
					t.Errorf("cluster = %+v, want context %s and server %s", s.Cluster, c.AuditorContext, c.Server)
				}
				checkSnapshot(t, s)
				admin := Collect(ctx, target(t, c.Context), opts)
				if !reflect.DeepEqual(counts(admin), counts(s)) {
					t.Errorf("auditor read %v, admin read %v: the role misses something", counts(s), counts(admin))
				}
				if admin.Cluster.Name != c.Name || !reflect.DeepEqual(admin.Cluster.Labels, c.Labels) {
					t.Errorf("admin cluster = %+v, want name %s and labels %v from the fleet config", admin.Cluster, c.Name, c.Labels)
				}
			})
		}
	})

	t.Run("versions of nodes and apiserver", func(t *testing.T) {
		s := Collect(ctx, target(t, "prod-us"), opts)
		var kubelets []string
		for _, n := range s.Nodes {
			kubelets = append(kubelets, n.Name+"="+n.KubeletVersion+"/"+n.Architecture)
		}
		want := []string{"prod-node-1=v1.33.13/amd64", "prod-node-2=v1.31.14/amd64", "prod-node-3=v1.33.13/arm64"}
		if !reflect.DeepEqual(kubelets, want) {
			t.Errorf("nodes = %v, want %v", kubelets, want)
		}
		for _, k := range []string{"NetworkPolicy", "ValidatingWebhookConfiguration"} {
			if len(s.Objects[k]) == 0 {
				t.Errorf("no %s collected", k)
			}
		}
		if s.ServerVersion.Minor != "33" {
			t.Errorf("minor = %q, want 33", s.ServerVersion.Minor)
		}
		v := s.Derive().Versions
		if v.Server == nil || v.Server.GitVersion != testfleet.Old {
			t.Errorf("derived server version = %+v, want %s", v.Server, testfleet.Old)
		}
	})

	t.Run("denied Secrets: partial", func(t *testing.T) {
		s := Collect(ctx, target(t, "dev-nosecrets"), opts)
		if s.Status.State != snapshot.StatePartial || !reflect.DeepEqual(s.Status.MissingKinds, []string{"Secret"}) {
			t.Fatalf("status = %+v, want partial with missingKinds [Secret]", s.Status)
		}
		if len(s.Status.Errors) != 1 || s.Status.Errors[0].Kind != "Secret" || !strings.Contains(s.Status.Errors[0].Message, "forbidden") {
			t.Errorf("errors = %+v, want one forbidden error on Secret", s.Status.Errors)
		}
		if len(s.Objects["Secret"]) != 0 || len(s.Objects["Pod"]) == 0 || len(s.Objects["ClusterRole"]) == 0 {
			t.Errorf("objects = %v, want no Secret but Pods and ClusterRoles", counts(s))
		}
		if s.Derive().Secrets.Complete {
			t.Error("views.secrets.complete = true without Secrets")
		}
	})

	t.Run("closed port: unreachable without waiting for the timeout", func(t *testing.T) {
		// The timeout is an hour: an answer proves the retries are bounded.
		s := Collect(ctx, target(t, "dead"), opts)
		if s.Status.State != snapshot.StateUnreachable {
			t.Fatalf("state = %s, want unreachable", s.Status.State)
		}
		if len(s.Status.Errors) != 1 || !strings.Contains(s.Status.Errors[0].Message, "connection refused") || strings.Contains(s.Status.Errors[0].Message, "timed out") {
			t.Errorf("errors = %+v, want connection refused", s.Status.Errors)
		}
		if !slices.Contains(s.Status.MissingKinds, "Secret") || !slices.Contains(s.Status.MissingKinds, "Node") || len(s.Status.MissingKinds) != len(kinds())+1 {
			t.Errorf("missingKinds = %v, want every kind", s.Status.MissingKinds)
		}
		if s.ServerVersion != nil || len(s.Objects) != 0 {
			t.Errorf("an unreachable snapshot holds data: %+v %v", s.ServerVersion, counts(s))
		}
	})

	t.Run("hung server: the cluster timeout applies", func(t *testing.T) {
		o := opts
		o.Timeout = time.Second
		s := Collect(ctx, target(t, "hung"), o)
		if s.Status.State != snapshot.StateUnreachable || !strings.Contains(s.Status.Errors[0].Message, "timed out after 1s") {
			t.Errorf("status = %+v, want unreachable, timed out after 1s", s.Status)
		}
	})

	t.Run("the whole fleet at once, failures included", func(t *testing.T) {
		ts, err := Targets(Selection{Kubeconfig: kc, All: true, Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		got := map[string]string{}
		o := opts
		o.Timeout, o.Workers = 5*time.Second, 3
		Fleet(ctx, ts, o, func(s *snapshot.Snapshot) {
			mu.Lock()
			defer mu.Unlock()
			got[s.Cluster.Name] = s.Status.State
		})
		want := map[string]string{
			"dev": "complete", "staging-eu": "complete", "prod-us": "complete",
			"dev-auditor": "complete", "staging-eu-auditor": "complete", "prod-us-auditor": "complete",
			"dev-nosecrets": "partial", "dead": "unreachable", "hung": "unreachable",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("states = %v\nwant     %v", got, want)
		}
	})

	t.Run("Secret Table: types and key counts, never values", func(t *testing.T) {
		c := f.Cluster("dev")
		cs := kubernetes.NewForConfigOrDie(c.Config)
		// A Secret created without kubectl: no last-applied annotation.
		plain := "plain-" + randomHex(t)
		_, err := cs.CoreV1().Secrets("default").Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "table-check"},
			Type:       corev1.SecretTypeBasicAuth,
			StringData: map[string]string{"username": "u", "password": plain},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := cs.CoreV1().RESTClient().Get().Resource("secrets").Namespace("default").
			Param("includeObject", "Metadata").SetHeader("Accept", TableAccept).Do(ctx).Raw()
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []string{plain, base64.StdEncoding.EncodeToString([]byte(plain)), `"data"`, `"stringData"`} {
			if bytes.Contains(raw, []byte(leak)) {
				t.Errorf("the Table response holds %q", leak)
			}
		}
		var found map[string]any
		_, err = secretTable(raw, func(obj map[string]any) error {
			if obj["metadata"].(map[string]any)["name"] == "table-check" {
				found = obj
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if found == nil || found["type"] != "kubernetes.io/basic-auth" || found["dataKeys"] != int64(2) {
			t.Errorf("table-check = %v, want type kubernetes.io/basic-auth and dataKeys 2", found)
		}
	})

	t.Run("Save streams what Collect takes", func(t *testing.T) {
		dir := t.TempDir()
		o := opts
		at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		o.Now = func() time.Time { return at }
		o.PageSize = 7 // many pages per kind
		for _, name := range []string{"prod-us", "dev-nosecrets", "dead"} {
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(dir, name+".json.gz")
				head, n, err := Save(ctx, target(t, name), o, path)
				if err != nil {
					t.Fatal(err)
				}
				mem := Collect(ctx, target(t, name), o)
				saved, err := snapshot.Load(path)
				if err != nil {
					t.Fatal(err)
				}
				if len(head.Objects) != 0 || !reflect.DeepEqual(head.Status, mem.Status) {
					t.Errorf("header objects %d, status %+v; want none and %+v", len(head.Objects), head.Status, mem.Status)
				}
				if got := len(saved.All()); got != n || n != len(mem.All()) {
					t.Errorf("Save reported %d objects, the file holds %d, Collect took %d", n, got, len(mem.All()))
				}
				want, _ := snapshot.Digest(mem)
				if got, _ := snapshot.Digest(saved); got != want {
					t.Errorf("digest of the saved file %s, of Collect %s", got, want)
				}
			})
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
			t.Errorf("temp files left: %v", left)
		}
		t.Run("cancelled: nothing written", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			ts := []Target{target(t, "dev"), target(t, "dead")}
			var errs []error
			var mu sync.Mutex
			SaveFleet(cctx, ts, o, func(t Target) string { return filepath.Join(dir, "cancelled-"+t.Cluster.Name+".json") },
				func(s *snapshot.Snapshot, n int, err error) {
					mu.Lock()
					defer mu.Unlock()
					errs = append(errs, err)
				})
			if len(errs) != 2 || !errors.Is(errs[0], context.Canceled) || !errors.Is(errs[1], context.Canceled) {
				t.Errorf("errors = %v, want two context.Canceled", errs)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*cancelled*")); len(left) != 0 {
				t.Errorf("files written after cancel: %v", left)
			}
		})
	})

	t.Run("canary: nothing leaks into snapshots or logs", func(t *testing.T) {
		s := Collect(ctx, target(t, "dev"), opts)
		b, err := snapshot.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "dev.json")
		if _, _, err := Save(ctx, target(t, "dev"), opts, path); err != nil {
			t.Fatal(err)
		}
		streamed, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(streamed, []byte("canary-secret")) {
			t.Fatal("the canary Secret is not in the streamed snapshot")
		}
		if !bytes.Contains(b, []byte("canary-secret")) || !bytes.Contains(b, []byte("canary-pod")) || !bytes.Contains(b, []byte("canary-deploy")) {
			t.Fatal("the canary objects are not in the snapshot")
		}
		for name, data := range map[string][]byte{"snapshot": b, "streamed snapshot": streamed, "logs": logs.Bytes()} {
			if bytes.Contains(data, []byte(canary)) {
				t.Errorf("the canary value is in the %s", name)
			}
		}
		for _, o := range s.All() {
			if l := snapshot.Leaks(o); len(l) > 0 {
				t.Errorf("%v holds %v", o["metadata"], l)
			}
		}
	})
}

// checkSnapshot checks what every complete snapshot of the seeded fleet
// holds: every kind, objects with apiVersion, kind and name, Secrets typed
// without values, ConfigMaps by name, discovery.
func checkSnapshot(t *testing.T, s *snapshot.Snapshot) {
	t.Helper()
	for _, k := range []string{"Namespace", "Pod", "Deployment", "StatefulSet", "DaemonSet", "CronJob", "ServiceAccount",
		"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Service", "Ingress", "Secret", "ConfigMap"} {
		if len(s.Objects[k]) == 0 {
			t.Errorf("no %s collected", k)
		}
	}
	for kind, objs := range s.Objects {
		for _, o := range objs {
			md, _ := o["metadata"].(map[string]any)
			if o["kind"] != kind || o["apiVersion"] == nil || o["apiVersion"] == "" || md["name"] == nil {
				t.Errorf("%s object without apiVersion, kind or name: %v %v %v", kind, o["apiVersion"], o["kind"], md["name"])
			}
		}
	}
	for _, o := range s.Objects["Secret"] {
		if _, ok := o["type"].(string); !ok {
			t.Errorf("Secret %v has no type", o["metadata"])
		}
		if _, ok := o["dataKeys"]; !ok {
			t.Errorf("Secret %v has no dataKeys", o["metadata"])
		}
	}
	for _, o := range s.Objects["ConfigMap"] {
		md := o["metadata"].(map[string]any)
		if len(o) != 3 || len(md) > 2 {
			t.Errorf("ConfigMap holds more than its name: %v", o)
		}
	}
	var gvs []string
	for _, gv := range s.APIs {
		gvs = append(gvs, gv.GroupVersion)
	}
	for _, w := range []string{"v1", "apps/v1", "rbac.authorization.k8s.io/v1", "networking.k8s.io/v1"} {
		if !slices.Contains(gvs, w) {
			t.Errorf("apis = %v, want %s", gvs, w)
		}
	}
	if len(s.Nodes) == 0 || s.Nodes[0].KubeletVersion == "" {
		t.Errorf("nodes = %+v, want kubelet versions", s.Nodes)
	}
	b, err := snapshot.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Decode(bytes.NewReader(b), s.Cluster.Name); err != nil {
		t.Errorf("the snapshot does not validate: %v", err)
	}
}

func counts(s *snapshot.Snapshot) map[string]int {
	out := map[string]int{"Node": len(s.Nodes)}
	for k, v := range s.Objects {
		out[k] = len(v)
	}
	return out
}

// extendKubeconfig writes the fleet's kubeconfig plus: dev-nosecrets (the
// user denied Secrets), dead (a closed port) and hung (a port that accepts
// connections and never answers).
func extendKubeconfig(t *testing.T, f *testfleet.Fleet) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(f.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	dev := f.Cluster("dev")
	rc, err := dev.UserConfig(testfleet.NoSecrets)
	if err != nil {
		t.Fatal(err)
	}
	add := func(name, server, token string) {
		cl := clientcmdapi.NewCluster()
		cl.Server = server
		cl.CertificateAuthorityData = dev.CAData
		cfg.Clusters[name] = cl
		ai := clientcmdapi.NewAuthInfo()
		ai.Token = token
		cfg.AuthInfos[name] = ai
		cx := clientcmdapi.NewContext()
		cx.Cluster, cx.AuthInfo = name, name
		cfg.Contexts[name] = cx
	}
	add("dev-nosecrets", dev.Server, rc.BearerToken)
	add("dead", "https://"+closedPort(t), "x")
	add("hung", "https://"+hungPort(t), "x")
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// hungPort returns a loopback address that accepts connections and never
// answers, until the test ends.
func hungPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func randomHex(t *testing.T) string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a logger.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
