// Command fetch benchmarks the fetchers on the local fleet: one cluster
// seeded with -objects objects (ConfigMaps, Pods, Deployments, RoleBindings),
// the snapshot (streamed to a file as policy snapshot does, and in memory as
// policy audit does) timed against a bare client-go paginated list of the
// same kinds in the same run, the peak memory of a snapshot process against
// the snapshot's JSON size, and three clusters fetched concurrently against
// one.
//
//	go run ./bench/fetch [-objects 20000] [-runs 3]
//
// It starts and stops its own fleet (binaries from make fleet-binaries) and
// prints a Markdown report for bench/RESULTS.md.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	krt "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/pager"

	"github.com/fleetguard/fleetguard/bench/internal/proc"
	"github.com/fleetguard/fleetguard/bench/internal/seed"
	"github.com/fleetguard/fleetguard/fetchers"
	"github.com/fleetguard/fleetguard/internal/testfleet"
	"github.com/fleetguard/fleetguard/snapshot"
)

func main() {
	objects := flag.Int("objects", 20000, "objects to seed in each cluster")
	hold := flag.Bool("hold", false, "seed, print the kubeconfig, and keep the fleet until interrupted (for profiling)")
	runs := flag.Int("runs", 3, "timed runs of each measurement (the median is reported)")
	child := flag.String("child", "", "internal: save|collect|list, run once in this process and report peak memory")
	kubeconfig := flag.String("kubeconfig", "", "internal: kubeconfig of the child")
	kctx := flag.String("context", "", "internal: context of the child")
	out := flag.String("o", "", "internal: snapshot file of the child")
	gogc := flag.Int("gogc", 100, "internal: GC percent of the child")
	cpuprofile := flag.String("cpuprofile", "", "internal: CPU profile of the child")
	memprofile := flag.String("memprofile", "", "internal: heap profile of the child, written when it is done")
	policy := flag.String("policy", "bin/policy", "policy binary whose `policy snapshot` peak memory is measured too (skipped when absent; make build)")
	flag.Parse()
	if err := proc.StartCPUProfile(*cpuprofile); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer pprof.StopCPUProfile()
	if *child != "" {
		if err := runChild(*child, *kubeconfig, *kctx, *out, *gogc); err != nil {
			fmt.Fprintln(os.Stderr, "fetch child:", err)
			os.Exit(1)
		}
		pprof.StopCPUProfile()
		if *memprofile != "" {
			pf, err := os.Create(*memprofile)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(pf, 0)
				pf.Close()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		return
	}
	if err := run(*objects, *runs, *hold, *policy); err != nil {
		fmt.Fprintln(os.Stderr, "bench/fetch:", err)
		os.Exit(1)
	}
}

func run(objects, runs int, hold bool, policy string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	specs := []testfleet.ClusterSpec{
		{Name: "bench-a", Version: testfleet.Current},
		{Name: "bench-b", Version: testfleet.Current},
		{Name: "bench-c", Version: testfleet.Current},
	}
	t0 := time.Now()
	f, err := testfleet.Up(ctx, testfleet.Options{Clusters: specs})
	if err != nil {
		return err
	}
	defer f.Stop()
	fmt.Fprintf(os.Stderr, "fleet up in %s\n", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if err := seed.Fleet(f.Clusters, func(c *testfleet.Cluster) error { return seedObjects(ctx, c, objects) }); err != nil {
		return err
	}
	seedTime := time.Since(t0)
	fmt.Fprintf(os.Stderr, "seeded %d objects in each of %d clusters in %s\n", objects, len(f.Clusters), seedTime.Round(time.Millisecond))

	if hold {
		fmt.Fprintf(os.Stderr, "holding; kubeconfig %s\n", f.Kubeconfig)
		sctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		<-sctx.Done()
		return nil
	}
	targets, err := fetchers.Targets(fetchers.Selection{Kubeconfig: f.Kubeconfig, All: false, Contexts: []string{"bench-a", "bench-b", "bench-c"}})
	if err != nil {
		return err
	}
	one := targets[0]
	opts := fetchers.Options{Timeout: 10 * time.Minute}

	dir, err := os.MkdirTemp("", "bench-fetch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "a.json")

	// Warm up every path (TLS, apiserver watch caches), then alternate.
	s := fetchers.Collect(ctx, one, opts)
	if s.Status.State != snapshot.StateComplete {
		return fmt.Errorf("snapshot of %s: %+v", one.Cluster.Name, s.Status)
	}
	s = nil
	if _, _, err := save(ctx, one, opts, file); err != nil {
		return err
	}
	if _, err := bareList(ctx, one.Config); err != nil {
		return err
	}
	if _, err := rawJSON(ctx, one.Config); err != nil {
		return err
	}
	var saveT, collectT, listT, rawT, fleetT []time.Duration
	var rawBytes int64
	listed, n := 0, 0
	for range runs {
		t := time.Now()
		if n, _, err = save(ctx, one, opts, file); err != nil {
			return err
		}
		saveT = append(saveT, time.Since(t))
		t = time.Now()
		if listed, err = bareList(ctx, one.Config); err != nil {
			return err
		}
		listT = append(listT, time.Since(t))
		t = time.Now()
		if rawBytes, err = rawJSON(ctx, one.Config); err != nil {
			return err
		}
		rawT = append(rawT, time.Since(t))
		t = time.Now()
		if s := fetchers.Collect(ctx, one, opts); s.Status.State != snapshot.StateComplete {
			return fmt.Errorf("snapshot: %+v", s.Status)
		}
		collectT = append(collectT, time.Since(t))
		t = time.Now()
		var bad atomic.Int32
		fetchers.Fleet(ctx, targets, opts, func(s *snapshot.Snapshot) {
			if s.Status.State != snapshot.StateComplete {
				bad.Add(1)
			}
		})
		fleetT = append(fleetT, time.Since(t))
		if bad.Load() > 0 {
			return errors.New("a fleet snapshot was incomplete")
		}
		runtime.GC()
	}
	fi, err := os.Stat(file)
	if err != nil {
		return err
	}
	size := fi.Size()

	type mem struct {
		name string
		rss  int64
	}
	var mems []mem
	for _, m := range []struct {
		mode, what string
		gogc       int
	}{
		{"save", "streaming snapshot to a file (`fetchers.Save`, as `policy snapshot`)", 100},
		{"save", "streaming snapshot to a file (`fetchers.Save`)", 400},
		{"collect", "in-memory snapshot, then `snapshot.Save` (`fetchers.Collect`, as `policy audit`)", 100},
		{"list", "bare typed list, keeping every object", 100},
	} {
		rss, err := childRSS(f.Kubeconfig, "bench-a", m.mode, filepath.Join(dir, m.mode+".json"), m.gogc)
		if err != nil {
			return err
		}
		mems = append(mems, mem{fmt.Sprintf("%s, GOGC=%d", m.what, m.gogc), rss})
	}

	var cli []mem
	if _, err := os.Stat(policy); err == nil {
		// The same command against a closed port: the binary's fixed cost.
		dead, err := deadKubeconfig(f.Kubeconfig, filepath.Join(dir, "dead.kubeconfig"))
		if err != nil {
			return err
		}
		for _, c := range []struct {
			name       string
			kubeconfig string
			args       []string
		}{
			{"`policy snapshot` of this cluster", f.Kubeconfig, nil},
			{"`policy snapshot` of a closed port (the binary's fixed cost)", dead, []string{"--timeout", "1s"}},
		} {
			args := append([]string{"snapshot", "--kubeconfig", c.kubeconfig, "--context", "bench-a", "-o", filepath.Join(dir, "cli")}, c.args...)
			hwm, anon, err := procPeak(policy, args...)
			if err != nil {
				fmt.Fprintf(os.Stderr, "note: %v\n", err)
				continue
			}
			cli = append(cli, mem{c.name + ": VmHWM", hwm}, mem{c.name + ": peak RssAnon (heap, stacks; not the mapped binary)", anon})
		}
	} else {
		fmt.Fprintf(os.Stderr, "note: %s not found, policy snapshot not measured (make build)\n", policy)
	}

	ms, mc, ml, mr, mf := median(saveT), median(collectT), median(listT), median(rawT), median(fleetT)
	fmt.Printf("Command: `go run ./bench/fetch -objects %d -runs %d` (%d CPUs, %s), 3 clusters on kube-apiserver %s, seeded in parallel in %s.\n\n",
		objects, runs, runtime.NumCPU(), runtime.Version(), testfleet.Current, seedTime.Round(time.Second))
	fmt.Printf("| Measure | Median of %d | Target |\n|---|---|---|\n", runs)
	fmt.Printf("| Snapshot of one cluster streamed to a file (`fetchers.Save`: %d objects, all kinds + nodes + discovery, validated, written) | %s | |\n", n, ms.Round(time.Millisecond))
	fmt.Printf("| Snapshot of one cluster in memory (`fetchers.Collect`) | %s | |\n", mc.Round(time.Millisecond))
	fmt.Printf("| Bare client-go paginated list of the same kinds (typed, %d objects, pages of 500, 4 at once) | %s | |\n", listed, ml.Round(time.Millisecond))
	fmt.Printf("| Reference: the same pages as raw JSON (what the snapshot asks for), read and discarded, not decoded (%.1f MB) | %s | |\n", float64(rawBytes)/1e6, mr.Round(time.Millisecond))
	fmt.Printf("| Ratio streamed snapshot / bare list | %.2fx | <= 1.3x |\n", float64(ms)/float64(ml))
	fmt.Printf("| Ratio raw JSON transfer / bare list | %.2fx | |\n", float64(mr)/float64(ml))
	fmt.Printf("| Ratio in-memory snapshot / bare list | %.2fx | |\n", float64(mc)/float64(ml))
	fmt.Printf("| Three clusters concurrently (`fetchers.Fleet`) | %s | |\n", mf.Round(time.Millisecond))
	fmt.Printf("| Ratio three / one (in memory) | %.2fx | well under 3x |\n", float64(mf)/float64(mc))
	fmt.Printf("| Snapshot JSON size (canonical, uncompressed) | %.1f MB | |\n", float64(size)/1e6)
	for _, m := range mems {
		fmt.Printf("| Peak RSS (VmHWM) of a process doing the %s | %.1f MB (%.2fx the JSON) | <= 3x |\n", m.name, float64(m.rss)/1e6, float64(m.rss)/float64(size))
	}
	for _, m := range cli {
		fmt.Printf("| %s (polled every 5 ms) | %.1f MB (%.2fx the JSON) | |\n", m.name, float64(m.rss)/1e6, float64(m.rss)/float64(size))
	}
	return nil
}

// rawJSON reads every kind the snapshot reads, as JSON pages of 500 like the
// fetcher asks for them, and discards the bytes: the transfer alone, without
// decoding. It returns the bytes read.
func rawJSON(ctx context.Context, cfg *rest.Config) (int64, error) {
	cs, err := kubernetes.NewForConfig(fetchers.ClientConfig(cfg, time.Minute))
	if err != nil {
		return 0, err
	}
	rc := cs.CoreV1().RESTClient()
	var paths []string
	for _, r := range []string{"namespaces", "nodes", "pods", "serviceaccounts", "services", "configmaps", "secrets"} {
		paths = append(paths, "/api/v1/"+r)
	}
	for _, r := range []string{"apps/v1/deployments", "apps/v1/statefulsets", "apps/v1/daemonsets", "apps/v1/replicasets", "batch/v1/jobs", "batch/v1/cronjobs",
		"rbac.authorization.k8s.io/v1/roles", "rbac.authorization.k8s.io/v1/clusterroles", "rbac.authorization.k8s.io/v1/rolebindings", "rbac.authorization.k8s.io/v1/clusterrolebindings",
		"networking.k8s.io/v1/networkpolicies", "networking.k8s.io/v1/ingresses",
		"admissionregistration.k8s.io/v1/validatingwebhookconfigurations", "admissionregistration.k8s.io/v1/mutatingwebhookconfigurations"} {
		paths = append(paths, "/apis/"+r)
	}
	var total atomic.Int64
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	errs := make(chan error, len(paths))
	for _, p := range paths {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			cont := ""
			for {
				req := rc.Get().AbsPath(p).Param("limit", "500").SetHeader("Accept", "application/json")
				if cont != "" {
					req = req.Param("continue", cont)
				}
				raw, err := req.Do(ctx).Raw()
				if err != nil {
					errs <- fmt.Errorf("listing %s: %w", p, err)
					return
				}
				total.Add(int64(len(raw)))
				// The list metadata comes first: no need to decode the page.
				cont = ""
				head := raw[:min(len(raw), 2048)]
				if i := bytes.Index(head, []byte(`"continue":"`)); i >= 0 {
					rest := head[i+len(`"continue":"`):]
					if j := bytes.IndexByte(rest, '"'); j >= 0 {
						cont = string(rest[:j])
					}
				}
				if cont == "" {
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return total.Load(), <-errs
}

// deadKubeconfig writes a copy of the kubeconfig at src whose every server
// is a closed port, and returns its path.
func deadKubeconfig(src, dst string) (string, error) {
	cfg, err := clientcmd.LoadFromFile(src)
	if err != nil {
		return "", err
	}
	for _, c := range cfg.Clusters {
		c.Server = "https://127.0.0.1:1"
	}
	return dst, clientcmd.WriteToFile(*cfg, dst)
}

// procPeak runs policy with args and returns its peak VmHWM and RssAnon,
// polled from /proc while it runs.
func procPeak(policy string, args ...string) (hwm, anon int64, err error) {
	cmd := exec.Command(policy, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			var ee *exec.ExitError
			if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 3) { // 3: incomplete, expected of a closed port
				return 0, 0, fmt.Errorf("policy %s: %w: %s", strings.Join(args, " "), err, stderr.String())
			}
			return hwm, anon, nil
		case <-tick.C:
			b, err := os.ReadFile(status)
			if err != nil {
				continue
			}
			for _, l := range strings.Split(string(b), "\n") {
				f := strings.Fields(l)
				if len(f) != 3 {
					continue
				}
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				switch f[0] {
				case "VmHWM:":
					hwm = max(hwm, kb*1024)
				case "RssAnon:":
					anon = max(anon, kb*1024)
				}
			}
		}
	}
}

// save streams one complete snapshot to path and returns its object count.
func save(ctx context.Context, t fetchers.Target, opts fetchers.Options, path string) (int, *snapshot.Snapshot, error) {
	s, n, err := fetchers.Save(ctx, t, opts, path)
	if err != nil {
		return 0, nil, err
	}
	if s.Status.State != snapshot.StateComplete {
		return 0, nil, fmt.Errorf("snapshot of %s: %+v", t.Cluster.Name, s.Status)
	}
	return n, s, nil
}

// seed creates objects spread over 20 namespaces, with 32 parallel creates:
// 40% ConfigMaps (1 KiB of data each), 30% Pods, 15% Deployments, 15%
// RoleBindings.
func seedObjects(ctx context.Context, c *testfleet.Cluster, objects int) error {
	cs, err := seed.Client(c)
	if err != nil {
		return err
	}
	const nss = 20
	if err := seed.Namespaces(ctx, cs, c, nss); err != nil {
		return err
	}
	payload := fmt.Sprintf("%01024d", 7) // 1 KiB, never stored in a snapshot
	podSpec := func(i int) corev1.PodSpec {
		return corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "registry.example.com/team/app:1." + strconv.Itoa(i%50),
			Env: []corev1.EnvVar{{Name: "MODE", Value: "bench"}, {Name: "DB", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "url"}}}},
		}}}
	}
	return seed.Parallel(objects, 32, func(i int) error {
		ns := seed.Namespace(i % nss)
		name := fmt.Sprintf("obj-%06d", i)
		labels := map[string]string{"app": fmt.Sprintf("app-%d", i%100)}
		var err error
		switch r := i % 20; {
		case r < 8:
			_, err = cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Data: map[string]string{"config": payload}}, metav1.CreateOptions{})
		case r < 14:
			_, err = cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: podSpec(i)}, metav1.CreateOptions{})
		case r < 17:
			_, err = cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec(i)},
			}}, metav1.CreateOptions{})
		default:
			_, err = cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name},
				RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"},
				Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default", Namespace: ns}},
			}, metav1.CreateOptions{})
		}
		if err != nil {
			return fmt.Errorf("cluster %q: creating object %d: %w", c.Name, i, err)
		}
		return nil
	})
}

// bareList lists every kind the snapshot holds with the typed clientset and
// the pager (pages of 500), four kinds at once as the fetcher does, keeping
// all objects, and returns how many it read.
func bareList(ctx context.Context, cfg *rest.Config) (int, error) {
	cs, err := kubernetes.NewForConfig(fetchers.ClientConfig(cfg, time.Minute))
	if err != nil {
		return 0, err
	}
	c, a, b, r, n, w := cs.CoreV1(), cs.AppsV1(), cs.BatchV1(), cs.RbacV1(), cs.NetworkingV1(), cs.AdmissionregistrationV1()
	l := map[schema.GroupResource]func(context.Context, metav1.ListOptions) (runtimeObject, error){
		{Resource: "namespaces"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return c.Namespaces().List(ctx, o)
		},
		{Resource: "nodes"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) { return c.Nodes().List(ctx, o) },
		{Resource: "pods"}:  func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) { return c.Pods("").List(ctx, o) },
		{Resource: "serviceaccounts"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return c.ServiceAccounts("").List(ctx, o)
		},
		{Resource: "services"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return c.Services("").List(ctx, o)
		},
		{Resource: "secrets"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return c.Secrets("").List(ctx, o)
		},
		{Resource: "configmaps"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return c.ConfigMaps("").List(ctx, o)
		},
		{Group: "apps", Resource: "deployments"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return a.Deployments("").List(ctx, o)
		},
		{Group: "apps", Resource: "statefulsets"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return a.StatefulSets("").List(ctx, o)
		},
		{Group: "apps", Resource: "daemonsets"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return a.DaemonSets("").List(ctx, o)
		},
		{Group: "apps", Resource: "replicasets"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return a.ReplicaSets("").List(ctx, o)
		},
		{Group: "batch", Resource: "jobs"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) { return b.Jobs("").List(ctx, o) },
		{Group: "batch", Resource: "cronjobs"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return b.CronJobs("").List(ctx, o)
		},
		{Group: "rbac", Resource: "roles"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return r.Roles("").List(ctx, o)
		},
		{Group: "rbac", Resource: "clusterroles"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return r.ClusterRoles().List(ctx, o)
		},
		{Group: "rbac", Resource: "rolebindings"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return r.RoleBindings("").List(ctx, o)
		},
		{Group: "rbac", Resource: "clusterrolebindings"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return r.ClusterRoleBindings().List(ctx, o)
		},
		{Group: "networking", Resource: "networkpolicies"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return n.NetworkPolicies("").List(ctx, o)
		},
		{Group: "networking", Resource: "ingresses"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return n.Ingresses("").List(ctx, o)
		},
		{Group: "admission", Resource: "validating"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return w.ValidatingWebhookConfigurations().List(ctx, o)
		},
		{Group: "admission", Resource: "mutating"}: func(ctx context.Context, o metav1.ListOptions) (runtimeObject, error) {
			return w.MutatingWebhookConfigurations().List(ctx, o)
		},
	}
	var total atomic.Int64
	var kept sync.Map
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	errs := make(chan error, len(l))
	for gr, fn := range l {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			p := pager.New(pager.SimplePageFunc(func(o metav1.ListOptions) (runtimeObject, error) { return fn(ctx, o) }))
			p.PageSize = 500
			var items []any
			err := p.EachListItem(ctx, metav1.ListOptions{}, func(obj runtimeObject) error {
				items = append(items, obj)
				return nil
			})
			if err != nil {
				errs <- fmt.Errorf("listing %s: %w", gr, err)
				return
			}
			total.Add(int64(len(items)))
			kept.Store(gr, items)
		})
	}
	wg.Wait()
	close(errs)
	return int(total.Load()), <-errs
}

// runChild does one snapshot (save: streamed to a file, as policy snapshot;
// collect: Collect then snapshot.Save) or one bare list in this process, then
// prints its peak RSS.
func runChild(mode, kubeconfig, context_, out string, gogc int) error {
	debug.SetGCPercent(gogc)
	ctx := context.Background()
	raw, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig}, &clientcmd.ConfigOverrides{CurrentContext: context_}).ClientConfig()
	if err != nil {
		return err
	}
	t := fetchers.Target{Cluster: snapshot.Cluster{Name: context_, Context: context_}, Config: raw}
	opts := fetchers.Options{Timeout: 10 * time.Minute}
	switch mode {
	case "save":
		if _, _, err := save(ctx, t, opts, out); err != nil {
			return err
		}
	case "collect":
		s := fetchers.Collect(ctx, t, opts)
		if s.Status.State != snapshot.StateComplete {
			return fmt.Errorf("%+v", s.Status)
		}
		if err := snapshot.Save(out, s); err != nil {
			return err
		}
	case "list":
		if _, err := bareList(ctx, raw); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}
	hwm, err := proc.PeakRSS()
	if err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(os.Stderr, "child %s: VmHWM %d kB, heap sys %d kB, total alloc %d kB\n", mode, hwm/1024, ms.HeapSys/1024, ms.TotalAlloc/1024)
	fmt.Println(hwm)
	return nil
}

// childRSS re-executes this program in child mode and returns its peak RSS.
func childRSS(kubeconfig, context_, mode, out string, gogc int) (int64, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(self, "-child", mode, "-kubeconfig", kubeconfig, "-context", context_, "-o", out, "-gogc", strconv.Itoa(gogc))
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("child %s: %w", mode, err)
	}
	return strconv.ParseInt(string(b[:len(b)-1]), 10, 64)
}

type runtimeObject = krt.Object

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
