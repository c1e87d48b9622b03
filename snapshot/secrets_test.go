package snapshot

import (
	"reflect"
	"testing"
)

const secretsFixture = `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec:
  imagePullSecrets: [{name: pull}]
  volumes:
  - {name: v1, secret: {secretName: vol}}
  - {name: v2, secret: {secretName: vol-opt, optional: true}}
  - name: v3
    projected: {sources: [{serviceAccountToken: {path: t}}, {secret: {name: proj}}, {configMap: {name: cm}}]}
  - {name: v4, configMap: {name: cm}}
  initContainers:
  - name: init
    envFrom: [{secretRef: {name: envfrom}}, {configMapRef: {name: cm}}]
  containers:
  - name: c
    env:
    - {name: A, valueFrom: {secretKeyRef: {name: envkey, key: k}}}
    - {name: B, valueFrom: {secretKeyRef: {name: envkey-opt, key: k, optional: true}}}
    - {name: C, valueFrom: {configMapKeyRef: {name: cm, key: k}}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa, namespace: a}
secrets: [{name: sa-token}]
imagePullSecrets: [{name: sa-pull}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i, namespace: b}
spec: {tls: [{secretName: tls}]}
---
apiVersion: v1
kind: Secret
metadata: {name: vol, namespace: a}
type: Opaque
---
apiVersion: v1
kind: Secret
metadata: {name: envkey, namespace: a}
---
apiVersion: v1
kind: Secret
metadata: {name: tls, namespace: a}
type: kubernetes.io/tls
---
apiVersion: v1
kind: Secret
metadata: {name: tok, namespace: a}
type: kubernetes.io/service-account-token
---
apiVersion: v1
kind: Secret
metadata: {name: boot, namespace: kube-system}
type: bootstrap.kubernetes.io/token
---
apiVersion: v1
kind: Secret
metadata: {name: rel, namespace: a}
type: helm.sh/release.v1
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: one, namespace: a}
rules: [{apiGroups: [""], resources: [secrets], resourceNames: [vol], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: one, namespace: a}
roleRef: {kind: Role, name: one}
subjects: [{kind: User, name: u1}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: all}
rules: [{apiGroups: [""], resources: [secrets], verbs: [watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all}
roleRef: {kind: ClusterRole, name: all}
subjects: [{kind: Group, name: ops}]
`

func TestSecretReferences(t *testing.T) {
	s := Derive(objects(t, secretsFixture), Options{}).Secrets
	type r struct{ ns, name, via, path string }
	var got []r
	for _, x := range s.References {
		got = append(got, r{x.Namespace, x.Secret, x.Via, x.Path})
	}
	want := []r{
		{"a", "envfrom", ViaEnvFrom, "spec.initContainers[0].envFrom[0]"},
		{"a", "envkey", ViaEnv, "spec.containers[0].env[0]"},
		{"a", "envkey-opt", ViaEnv, "spec.containers[0].env[1]"},
		{"a", "proj", ViaProjected, "spec.volumes[2].projected.sources[1]"},
		{"a", "pull", ViaImagePullSecrets, "spec.imagePullSecrets[0]"},
		{"a", "sa-pull", ViaSAImagePullSecrets, "imagePullSecrets[0]"},
		{"a", "sa-token", ViaSASecrets, "secrets[0]"},
		{"a", "vol", ViaVolume, "spec.volumes[0]"},
		{"a", "vol-opt", ViaVolume, "spec.volumes[1]"},
		{"b", "tls", ViaIngressTLS, "spec.tls[0]"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("references =\n%+v\nwant\n%+v", got, want)
	}
	names := func(refs []SecretRef) []string {
		out := []string{}
		for _, x := range refs {
			out = append(out, x.Namespace+"/"+x.Secret)
		}
		return out
	}
	// Optional references (vol-opt, envkey-opt) are not missing; the Ingress
	// TLS Secret lives in b, not a.
	if got, want := names(s.Missing), []string{"a/envfrom", "a/proj", "a/pull", "a/sa-pull", "a/sa-token", "b/tls"}; !reflect.DeepEqual(got, want) {
		t.Errorf("missing = %q, want %q", got, want)
	}
	if got, want := names(s.Exposed), []string{"a/envfrom", "a/envkey", "a/envkey-opt"}; !reflect.DeepEqual(got, want) {
		t.Errorf("exposed = %q, want %q", got, want)
	}
	var unused []string
	for _, u := range s.Unused {
		unused = append(unused, u.Namespace+"/"+u.Name)
	}
	if want := []string{"a/tls"}; !reflect.DeepEqual(unused, want) {
		t.Errorf("unused = %q, want %q (legitimately unreferenced types excluded)", unused, want)
	}
	readers := map[string][]Reader{}
	for _, sv := range s.Secrets {
		readers[sv.Namespace+"/"+sv.Name] = sv.Readers
		if sv.Name == "envkey" && (sv.Type != "Opaque" || !sv.Exposed || sv.References != 1) {
			t.Errorf("envkey view = %+v", sv)
		}
	}
	// u1 may get vol by name; its list is limited by resourceNames, so it
	// cannot list. ops may watch every Secret.
	if got, want := readers["a/vol"], []Reader{{"Group:ops", []string{"watch"}}, {"User:u1", []string{"get"}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("readers of a/vol = %+v, want %+v", got, want)
	}
	if got, want := readers["a/envkey"], []Reader{{"Group:ops", []string{"watch"}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("readers of a/envkey = %+v, want %+v", got, want)
	}
}

func TestSecretsIncomplete(t *testing.T) {
	s := Derive(objects(t, secretsFixture), Options{MissingKinds: []string{"Secret"}}).Secrets
	if s.Complete || len(s.Missing) != 0 || len(s.Unused) != 0 {
		t.Errorf("with Secrets unreadable: complete=%v missing=%d unused=%d, want false 0 0", s.Complete, len(s.Missing), len(s.Unused))
	}
	if len(s.Exposed) != 3 {
		t.Errorf("exposed = %d, want 3 (references do not need Secrets)", len(s.Exposed))
	}
}
