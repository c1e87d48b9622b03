package snapshot

import (
	"slices"
	"sort"

	"k8s.io/apimachinery/pkg/labels"
)

// Network is the NetworkPolicy coverage view.
type Network struct {
	Namespaces []NamespaceCoverage `json:"namespaces"`
	Policies   []Policy            `json:"policies"`
	Pods       []PodCoverage       `json:"pods"`
}

// NamespaceCoverage is the NetworkPolicy posture of one namespace: every
// namespace that has a Namespace object, a policy or a pod.
type NamespaceCoverage struct {
	Name               string   `json:"name"`
	Policies           []string `json:"policies"`           // names of its NetworkPolicies
	DefaultDenyIngress bool     `json:"defaultDenyIngress"` // some policy denies all ingress to all its pods
	DefaultDenyEgress  bool     `json:"defaultDenyEgress"`
	Pods               int      `json:"pods"`      // pods and workload templates
	Uncovered          int      `json:"uncovered"` // of which selected by no policy
}

// Policy is one NetworkPolicy, with defaults applied.
type Policy struct {
	Namespace          string     `json:"namespace"`
	Name               string     `json:"name"`
	PolicyTypes        []string   `json:"policyTypes"` // effective: Ingress always, Egress if egress rules, when unset
	DefaultDenyIngress bool       `json:"defaultDenyIngress"`
	DefaultDenyEgress  bool       `json:"defaultDenyEgress"`
	Selected           []Ref      `json:"selected"` // pods and workloads whose pods it selects
	AllowAll           []AllowAll `json:"allowAll"`
	Error              string     `json:"error,omitempty"` // an invalid podSelector: the policy selects nothing
}

// AllowAll is a rule that admits every source (ingress) or destination
// (egress).
type AllowAll struct {
	Direction string `json:"direction"` // "ingress" or "egress"
	Rule      int    `json:"rule"`      // index in spec.ingress or spec.egress
	Peer      int    `json:"peer"`      // index in from/to, -1 when the rule has no peers
	Reason    string `json:"reason"`    // "anyone (the rule names no peers)", "all namespaces", "ipBlock <cidr>"
	Ports     bool   `json:"ports"`     // the rule is limited to some ports
}

// PodCoverage is one Pod, or the pod template of one workload, and the
// policies that select it. Controlled is true when an owner controls the
// object (a Deployment's ReplicaSet, its Pods), so policies can report the
// owner once.
type PodCoverage struct {
	Ref
	Controlled bool              `json:"controlled"`
	Labels     map[string]string `json:"labels"`
	Ingress    []string          `json:"ingress"` // policies isolating it for ingress
	Egress     []string          `json:"egress"`
	Selected   bool              `json:"selected"` // selected by at least one policy
}

type pod struct {
	cov    *PodCoverage
	labels labels.Set
}

func deriveNetwork(byKind map[string][]map[string]any, ws []workload) *Network {
	view := &Network{Namespaces: []NamespaceCoverage{}, Policies: []Policy{}, Pods: []PodCoverage{}}
	nss := map[string]*NamespaceCoverage{}
	ns := func(name string) *NamespaceCoverage {
		if nss[name] == nil {
			nss[name] = &NamespaceCoverage{Name: name, Policies: []string{}}
		}
		return nss[name]
	}
	for _, o := range byKind["Namespace"] {
		_, name := meta(o)
		ns(name)
	}
	pods := map[string][]*pod{}
	var all []*pod
	for _, w := range ws {
		if w.ref.Kind == "PodTemplate" {
			continue // a template for pods, not pods that policies select
		}
		p := &pod{cov: &PodCoverage{Ref: w.ref, Controlled: w.controlled, Labels: stringMap(w.spec.Metadata["labels"]),
			Ingress: []string{}, Egress: []string{}}}
		p.labels = labels.Set(p.cov.Labels)
		pods[p.cov.Namespace] = append(pods[p.cov.Namespace], p)
		all = append(all, p)
		ns(p.cov.Namespace).Pods++
	}
	for _, o := range byKind["NetworkPolicy"] {
		pol := policyOf(o)
		c := ns(pol.Namespace)
		c.Policies = append(c.Policies, pol.Name)
		c.DefaultDenyIngress = c.DefaultDenyIngress || pol.DefaultDenyIngress
		c.DefaultDenyEgress = c.DefaultDenyEgress || pol.DefaultDenyEgress
		spec, _ := o["spec"].(map[string]any)
		sel, err := selectorOf(mapOf(spec["podSelector"]))
		if err != nil {
			pol.Error = "podSelector: " + err.Error()
		} else {
			for _, p := range pods[pol.Namespace] {
				if !sel.Matches(p.labels) {
					continue
				}
				pol.Selected = append(pol.Selected, p.cov.Ref)
				p.cov.Selected = true
				if has(pol.PolicyTypes, "Ingress") {
					p.cov.Ingress = append(p.cov.Ingress, pol.Name)
				}
				if has(pol.PolicyTypes, "Egress") {
					p.cov.Egress = append(p.cov.Egress, pol.Name)
				}
			}
		}
		view.Policies = append(view.Policies, pol)
	}
	view.Pods = slices.Grow(view.Pods, len(all))
	for _, p := range all {
		if !p.cov.Selected {
			ns(p.cov.Namespace).Uncovered++
		}
		sort.Strings(p.cov.Ingress)
		sort.Strings(p.cov.Egress)
		view.Pods = append(view.Pods, *p.cov)
	}
	sort.Slice(view.Pods, func(i, j int) bool { return lessRef(view.Pods[i].Ref, view.Pods[j].Ref) })
	sort.Slice(view.Policies, func(i, j int) bool {
		a, b := view.Policies[i], view.Policies[j]
		return a.Namespace < b.Namespace || (a.Namespace == b.Namespace && a.Name < b.Name)
	})
	for _, name := range sortedKeys(nss) {
		c := nss[name]
		sort.Strings(c.Policies)
		view.Namespaces = append(view.Namespaces, *c)
	}
	return view
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// policyOf applies policyTypes defaulting and finds default-deny and
// allow-all rules.
func policyOf(o map[string]any) Policy {
	ns, name := meta(o)
	spec, _ := o["spec"].(map[string]any)
	pol := Policy{Namespace: ns, Name: name, Selected: []Ref{}, AllowAll: []AllowAll{}}
	ingress, egress := maps(spec["ingress"]), maps(spec["egress"])
	pol.PolicyTypes = strs(spec["policyTypes"])
	if len(pol.PolicyTypes) == 0 {
		pol.PolicyTypes = []string{"Ingress"}
		if len(egress) > 0 {
			pol.PolicyTypes = append(pol.PolicyTypes, "Egress")
		}
	}
	all := emptySelector(spec["podSelector"])
	pol.DefaultDenyIngress = all && has(pol.PolicyTypes, "Ingress") && len(ingress) == 0
	pol.DefaultDenyEgress = all && has(pol.PolicyTypes, "Egress") && len(egress) == 0
	for _, d := range []struct {
		dir, peers, typ string
		rules           []map[string]any
	}{{"ingress", "from", "Ingress", ingress}, {"egress", "to", "Egress", egress}} {
		if !has(pol.PolicyTypes, d.typ) {
			continue // rules of a type the policy does not enforce have no effect
		}
		for i, r := range d.rules {
			ports := len(maps(r["ports"])) > 0
			peers := maps(r[d.peers])
			if len(peers) == 0 {
				pol.AllowAll = append(pol.AllowAll, AllowAll{Direction: d.dir, Rule: i, Peer: -1, Reason: "anyone (the rule names no peers)", Ports: ports})
				continue
			}
			for j, p := range peers {
				if reason := openPeer(p); reason != "" {
					pol.AllowAll = append(pol.AllowAll, AllowAll{Direction: d.dir, Rule: i, Peer: j, Reason: reason, Ports: ports})
				}
			}
		}
	}
	return pol
}

// openPeer says why a peer admits everything, or "" if it does not. A
// namespaceSelector {} (with no podSelector, or with podSelector {}) selects
// every pod of every namespace; an ipBlock of 0.0.0.0/0 or ::/0 every address.
func openPeer(p map[string]any) string {
	if nsSel, ok := p["namespaceSelector"]; ok && emptySelector(nsSel) {
		if podSel, ok := p["podSelector"]; !ok || emptySelector(podSel) {
			return "all namespaces"
		}
	}
	if ib, ok := p["ipBlock"].(map[string]any); ok {
		if cidr, _ := ib["cidr"].(string); cidr == "0.0.0.0/0" || cidr == "::/0" {
			return "ipBlock " + cidr
		}
	}
	return ""
}

// emptySelector reports whether a label selector selects everything: absent,
// null, or with no labels and no expressions.
func emptySelector(v any) bool {
	if v == nil {
		return true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	ml, _ := m["matchLabels"].(map[string]any)
	return len(ml) == 0 && len(maps(m["matchExpressions"])) == 0
}
