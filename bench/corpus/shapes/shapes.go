// Package shapes generates the Kubernetes objects of Fleetguard's benchmark
// corpora as YAML documents: realistic workloads, RBAC, network policies and
// secrets' metadata, a share of them misconfigured. Every generator is
// deterministic for a given random source, and a misconfigured object is
// what a policy of the default bundle reports.
package shapes

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Gen writes object number i in namespace ns, misconfigured when bad.
type Gen func(r *rand.Rand, i int, ns string, bad bool) string

// Scan is the mix of bench/corpus (the scan benchmark): two Deployments for
// every StatefulSet, Pod, Service, Role, RoleBinding, NetworkPolicy and
// ServiceAccount.
var Scan = []Gen{Deployment, Deployment, StatefulSet, Pod, Service, Role, RoleBinding, NetworkPolicy, ServiceAccount}

// Cluster is the mix of a live cluster's namespaced objects (the fleet
// benchmark), per 20 objects: 3 Deployments, 1 StatefulSet, 4 Pods, 2
// Services, 3 ConfigMaps, 2 Secrets, 1 ServiceAccount, 1 Role, 2
// RoleBindings and 1 NetworkPolicy.
var Cluster = []Gen{
	Deployment, Pod, ConfigMap, Service, Secret, Deployment, Pod, RoleBinding, ConfigMap, ServiceAccount,
	Deployment, Pod, NetworkPolicy, Secret, StatefulSet, Pod, ConfigMap, Service, Role, RoleBinding,
}

// images are the container images workloads pick from: tags, a registry
// with a port, and a digest.
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

// Deployment is a Deployment of two containers; bad makes one container
// privileged, add capabilities, use a latest or missing tag, or mount the
// node's root with the host network.
func Deployment(r *rand.Rand, i int, ns string, bad bool) string {
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

// StatefulSet is like Deployment, as a StatefulSet.
func StatefulSet(r *rand.Rand, i int, ns string, bad bool) string {
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

// Pod is a bare Pod with the same pod spec as Deployment.
func Pod(r *rand.Rand, i int, ns string, bad bool) string {
	spec := podSpec(r, bad, "")
	var b strings.Builder
	for _, l := range strings.SplitAfter(spec, "\n") {
		if l != "" {
			b.WriteString(strings.TrimPrefix(l, "    "))
		}
	}
	return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: job-%d\n  namespace: %s\n  labels: {app: job-%d}\nspec:\n%s", i, ns, i, b.String())
}

// Service selects the Deployment four objects earlier.
func Service(_ *rand.Rand, i int, ns string, _ bool) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\n  namespace: %s\nspec:\n  selector: {app: web-%d}\n  ports:\n  - port: 80\n    targetPort: 8080\n", i, ns, i-4)
}

// Role reads ConfigMaps (one in five is a ClusterRole); bad grants every
// verb on every resource.
func Role(_ *rand.Rand, i int, ns string, bad bool) string {
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

// RoleBinding binds a ServiceAccount and a user to the Role one object
// earlier; bad binds them to cluster-admin.
func RoleBinding(_ *rand.Rand, i int, ns string, bad bool) string {
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

// NetworkPolicy denies all traffic by default; bad allows all ingress.
func NetworkPolicy(_ *rand.Rand, i int, ns string, bad bool) string {
	if bad {
		return fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-all-%d\n  namespace: %s\nspec:\n  podSelector: {}\n  ingress:\n  - {}\n", i, ns)
	}
	return fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: default-deny-%d\n  namespace: %s\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n", i, ns)
}

// ServiceAccount does not mount its token.
func ServiceAccount(_ *rand.Rand, i int, ns string, _ bool) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-%d\n  namespace: %s\nautomountServiceAccountToken: false\n", i, ns)
}

// ConfigMap is a ConfigMap as the fetchers store it: metadata only.
func ConfigMap(_ *rand.Rand, i int, ns string, _ bool) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-%d\n  namespace: %s\n  labels: {app: web-%d}\n", i, ns, i)
}

// Secret is a Secret as the fetchers store it: metadata and type, never a
// value. Names cycle over a few, so workloads' references (db) resolve.
func Secret(_ *rand.Rand, i int, ns string, bad bool) string {
	name := fmt.Sprintf("secret-%d", i)
	if i%7 == 0 {
		name = "db"
	}
	typ := "Opaque"
	if bad {
		typ = "kubernetes.io/dockerconfigjson"
	}
	return fmt.Sprintf("apiVersion: v1\nkind: Secret\nmetadata:\n  name: %s\n  namespace: %s\ntype: %s\n", name, ns, typ)
}

// Namespace is a team namespace with Pod Security labels; bad leaves it
// privileged.
func Namespace(_ *rand.Rand, _ int, ns string, bad bool) string {
	level := "restricted"
	if bad {
		level = "privileged"
	}
	return fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n    kubernetes.io/metadata.name: %s\n    pod-security.kubernetes.io/enforce: %s\n", ns, ns, level)
}

// ClusterRoleBinding binds a group to view; bad binds a ServiceAccount to
// cluster-admin.
func ClusterRoleBinding(_ *rand.Rand, i int, ns string, bad bool) string {
	subject, role := "- kind: Group\n  apiGroup: rbac.authorization.k8s.io\n  name: team-readers", "view"
	if bad {
		subject, role = fmt.Sprintf("- kind: ServiceAccount\n  name: sa-%d\n  namespace: %s", i, ns), "cluster-admin"
	}
	return fmt.Sprintf("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: crb-%d\nsubjects:\n%s\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: %s\n", i, subject, role)
}
