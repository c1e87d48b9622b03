package testfleet

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
)

// TestFleet starts the default fleet once (3 clusters, two minors, seeded)
// and checks it from every angle in subtests.
func TestFleet(t *testing.T) {
	f := Start(t, Options{Seed: true, Users: []User{
		{Name: "ops", Groups: []string{"ops-team"}},
		{Name: "reader", Groups: []string{"readers"}},
	}})
	ctx := context.Background()

	clients := map[string]map[string]kubernetes.Interface{}
	for _, c := range f.Clusters {
		clients[c.Name] = map[string]kubernetes.Interface{}
		for _, u := range []string{Admin, Auditor, Restricted, NoSecrets, "ops", "reader"} {
			cfg, err := c.UserConfig(u)
			if err != nil {
				t.Fatal(err)
			}
			clients[c.Name][u] = kubernetes.NewForConfigOrDie(cfg)
		}
	}

	t.Run("versions", func(t *testing.T) {
		want := map[string]string{"dev": Current, "staging-eu": Current, "prod-us": Old}
		minors := map[uint]bool{}
		for _, c := range f.Clusters {
			t.Run(c.Name, func(t *testing.T) {
				for _, u := range []string{Admin, Auditor} {
					v, err := clients[c.Name][u].Discovery().ServerVersion()
					if err != nil {
						t.Fatalf("%s: /version: %v", u, err)
					}
					if v.GitVersion != want[c.Name] || c.Version != want[c.Name] {
						t.Errorf("%s: /version = %s, cluster says %s, want %s", u, v.GitVersion, c.Version, want[c.Name])
					}
					minors[version.MustParseSemantic(v.GitVersion).Minor()] = true
				}
			})
		}
		if len(minors) != 2 {
			t.Errorf("minors served = %v, want 2 distinct", minors)
		}
	})

	t.Run("bootstrap ClusterRoles", func(t *testing.T) {
		want := []string{"cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user", "system:node", "fleetguard-fetcher"}
		for _, c := range f.Clusters {
			t.Run(c.Name, func(t *testing.T) {
				list, err := clients[c.Name][Auditor].RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, r := range list.Items {
					names = append(names, r.Name)
				}
				for _, w := range want {
					if !slices.Contains(names, w) {
						t.Errorf("ClusterRole %q missing", w)
					}
				}
			})
		}
	})

	t.Run("kubeconfig and fleet config", func(t *testing.T) {
		cfg, err := ReadConfig(f.Config)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Kubeconfig != f.Kubeconfig {
			t.Errorf("fleet config kubeconfig = %q, want %q", cfg.Kubeconfig, f.Kubeconfig)
		}
		wantEnv := map[string]string{"dev": "dev", "staging-eu": "staging", "prod-us": "prod"}
		if len(cfg.Clusters) != 3 {
			t.Fatalf("fleet config has %d clusters, want 3", len(cfg.Clusters))
		}
		for _, cc := range cfg.Clusters {
			c := f.Cluster(cc.Name)
			if c == nil {
				t.Fatalf("fleet config names unknown cluster %q", cc.Name)
			}
			if cc.Labels["env"] != wantEnv[cc.Name] || cc.Labels["region"] == "" || cc.Context != cc.Name {
				t.Errorf("fleet config cluster %+v", cc)
			}
			if !slices.Equal(cc.SystemNamespaces, SystemNamespaces) {
				t.Errorf("%s: systemNamespaces = %v", cc.Name, cc.SystemNamespaces)
			}
			for ctxName, user := range map[string]string{c.Context: "admin", c.AuditorContext: "auditor"} {
				rc, err := ContextConfig(f.Kubeconfig, ctxName)
				if err != nil {
					t.Fatal(err)
				}
				cs := kubernetes.NewForConfigOrDie(rc)
				v, err := cs.Discovery().ServerVersion()
				if err != nil || v.GitVersion != c.Version {
					t.Errorf("context %s: version %v, %v; want %s", ctxName, v, err, c.Version)
				}
				// Only the admin context may create; this proves which user it is.
				_, err = cs.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "probe-" + user}}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
				if (user == "admin") != (err == nil) {
					t.Errorf("context %s: dry-run create as %s: %v", ctxName, user, err)
				}
			}
		}
	})

	t.Run("seeded objects listed by the auditor", func(t *testing.T) {
		type want struct {
			namespaces   []string // must be present
			nodes        map[string]string
			netpols      []string
			crbs, noCRBs []string
			webhook      string // failurePolicy of validating webhook "fleetguard", "" for none
			pods         []string
		}
		common := []string{"payments", "web", "monitoring", "batch"}
		cases := map[string]want{
			"dev": {
				namespaces: append(slices.Clone(common), "sandbox"),
				nodes:      map[string]string{"dev-node-1": "v1.36.3", "dev-node-2": "v1.36.3"},
				netpols:    nil,
				crbs:       []string{"node-exporter-cluster-admin", "ops-wildcard", "fleet-readers", "dev-authenticated-edit", "fleetguard-fetcher"},
				noCRBs:     []string{"break-glass"},
				pods:       []string{"payments/api-canary", "web/debug"},
			},
			"staging-eu": {
				namespaces: common,
				nodes:      map[string]string{"staging-node-1": "v1.36.3", "staging-node-2": "v1.35.2"},
				netpols:    []string{"payments/allow-from-web", "payments/default-deny", "web/default-deny-ingress"},
				crbs:       []string{"node-exporter-cluster-admin", "ops-wildcard", "fleet-readers"},
				noCRBs:     []string{"break-glass", "dev-authenticated-edit"},
				webhook:    "Ignore",
				pods:       []string{"payments/api-canary"},
			},
			"prod-us": {
				namespaces: common,
				nodes:      map[string]string{"prod-node-1": "v1.33.13", "prod-node-2": "v1.31.14", "prod-node-3": "v1.33.13"},
				netpols:    []string{"monitoring/default-deny-ingress", "payments/allow-from-web", "payments/default-deny", "web/default-deny"},
				crbs:       []string{"node-exporter-cluster-admin", "ops-wildcard", "fleet-readers", "break-glass"},
				noCRBs:     []string{"dev-authenticated-edit"},
				webhook:    "Fail",
				pods:       []string{"payments/api-canary"},
			},
		}
		for _, c := range f.Clusters {
			w := cases[c.Name]
			cs := clients[c.Name][Auditor]
			t.Run(c.Name, func(t *testing.T) {
				nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var nsNames []string
				for _, ns := range nss.Items {
					nsNames = append(nsNames, ns.Name)
					// Every namespace got its default ServiceAccount.
					if _, err := cs.CoreV1().ServiceAccounts(ns.Name).Get(ctx, "default", metav1.GetOptions{}); err != nil {
						t.Errorf("ServiceAccount %s/default: %v", ns.Name, err)
					}
				}
				for _, n := range w.namespaces {
					if !slices.Contains(nsNames, n) {
						t.Errorf("namespace %s missing from %v", n, nsNames)
					}
				}
				if c.Name != "dev" && slices.Contains(nsNames, "sandbox") {
					t.Errorf("namespace sandbox must exist in dev only")
				}

				nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]string{}
				for _, n := range nodes.Items {
					got[n.Name] = n.Status.NodeInfo.KubeletVersion
					if n.Status.NodeInfo.ContainerRuntimeVersion == "" || n.Status.NodeInfo.OSImage == "" || n.Status.NodeInfo.KernelVersion == "" {
						t.Errorf("node %s: incomplete nodeInfo %+v", n.Name, n.Status.NodeInfo)
					}
				}
				if !mapsEqual(got, w.nodes) {
					t.Errorf("node kubelets = %v, want %v", got, w.nodes)
				}

				nps, err := cs.NetworkingV1().NetworkPolicies("").List(ctx, metav1.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var npNames []string
				for _, np := range nps.Items {
					npNames = append(npNames, np.Namespace+"/"+np.Name)
				}
				slices.Sort(npNames)
				if !slices.Equal(npNames, w.netpols) {
					t.Errorf("NetworkPolicies = %v, want %v", npNames, w.netpols)
				}

				crbs, err := cs.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var crbNames []string
				for _, b := range crbs.Items {
					crbNames = append(crbNames, b.Name)
				}
				for _, n := range w.crbs {
					if !slices.Contains(crbNames, n) {
						t.Errorf("ClusterRoleBinding %s missing", n)
					}
				}
				for _, n := range w.noCRBs {
					if slices.Contains(crbNames, n) {
						t.Errorf("ClusterRoleBinding %s must not exist here", n)
					}
				}

				vwcs, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().List(ctx, metav1.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				gotHook := ""
				for _, v := range vwcs.Items {
					if v.Name == "fleetguard" && len(v.Webhooks) == 1 && v.Webhooks[0].FailurePolicy != nil {
						gotHook = string(*v.Webhooks[0].FailurePolicy)
					}
				}
				if gotHook != w.webhook {
					t.Errorf("webhook failurePolicy = %q, want %q", gotHook, w.webhook)
				}

				pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var podNames []string
				for _, p := range pods.Items {
					podNames = append(podNames, p.Namespace+"/"+p.Name)
				}
				slices.Sort(podNames)
				if !slices.Equal(podNames, w.pods) {
					t.Errorf("pods = %v, want %v", podNames, w.pods)
				}

				// Workloads of every kind the fetchers read.
				if d, err := cs.AppsV1().Deployments("web").Get(ctx, "frontend", metav1.GetOptions{}); err != nil || d.Spec.Template.Spec.Containers[0].Image != "nginx:latest" {
					t.Errorf("deployment web/frontend: %v", err)
				}
				if _, err := cs.AppsV1().StatefulSets("batch").Get(ctx, "queue", metav1.GetOptions{}); err != nil {
					t.Error(err)
				}
				if _, err := cs.AppsV1().DaemonSets("monitoring").Get(ctx, "node-exporter", metav1.GetOptions{}); err != nil {
					t.Error(err)
				}
				if _, err := cs.BatchV1().CronJobs("batch").Get(ctx, "report", metav1.GetOptions{}); err != nil {
					t.Error(err)
				}
				if _, err := cs.NetworkingV1().Ingresses("web").Get(ctx, "frontend", metav1.GetOptions{}); err != nil {
					t.Error(err)
				}

				// Secrets as metadata only, the way the fetchers list them.
				mc := metadata.NewForConfigOrDie(c.AuditorConfig)
				secrets, err := mc.Resource(schema.GroupVersionResource{Version: "v1", Resource: "secrets"}).Namespace("batch").List(ctx, metav1.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				var secretNames []string
				for _, s := range secrets.Items {
					secretNames = append(secretNames, s.Name)
				}
				slices.Sort(secretNames)
				if want := []string{"batch-basic-auth", "batch-legacy-token", "batch-unused"}; !slices.Equal(secretNames, want) {
					t.Errorf("secrets in batch = %v, want %v", secretNames, want)
				}
			})
		}
	})

	t.Run("least privilege", func(t *testing.T) {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "intruder"}}
		cases := []struct {
			name      string
			user      string
			do        func(ctx context.Context, cs kubernetes.Interface) error
			forbidden bool
		}{
			{"auditor cannot create a ConfigMap", Auditor, func(ctx context.Context, cs kubernetes.Interface) error {
				_, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{})
				return err
			}, true},
			{"auditor cannot delete a Pod", Auditor, func(ctx context.Context, cs kubernetes.Interface) error {
				return cs.CoreV1().Pods("payments").Delete(ctx, "api-canary", metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
			}, true},
			{"auditor cannot read pod logs", Auditor, func(ctx context.Context, cs kubernetes.Interface) error {
				_, err := cs.CoreV1().Pods("payments").GetLogs("api-canary", &corev1.PodLogOptions{}).DoRaw(ctx)
				return err
			}, true},
			{"auditor lists secrets", Auditor, func(ctx context.Context, cs kubernetes.Interface) error {
				_, err := cs.CoreV1().Secrets("web").List(ctx, metav1.ListOptions{})
				return err
			}, false},
			{"restricted cannot list secrets", Restricted, func(ctx context.Context, cs kubernetes.Interface) error {
				_, err := cs.CoreV1().Secrets("web").List(ctx, metav1.ListOptions{})
				return err
			}, true},
			{"restricted cannot list pods", Restricted, func(ctx context.Context, cs kubernetes.Interface) error {
				_, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
				return err
			}, true},
			{"no-secrets cannot list secrets", NoSecrets, func(ctx context.Context, cs kubernetes.Interface) error {
				_, err := cs.CoreV1().Secrets("").List(ctx, metav1.ListOptions{})
				return err
			}, true},
			{"ops-team creates through the seeded wildcard role", "ops", func(ctx context.Context, cs kubernetes.Interface) error {
				_, err := cs.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
				return err
			}, false},
			// No controller-manager fills aggregated roles: the seeded
			// fleet-readers keeps empty rules, as the fixtures README says.
			{"readers get nothing from the unresolved aggregated role", "reader", func(ctx context.Context, cs kubernetes.Interface) error {
				_, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
				return err
			}, true},
			{"no-secrets lists pods", NoSecrets, func(ctx context.Context, cs kubernetes.Interface) error {
				_, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
				return err
			}, false},
		}
		for _, c := range f.Clusters {
			for _, tc := range cases {
				t.Run(c.Name+"/"+tc.name, func(t *testing.T) {
					err := tc.do(ctx, clients[c.Name][tc.user])
					if tc.forbidden && !apierrors.IsForbidden(err) {
						t.Errorf("got %v, want 403 Forbidden", err)
					}
					if !tc.forbidden && err != nil {
						t.Errorf("got %v, want success", err)
					}
				})
			}
		}
	})

	// Last: it stops the fleet, as `fleet down` does.
	t.Run("state and down", func(t *testing.T) {
		if err := f.Save(); err != nil {
			t.Fatal(err)
		}
		s, err := LoadState(f.Dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Clusters) != 3 || s.Clusters[2].Name != "prod-us" || s.Clusters[2].Version != Old {
			t.Fatalf("state clusters = %+v", s.Clusters)
		}
		if err := s.Check(ctx); err != nil {
			t.Fatalf("Check on a running fleet: %v", err)
		}
		for _, sc := range s.Clusters {
			if n, err := sc.RSS(); err != nil || n < 10<<20 {
				t.Errorf("%s: RSS %d, %v", sc.Name, n, err)
			}
		}
		pids, err := Down(f.Dir, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if len(pids) != 6 {
			t.Errorf("Down stopped %d processes, want 6", len(pids))
		}
		if left := strays(f.Dir); len(left) != 0 {
			t.Errorf("processes left: %v", left)
		}
		if err := s.Check(ctx); err == nil {
			t.Error("Check after Down = nil, want an error")
		}
		if _, err := LoadState(f.Dir); !os.IsNotExist(err) {
			t.Errorf("state after Down: %v, want not exist", err)
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestPortTakenIsRetried holds the first port handed to etcd, so that the
// first start fails to bind and the second, on fresh ports, succeeds.
func TestPortTakenIsRetried(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	calls := 0
	ports := func(n int) ([]int, error) {
		calls++
		p, err := freePorts(n)
		if calls == 1 && err == nil {
			p[0] = held.Addr().(*net.TCPAddr).Port
		}
		return p, err
	}
	dir := t.TempDir()
	c := &Cluster{Name: "retry"}
	opts := Options{BinDir: filepath.Join(root, ".cache", "fleet", "bin"), ReadyTimeout: time.Minute}
	url, err := c.startEtcd(context.Background(), dir, dir, opts, ports)
	t.Cleanup(func() { c.etcd.kill() })
	if err != nil {
		t.Fatal(err)
	}
	if calls != 2 {
		t.Errorf("ports chosen %d times, want 2", calls)
	}
	if strings.HasSuffix(url, ":"+strconv.Itoa(held.Addr().(*net.TCPAddr).Port)) {
		t.Errorf("etcd client URL %s uses the held port", url)
	}
}

// TestNotReadyShowsLog points an apiserver at an etcd that does not exist:
// it never becomes ready, and the error carries the end of its log.
func TestNotReadyShowsLog(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c := &Cluster{Name: "lonely", Version: Current}
	if err := c.writeAuth(dir, nil); err != nil {
		t.Fatal(err)
	}
	p, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{BinDir: filepath.Join(root, ".cache", "fleet", "bin"), ReadyTimeout: 10 * time.Second} // long enough for the apiserver to log its etcd errors, even on a loaded machine
	err = c.startAPIServer(context.Background(), dir, dir, "http://127.0.0.1:"+strconv.Itoa(p[0]), opts, freePorts)
	t.Cleanup(func() { c.api.kill() })
	if err == nil {
		t.Fatal("startAPIServer with no etcd = nil error, want not ready")
	}
	msg := err.Error()
	for _, want := range []string{`cluster "lonely"`, "kube-apiserver " + Current + " not ready within 10s", "last 20 lines of " + filepath.Join(dir, "lonely-apiserver.log")} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	_, logPart, _ := strings.Cut(msg, ".log:\n")
	if n := len(strings.Split(logPart, "\n")); logPart == "" || n > 20 {
		t.Errorf("log excerpt has %d lines, want 1 to 20:\n%s", n, logPart)
	}
	if !c.api.exited() && alive(c.api.pid) {
		t.Errorf("apiserver %d still running after the failure", c.api.pid)
	}
}

func TestMissingBinary(t *testing.T) {
	_, err := Up(context.Background(), Options{BinDir: t.TempDir(), Clusters: []ClusterSpec{{Name: "a", Version: "v1.99.0"}}})
	if err == nil || !strings.Contains(err.Error(), "make fleet-binaries") || !strings.Contains(err.Error(), "etcd-"+EtcdVersion) {
		t.Fatalf("Up without binaries: %v, want a message naming the binary and make fleet-binaries", err)
	}
}

func TestBadSpecs(t *testing.T) {
	cases := []struct {
		name  string
		specs []ClusterSpec
		want  string
	}{
		{"duplicate", []ClusterSpec{{Name: "a", Version: Current}, {Name: "a", Version: Current}}, `cluster "a": listed twice`},
		{"empty name", []ClusterSpec{{Version: Current}}, `cluster 0: invalid name ""`},
		{"no version", []ClusterSpec{{Name: "b"}}, `cluster "b": no kube-apiserver version`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkSpecs(Options{Clusters: tc.specs, BinDir: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("checkSpecs = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	cases := []struct {
		name    string
		content string
		objects []string // kind/name@line
		err     string   // substring, with FILE for the path
	}{
		{"multi-document", "# header\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n# only a comment\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: a\n",
			[]string{"Namespace/a@3", "ConfigMap/b@10"}, ""},
		{"no kind", "apiVersion: v1\nmetadata:\n  name: a\n", nil, "FILE:1: object has no kind"},
		{"no name", "apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Pod\nmetadata: {}\n", nil, "FILE:1: Pod has no metadata.name"},
		{"bad yaml in second document", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: [\n", nil, "FILE:6: "},
		{"no apiVersion", "kind: Pod\nmetadata: {name: a}\n", nil, "FILE:1: object has no apiVersion"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "f.yaml")
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			fx, err := LoadFile(path)
			if tc.err != "" {
				want := strings.ReplaceAll(tc.err, "FILE", path)
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("LoadFile = %v, want error containing %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range fx {
				got = append(got, x.Object.GetKind()+"/"+x.Object.GetName()+"@"+strconv.Itoa(x.Line))
			}
			if !slices.Equal(got, tc.objects) {
				t.Errorf("objects = %v, want %v", got, tc.objects)
			}
		})
	}
}

// TestFixturesLoad checks every fixture of testdata/fleet parses, so a typo
// is reported with its file and line before any cluster starts.
func TestFixturesLoad(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"common", "dev", "staging-eu", "prod-us", "prod-eu"} {
		t.Run(d, func(t *testing.T) {
			fx, err := LoadFixtures(filepath.Join(root, "testdata", "fleet", d))
			if err != nil {
				t.Fatal(err)
			}
			if len(fx) < 3 {
				t.Errorf("%d fixtures in %s, want at least 3", len(fx), d)
			}
		})
	}
	if _, err := rbacFixtures(root); err != nil {
		t.Fatal(err)
	}
}

// TestNoSecretsRole checks the derived role keeps every fetcher rule except
// secrets.
func TestNoSecretsRole(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	fx, err := rbacFixtures(root)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, x := range fx {
		kinds = append(kinds, x.Object.GetKind()+"/"+x.Object.GetName())
	}
	want := []string{"ClusterRole/fleetguard-fetcher", "ClusterRoleBinding/fleetguard-fetcher", "ClusterRole/fleetguard-fetcher-no-secrets", "ClusterRoleBinding/fleetguard-fetcher-no-secrets"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("objects = %v, want %v", kinds, want)
	}
	orig := resourcesOf(t, fx[0])
	derived := resourcesOf(t, fx[2])
	if !slices.Contains(orig, "secrets") || slices.Contains(derived, "secrets") {
		t.Errorf("secrets: original %v, derived %v", orig, derived)
	}
	if len(derived) != len(orig)-1 {
		t.Errorf("derived role has %d resources, want %d", len(derived), len(orig)-1)
	}
}

func resourcesOf(t *testing.T, x Fixture) []string {
	t.Helper()
	rules, _ := x.Object.Object["rules"].([]any)
	var out []string
	for _, r := range rules {
		if res, ok := r.(map[string]any)["resources"].([]any); ok {
			for _, s := range res {
				out = append(out, s.(string))
			}
		}
	}
	return out
}
