// Command e2e benchmarks the end-to-end audit (issue 7): it starts the
// local fleet (dev, staging-eu on the current minor, prod-us on the old one,
// seeded with testdata/fleet), adds -objects objects to each cluster with
// parallel admin creates (Deployments, Pods, ConfigMaps, RoleBindings,
// NetworkPolicies, Secrets), then times, alternating, the built binaries of
//
//	policy snapshot --config fleet.yaml -o DIR                       (fetch only)
//	policy audit --config fleet.yaml -o html=… -o pdf=… -o json=… --store FILE
//
// and reports the medians of -runs runs and the overhead of evaluation and
// reports over fetching.
//
//	go run ./bench/audit/e2e [-objects 5000] [-runs 3] [-policy bin/policy] [-keep DIR]
//
// It stops its clusters when it ends. See bench/audit/README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetguard/fleetguard/bench/internal/proc"
	"github.com/fleetguard/fleetguard/bench/internal/seed"
	"github.com/fleetguard/fleetguard/internal/testfleet"
)

func main() {
	objects := flag.Int("objects", 5000, "objects added to each cluster")
	runs := flag.Int("runs", 3, "timed runs of each command (the median is reported)")
	policy := flag.String("policy", "", "policy binary (default: go build ./cmd/policy into a temporary directory)")
	keep := flag.String("keep", "", "copy the last run's snapshots and reports into this directory (for bench/audit/phases)")
	flag.Parse()
	if err := run(*objects, *runs, *policy, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench/audit/e2e:", err)
		os.Exit(1)
	}
}

// timing is one run of a command under /usr/bin/time.
type timing struct {
	wall, user, sys float64
	rssKB           int64
}

func run(objects, runs int, policy, keep string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	tmp, err := os.MkdirTemp("", "fleetguard-bench-e2e-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if policy == "" {
		policy = filepath.Join(tmp, "policy")
		b := exec.CommandContext(ctx, "go", "build", "-o", policy, "./cmd/policy")
		b.Stdout, b.Stderr = os.Stderr, os.Stderr
		if err := b.Run(); err != nil {
			return fmt.Errorf("building policy: %w", err)
		}
	}
	if policy, err = filepath.Abs(policy); err != nil {
		return err
	}

	t0 := time.Now()
	f, err := testfleet.Up(ctx, testfleet.Options{Seed: true})
	if err != nil {
		return err
	}
	defer f.Stop()
	fmt.Fprintf(os.Stderr, "fleet up and seeded with testdata/fleet in %s\n", time.Since(t0).Round(time.Millisecond))
	t0 = time.Now()
	if err := seed.Fleet(f.Clusters, func(c *testfleet.Cluster) error { return seedObjects(ctx, c, objects) }); err != nil {
		return err
	}
	seedTime := time.Since(t0)
	fmt.Fprintf(os.Stderr, "added %d objects to each of %d clusters in %s\n", objects, len(f.Clusters), seedTime.Round(time.Millisecond))

	store := filepath.Join(tmp, "history.db")
	snapCmd := func(r int) []string {
		return []string{"snapshot", "--config", f.Config, "-o", filepath.Join(tmp, fmt.Sprintf("snaps-%d", r))}
	}
	auditCmd := func(r int) []string {
		out := filepath.Join(tmp, fmt.Sprintf("out-%d", r))
		return []string{"audit", "--config", f.Config, "-o", "html=" + out + "/report.html", "-o", "pdf=" + out + "/report.pdf", "-o", "json=" + out + "/audit.json", "--store", store}
	}
	// Warm up both (TLS, the apiservers' caches, the page cache of the binary).
	if _, err := timed(ctx, policy, snapCmd(0), 0); err != nil {
		return err
	}
	if _, err := timed(ctx, policy, auditCmd(0), 1, 3); err != nil {
		return err
	}
	var snaps, audits []timing
	var loads []string
	for r := 1; r <= runs; r++ {
		loads = append(loads, proc.LoadAvg(1))
		s, err := timed(ctx, policy, snapCmd(r), 0)
		if err != nil {
			return err
		}
		a, err := timed(ctx, policy, auditCmd(r), 1, 3)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "run %d: snapshot %.2f s (%.2f s CPU), audit %.2f s (%.2f s CPU), load average %s\n", r, s.wall, s.user+s.sys, a.wall, a.user+a.sys, loads[r-1])
		snaps, audits = append(snaps, s), append(audits, a)
	}
	objs, findings, states, err := summary(filepath.Join(tmp, fmt.Sprintf("out-%d", runs), "audit.json"))
	if err != nil {
		return err
	}
	if keep != "" {
		for _, d := range []string{"snaps", "out"} {
			cp := exec.CommandContext(ctx, "cp", "-r", filepath.Join(tmp, fmt.Sprintf("%s-%d", d, runs)), filepath.Join(keep, d))
			if err := os.MkdirAll(keep, 0o755); err != nil {
				return err
			}
			if b, err := cp.CombinedOutput(); err != nil {
				return fmt.Errorf("keeping %s: %w: %s", d, err, b)
			}
		}
	}
	sizes := map[string]int64{}
	for _, n := range []string{"report.html", "report.pdf", "audit.json"} {
		if fi, err := os.Stat(filepath.Join(tmp, fmt.Sprintf("out-%d", runs), n)); err == nil {
			sizes[n] = fi.Size()
		}
	}

	med := func(ts []timing, f func(timing) float64) float64 {
		xs := make([]float64, len(ts))
		for i, t := range ts {
			xs[i] = f(t)
		}
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	list := func(ts []timing, f func(timing) float64) string {
		var s []string
		for _, t := range ts {
			s = append(s, fmt.Sprintf("%.2f", f(t)))
		}
		return strings.Join(s, ", ")
	}
	wall := func(t timing) float64 { return t.wall }
	cpu := func(t timing) float64 { return t.user + t.sys }
	rss := func(t timing) float64 { return float64(t.rssKB) / 1024 }
	var over []timing
	for i := range snaps {
		over = append(over, timing{wall: (audits[i].wall - snaps[i].wall) / snaps[i].wall * 100, user: (cpu(audits[i]) - cpu(snaps[i])) / cpu(snaps[i]) * 100})
	}
	fmt.Printf("Command: `go run ./bench/audit/e2e -objects %d -runs %d` (%d CPUs, %s, %s); load average (1 min) before each run: %s.\n\n",
		objects, runs, runtime.NumCPU(), runtime.Version(), time.Now().UTC().Format("2006-01-02"), strings.Join(loads, "; "))
	fmt.Printf("Fleet: dev and staging-eu on %s, prod-us on %s, seeded with testdata/fleet plus %d objects each (added in %s); the audit saw %d objects, %d findings; cluster states: %s. Reports: HTML %.1f MB, PDF %.1f MB, JSON %.1f MB.\n\n",
		testfleet.Current, testfleet.Old, objects, seedTime.Round(time.Second), objs, findings, states, float64(sizes["report.html"])/1e6, float64(sizes["report.pdf"])/1e6, float64(sizes["audit.json"])/1e6)
	fmt.Printf("| Measure (built binary, process start included) | Median of %d | Runs | Target |\n|---|---|---|---|\n", runs)
	fmt.Printf("| (a) fetch only: `policy snapshot --config fleet.yaml -o DIR`, wall | %.2f s | %s | |\n", med(snaps, wall), list(snaps, wall))
	fmt.Printf("| (b) full audit: `policy audit --config fleet.yaml -o html=… -o pdf=… -o json=… --store FILE`, wall | %.2f s | %s | |\n", med(audits, wall), list(audits, wall))
	fmt.Printf("| Overhead of evaluation and reports, (b − a) / a, wall (median of the per-run ratios) | **%.0f%%** | %s | 30%% or less |\n", med(over, wall), list(over, wall))
	fmt.Printf("| (a) CPU, user + system | %.2f s | %s | |\n", med(snaps, cpu), list(snaps, cpu))
	fmt.Printf("| (b) CPU, user + system | %.2f s | %s | |\n", med(audits, cpu), list(audits, cpu))
	fmt.Printf("| Overhead in CPU time, (b − a) / a | %.0f%% | %s | |\n", med(over, func(t timing) float64 { return t.user }), list(over, func(t timing) float64 { return t.user }))
	fmt.Printf("| (a) peak RSS | %.0f MiB | %s | |\n", med(snaps, rss), list(snaps, rss))
	fmt.Printf("| (b) peak RSS | %.0f MiB | %s | |\n", med(audits, rss), list(audits, rss))
	return nil
}

// timed runs the policy binary under /usr/bin/time and accepts the given
// exit codes (audit exits 1 on findings, 3 when a cluster is partial).
func timed(ctx context.Context, policy string, args []string, ok ...int) (timing, error) {
	tf, err := os.CreateTemp("", "fleetguard-bench-time-")
	if err != nil {
		return timing{}, err
	}
	tf.Close()
	defer os.Remove(tf.Name())
	cmd := exec.CommandContext(ctx, "/usr/bin/time", append([]string{"-f", "%e %U %S %M", "-o", tf.Name(), policy}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && slices.Contains(ok, ee.ExitCode()) {
		err = nil
	}
	if err != nil {
		return timing{}, fmt.Errorf("policy %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	b, err := os.ReadFile(tf.Name())
	if err != nil {
		return timing{}, err
	}
	// /usr/bin/time prints "Command exited with non-zero status N" first.
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) != 4 {
		return timing{}, fmt.Errorf("unexpected /usr/bin/time output %q", b)
	}
	var t timing
	t.wall, _ = strconv.ParseFloat(f[0], 64)
	t.user, _ = strconv.ParseFloat(f[1], 64)
	t.sys, _ = strconv.ParseFloat(f[2], 64)
	t.rssKB, _ = strconv.ParseInt(f[3], 10, 64)
	return t, nil
}

// summary reads the audit's JSON report: objects, findings and the state of
// every cluster.
func summary(path string) (objects, findings int, states string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, "", err
	}
	var r struct {
		Findings []json.RawMessage `json:"findings"`
		Clusters []struct {
			Name    string `json:"name"`
			State   string `json:"state"`
			Objects int    `json:"objects"`
		} `json:"clusters"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return 0, 0, "", fmt.Errorf("%s: %w", path, err)
	}
	var s []string
	for _, c := range r.Clusters {
		objects += c.Objects
		s = append(s, c.Name+" "+c.State)
	}
	return objects, len(r.Findings), strings.Join(s, ", "), nil
}

// seed adds objects to one cluster over 20 namespaces with 32 parallel
// admin creates, per 20 objects: 5 ConfigMaps, 4 Pods, 3 Deployments, 3
// RoleBindings, 3 Secrets and 2 NetworkPolicies; one workload in ten is
// misconfigured (privileged, host network or an untagged image).
func seedObjects(ctx context.Context, c *testfleet.Cluster, objects int) error {
	cs, err := seed.Client(c)
	if err != nil {
		return err
	}
	const nss = 20
	if err := seed.Namespaces(ctx, cs, c, nss); err != nil {
		return err
	}
	yes, no := true, false
	podSpec := func(i int) corev1.PodSpec {
		ct := corev1.Container{
			Name: "app", Image: "registry.example.com/team/app:1." + strconv.Itoa(i%50),
			Env:             []corev1.EnvVar{{Name: "MODE", Value: "bench"}, {Name: "DB", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "url"}}}},
			SecurityContext: &corev1.SecurityContext{RunAsNonRoot: &yes, AllowPrivilegeEscalation: &no, Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
			Resources:       corev1.ResourceRequirements{},
		}
		spec := corev1.PodSpec{AutomountServiceAccountToken: &no}
		switch i % 30 {
		case 1:
			ct.SecurityContext = &corev1.SecurityContext{Privileged: &yes}
		case 11:
			spec.HostNetwork = true
		case 21:
			ct.Image = "busybox"
		}
		spec.Containers = []corev1.Container{ct}
		return spec
	}
	return seed.Parallel(objects, 32, func(i int) error {
		ns := seed.Namespace(i % nss)
		name := fmt.Sprintf("obj-%06d", i)
		labels := map[string]string{"app": fmt.Sprintf("app-%d", i%100)}
		meta := metav1.ObjectMeta{Name: name, Labels: labels}
		var err error
		switch r := i % 20; {
		case r < 5:
			_, err = cs.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{"config": "mode=bench\n"}}, metav1.CreateOptions{})
		case r < 9:
			_, err = cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: meta, Spec: podSpec(i)}, metav1.CreateOptions{})
		case r < 12:
			_, err = cs.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec(i)},
			}}, metav1.CreateOptions{})
		case r < 15:
			role := "view"
			if i%60 == 13 {
				role = "cluster-admin"
			}
			_, err = cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: meta,
				RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role},
				Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "default", Namespace: ns}},
			}, metav1.CreateOptions{})
		case r < 18:
			_, err = cs.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: meta, StringData: map[string]string{"url": "postgres://bench@db/" + name}}, metav1.CreateOptions{})
		default:
			np := networkingv1.NetworkPolicy{ObjectMeta: meta, Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: labels},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			}}
			if i%40 == 18 { // allow everything in
				np.Spec.Ingress = []networkingv1.NetworkPolicyIngressRule{{}}
			}
			_, err = cs.NetworkingV1().NetworkPolicies(ns).Create(ctx, &np, metav1.CreateOptions{})
		}
		if err != nil {
			return fmt.Errorf("cluster %q: creating object %d in %s: %w", c.Name, i, ns, err)
		}
		return nil
	})
}
