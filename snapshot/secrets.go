package snapshot

import (
	"cmp"
	"fmt"
	"sort"
	"strings"
)

// UnreferencedTypes are the Secret types that are legitimately referenced by
// no object, so they are never reported as unused:
//   - kubernetes.io/service-account-token: read by the token controller and
//     clients, not mounted by name (their legacy use is a policy of its own);
//   - bootstrap.kubernetes.io/token: read by the apiserver's bootstrap
//     authenticator in kube-system;
//   - helm.sh/release.v1: Helm's release records.
var UnreferencedTypes = []string{
	"kubernetes.io/service-account-token",
	"bootstrap.kubernetes.io/token",
	"helm.sh/release.v1",
}

// SecretRef is one reference to a Secret. The Secret lives in the
// referencing object's namespace.
type SecretRef struct {
	Namespace string `json:"namespace"`
	Secret    string `json:"secret"`
	From      Ref    `json:"from"`     // the referencing object
	Via       string `json:"via"`      // see below
	Path      string `json:"path"`     // where in the object, e.g. "spec.template.spec.containers[0].env[2]"
	Key       string `json:"key"`      // env secretKeyRef key; empty for the rest
	Optional  bool   `json:"optional"` // optional: true, so a missing Secret is allowed
	// Controlled is true when an owner controls the referencing object (a
	// Deployment's ReplicaSet, its Pods): the owner holds the same reference.
	Controlled bool `json:"controlled"`
}

// Values of SecretRef.Via.
const (
	ViaVolume             = "volume"
	ViaProjected          = "projected"
	ViaEnv                = "env"
	ViaEnvFrom            = "envFrom"
	ViaImagePullSecrets   = "imagePullSecrets"
	ViaSASecrets          = "serviceAccount.secrets"
	ViaSAImagePullSecrets = "serviceAccount.imagePullSecrets"
	ViaIngressTLS         = "ingress.tls"
)

// SecretView is one Secret (metadata only), its references and its readers.
type SecretView struct {
	Namespace  string   `json:"namespace"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	References int      `json:"references"`
	Exposed    bool     `json:"exposed"` // referenced through env or envFrom
	Readers    []Reader `json:"readers"` // subjects bound to rules that let them read it
}

// Secrets is the Secret references view. When Secrets could not be read
// (Complete false), Unused and Missing are left empty rather than guessed.
type Secrets struct {
	Complete   bool         `json:"complete"`
	Secrets    []SecretView `json:"secrets"`
	References []SecretRef  `json:"references"`
	Unused     []Ref        `json:"unused"`  // Secrets referenced by nothing, except UnreferencedTypes
	Missing    []SecretRef  `json:"missing"` // non-optional references to absent Secrets
	Exposed    []SecretRef  `json:"exposed"` // references through env or envFrom
}

func deriveSecrets(byKind map[string][]map[string]any, ws []workload, rbac *RBAC, missingKinds map[string]bool) *Secrets {
	view := &Secrets{Complete: !missingKinds["Secret"], Secrets: []SecretView{}, References: []SecretRef{},
		Unused: []Ref{}, Missing: []SecretRef{}, Exposed: []SecretRef{}}
	for _, w := range ws {
		view.References = appendPodRefs(view.References, w)
	}
	for _, o := range byKind["ServiceAccount"] {
		from := refOf(o)
		for i, s := range maps(o["secrets"]) {
			if name, _ := s["name"].(string); name != "" {
				view.References = append(view.References, SecretRef{Namespace: from.Namespace, Secret: name, From: from, Via: ViaSASecrets, Path: fmt.Sprintf("secrets[%d]", i)})
			}
		}
		for i, s := range maps(o["imagePullSecrets"]) {
			if name, _ := s["name"].(string); name != "" {
				view.References = append(view.References, SecretRef{Namespace: from.Namespace, Secret: name, From: from, Via: ViaSAImagePullSecrets, Path: fmt.Sprintf("imagePullSecrets[%d]", i)})
			}
		}
	}
	for _, o := range byKind["Ingress"] {
		from := refOf(o)
		spec, _ := o["spec"].(map[string]any)
		for i, t := range maps(spec["tls"]) {
			if name, _ := t["secretName"].(string); name != "" {
				view.References = append(view.References, SecretRef{Namespace: from.Namespace, Secret: name, From: from, Via: ViaIngressTLS, Path: fmt.Sprintf("spec.tls[%d]", i)})
			}
		}
	}
	sortStable(view.References, func(a, b *SecretRef) int {
		return cmp.Or(
			strings.Compare(a.Namespace, b.Namespace),
			strings.Compare(a.Secret, b.Secret),
			compareRef(a.From, b.From),
			strings.Compare(a.Path, b.Path),
		)
	})

	// Secrets are keyed by namespace and name.
	type key struct{ ns, name string }
	exists := map[key]bool{}
	count := map[key]int{}
	exposed := map[key]bool{}
	isExposed := func(r *SecretRef) bool { return r.Via == ViaEnv || r.Via == ViaEnvFrom }
	for i := range view.References {
		r := &view.References[i]
		k := key{r.Namespace, r.Secret}
		count[k]++
		if isExposed(r) {
			exposed[k] = true
		}
	}
	view.Exposed = filterRefs(view.References, isExposed)
	readers := rbac.secretReaders()
	unref := map[string]bool{}
	for _, t := range UnreferencedTypes {
		unref[t] = true
	}
	for _, o := range byKind["Secret"] {
		ns, name := meta(o)
		k := key{ns, name}
		exists[k] = true
		typ, _ := o["type"].(string)
		if typ == "" {
			typ = "Opaque"
		}
		view.Secrets = append(view.Secrets, SecretView{Namespace: ns, Name: name, Type: typ,
			References: count[k], Exposed: exposed[k], Readers: readers(ns, name)})
		if count[k] == 0 && !unref[typ] && view.Complete {
			view.Unused = append(view.Unused, Ref{APIVersion: "v1", Kind: "Secret", Namespace: ns, Name: name})
		}
	}
	if view.Complete {
		view.Missing = filterRefs(view.References, func(r *SecretRef) bool { return !r.Optional && !exists[key{r.Namespace, r.Secret}] })
	}
	sort.Slice(view.Secrets, func(i, j int) bool {
		a, b := view.Secrets[i], view.Secrets[j]
		return a.Namespace < b.Namespace || (a.Namespace == b.Namespace && a.Name < b.Name)
	})
	sort.Slice(view.Unused, func(i, j int) bool { return lessRef(view.Unused[i], view.Unused[j]) })
	return view
}

// filterRefs is the references for which keep is true, in a slice made at
// its size: a cluster has tens of thousands of them.
func filterRefs(refs []SecretRef, keep func(*SecretRef) bool) []SecretRef {
	n := 0
	for i := range refs {
		if keep(&refs[i]) {
			n++
		}
	}
	out := make([]SecretRef, 0, n)
	for i := range refs {
		if keep(&refs[i]) {
			out = append(out, refs[i])
		}
	}
	return out
}

// appendPodRefs appends the Secret references of a Pod or a workload's pod
// template to out.
func appendPodRefs(out []SecretRef, w workload) []SecretRef {
	ps, from, ctl := w.spec, w.ref, w.controlled
	add := func(name, via, path, key string, optional bool) {
		if name != "" {
			out = append(out, SecretRef{Namespace: from.Namespace, Secret: name, From: from, Via: via, Path: path, Key: key, Optional: optional, Controlled: ctl})
		}
	}
	for i, v := range maps(ps.Spec["volumes"]) {
		vp := fmt.Sprintf("%s.volumes[%d]", ps.Path, i)
		if s, ok := v["secret"].(map[string]any); ok {
			name, _ := s["secretName"].(string)
			add(name, ViaVolume, vp, "", boolOf(s["optional"]))
		}
		if p, ok := v["projected"].(map[string]any); ok {
			for j, src := range maps(p["sources"]) {
				if s, ok := src["secret"].(map[string]any); ok {
					name, _ := s["name"].(string)
					add(name, ViaProjected, fmt.Sprintf("%s.projected.sources[%d]", vp, j), "", boolOf(s["optional"]))
				}
			}
		}
	}
	for i, s := range maps(ps.Spec["imagePullSecrets"]) {
		name, _ := s["name"].(string)
		add(name, ViaImagePullSecrets, fmt.Sprintf("%s.imagePullSecrets[%d]", ps.Path, i), "", false)
	}
	for _, c := range ps.Containers {
		for i, e := range maps(c.Container["env"]) {
			vf, _ := e["valueFrom"].(map[string]any)
			if r, ok := vf["secretKeyRef"].(map[string]any); ok {
				name, _ := r["name"].(string)
				key, _ := r["key"].(string)
				add(name, ViaEnv, fmt.Sprintf("%s.env[%d]", c.Path, i), key, boolOf(r["optional"]))
			}
		}
		for i, e := range maps(c.Container["envFrom"]) {
			if r, ok := e["secretRef"].(map[string]any); ok {
				name, _ := r["name"].(string)
				add(name, ViaEnvFrom, fmt.Sprintf("%s.envFrom[%d]", c.Path, i), "", boolOf(r["optional"]))
			}
		}
	}
	return out
}
