// Command corpus writes a realistic, deterministic corpus of Kubernetes
// manifests for benchmarks: Deployments, StatefulSets, Pods, Services,
// Roles, RoleBindings, NetworkPolicies and ServiceAccounts, spread over
// namespaces and multi-document files, with a share of them misconfigured.
//
//	go run ./bench/corpus -n 10000 -o bench/corpus/out
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	n := flag.Int("n", 10000, "number of objects")
	out := flag.String("o", "bench/corpus/out", "output directory (replaced)")
	perFile := flag.Int("per-file", 50, "objects per file")
	bad := flag.Float64("bad", 0.2, "share of misconfigured workloads and roles")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := write(*out, *n, *perFile, *bad, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "corpus:", err)
		os.Exit(1)
	}
}

func write(dir string, n, perFile int, bad float64, seed uint64) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(seed, seed))
	gens := []func(r *rand.Rand, i int, ns string, bad bool) string{
		deployment, deployment, statefulSet, pod, service, role, roleBinding, networkPolicy, serviceAccount,
	}
	var docs []string
	file := 0
	flush := func() error {
		if len(docs) == 0 {
			return nil
		}
		p := filepath.Join(dir, fmt.Sprintf("manifests-%04d.yaml", file))
		file++
		err := os.WriteFile(p, []byte(strings.Join(docs, "---\n")), 0o644)
		docs = docs[:0]
		return err
	}
	for i := 0; i < n; i++ {
		ns := fmt.Sprintf("team-%02d", i%40)
		docs = append(docs, gens[i%len(gens)](r, i, ns, r.Float64() < bad))
		if len(docs) == perFile {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

var images = []string{"nginx:1.27.3", "redis:7.4", "ghcr.io/acme/api:2.3.1", "registry.acme.io:5000/payments/worker:v41",
	"postgres@sha256:4a5f2e2a0c5cbd4ea9b9d0c3c4e3bd3a7b3e2f1d0c9b8a7f6e5d4c3b2a190807"}

func container(r *rand.Rand, name string, bad bool) string {
	img := images[r.IntN(len(images))]
	sc := `        securityContext:
          runAsNonRoot: true
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
          seccompProfile: {type: RuntimeDefault}
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 256Mi}
`
	if bad {
		switch r.IntN(4) {
		case 0:
			sc = "        securityContext:\n          privileged: true\n"
		case 1:
			img = "nginx:latest"
		case 2:
			sc = "        securityContext:\n          capabilities: {add: [NET_ADMIN, SYS_ADMIN]}\n"
		default:
			img = "busybox"
		}
	}
	return fmt.Sprintf(`      - name: %s
        image: %s
        ports:
        - containerPort: 8080
        env:
        - name: LOG_LEVEL
          value: info
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef: {name: db, key: password}
%s`, name, img, sc)
}

func podSpec(r *rand.Rand, bad bool, indent string) string {
	s := "      automountServiceAccountToken: false\n      containers:\n" + container(r, "app", bad) + container(r, "sidecar", false)
	if bad && r.IntN(3) == 0 {
		s += "      hostNetwork: true\n      volumes:\n      - name: root\n        hostPath: {path: /}\n"
	}
	if indent == "" {
		return s
	}
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString(indent + l)
		}
	}
	return b.String()
}

func deployment(r *rand.Rand, i int, ns string, bad bool) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-%d
  namespace: %s
  labels: {app: web-%d, tier: frontend}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web-%d}
  template:
    metadata:
      labels: {app: web-%d, tier: frontend}
    spec:
%s`, i, ns, i, i, i, podSpec(r, bad, "  "))
}

func statefulSet(r *rand.Rand, i int, ns string, bad bool) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db-%d
  namespace: %s
spec:
  serviceName: db-%d
  selector:
    matchLabels: {app: db-%d}
  template:
    metadata:
      labels: {app: db-%d}
    spec:
%s`, i, ns, i, i, i, podSpec(r, bad, "  "))
}

func pod(r *rand.Rand, i int, ns string, bad bool) string {
	spec := podSpec(r, bad, "")
	var b strings.Builder
	for _, l := range strings.SplitAfter(spec, "\n") {
		if l != "" {
			b.WriteString(strings.TrimPrefix(l, "    "))
		}
	}
	return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: job-%d\n  namespace: %s\n  labels: {app: job-%d}\nspec:\n%s", i, ns, i, b.String())
}

func service(_ *rand.Rand, i int, ns string, _ bool) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\n  namespace: %s\nspec:\n  selector: {app: web-%d}\n  ports:\n  - port: 80\n    targetPort: 8080\n", i, ns, i-4)
}

func role(_ *rand.Rand, i int, ns string, bad bool) string {
	rules := "- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get, list, watch]\n"
	if bad {
		rules = "- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [\"*\"]\n"
	}
	kind, nsLine := "Role", "  namespace: "+ns+"\n"
	if i%5 == 0 {
		kind, nsLine = "ClusterRole", ""
	}
	return fmt.Sprintf("apiVersion: rbac.authorization.k8s.io/v1\nkind: %s\nmetadata:\n  name: reader-%d\n%srules:\n%s", kind, i, nsLine, rules)
}

func roleBinding(_ *rand.Rand, i int, ns string, bad bool) string {
	ref := fmt.Sprintf("Role\n  name: reader-%d", i-1)
	if bad {
		ref = "ClusterRole\n  name: cluster-admin"
	}
	return fmt.Sprintf(`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: binding-%d
  namespace: %s
subjects:
- kind: ServiceAccount
  name: sa-%d
  namespace: %s
- kind: User
  name: dev-%d@example.com
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: %s
`, i, ns, i, ns, i, ref)
}

func networkPolicy(_ *rand.Rand, i int, ns string, bad bool) string {
	if bad {
		return fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-all-%d\n  namespace: %s\nspec:\n  podSelector: {}\n  ingress:\n  - {}\n", i, ns)
	}
	return fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-%d\n  namespace: %s\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n", i, ns)
}

func serviceAccount(_ *rand.Rand, i int, ns string, _ bool) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-%d\n  namespace: %s\nautomountServiceAccountToken: false\n", i, ns)
}
