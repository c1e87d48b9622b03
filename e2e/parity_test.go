package e2e

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/fleetguard/fleetguard/audit"
	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/internal/testfleet"
	"github.com/fleetguard/fleetguard/manifest"
	"github.com/fleetguard/fleetguard/snapshot"
)

// clusterPolicies are object policies whose verdict depends on input.cluster,
// which `policy scan` does not know: a CI scan has no cluster.
var clusterPolicies = map[string]bool{"FG-IMG-002": true}

// TestObjectVerdictsAgree proves that, for every object of every seeded
// cluster, the object policies reach the same verdict (the same policy ids
// and messages, and the same passes) in the audit, in `policy scan` of the
// object serialised to YAML, and in the admission webhook's CREATE
// evaluation.
func TestObjectVerdictsAgree(t *testing.T) {
	ctx := context.Background()
	eng := newEngine(t)
	object := map[string]bool{}
	for _, p := range eng.Policies() {
		if p.Scope == engine.ScopeObject {
			object[p.ID] = true
		}
	}
	r, err := audit.Run(ctx, eng, env.snaps, audit.Options{SystemNamespaces: testfleet.SystemNamespaces, Now: func() time.Time { return auditTime }, KeepPasses: true})
	if err != nil {
		t.Fatal(err)
	}
	checkClean(t, r, seeded)

	for _, name := range seeded {
		t.Run(name, func(t *testing.T) {
			s := snap(t, name)
			objs := s.All()
			if len(objs) < 100 {
				t.Fatalf("only %d objects in %s's snapshot: the fleet is not seeded", len(objs), name)
			}
			audited := verdicts{}
			for _, f := range r.Findings {
				if f.Cluster == name && f.Scope == engine.ScopeObject {
					audited.finding(f)
				}
			}
			for _, p := range r.Passes {
				if p.Cluster == name && object[p.PolicyID] {
					audited.pass(p.PolicyID, p.Resource)
				}
			}
			if audited.findings() == 0 {
				t.Fatalf("the audit of %s has no object finding: nothing to compare", name)
			}

			t.Run("scan", func(t *testing.T) {
				scanned := scan(t, ctx, eng, objs)
				want := audited
				if production(s) {
					// The only difference allowed: policies that need the
					// cluster's labels, and they must have fired in the audit.
					var dropped int
					want, dropped = audited.without(clusterPolicies)
					if dropped == 0 {
						t.Errorf("the audit of production cluster %s has no finding of %v: the exclusion below is untested", name, clusterPolicies)
					}
				}
				compare(t, "audit", want, "scan", scanned)
			})

			t.Run("webhook", func(t *testing.T) {
				admitted := admit(t, ctx, eng, s)
				compare(t, "audit", audited, "webhook", admitted)
			})
		})
	}
}

// verdicts maps a resource to the policy outcomes about it: "policy: message"
// for findings, "policy: pass" for passes.
type verdicts map[string][]string

func key(r engine.Resource) string {
	return r.APIVersion + " " + r.Kind + " " + r.Namespace + "/" + r.Name
}

func (v verdicts) finding(f engine.Finding) {
	v[key(f.Resource)] = append(v[key(f.Resource)], f.PolicyID+": "+f.Message)
}

func (v verdicts) pass(id string, r engine.Resource) {
	v[key(r)] = append(v[key(r)], id+": pass")
}

func (v verdicts) findings() int {
	n := 0
	for _, outs := range v {
		for _, o := range outs {
			if !strings.HasSuffix(o, ": pass") {
				n++
			}
		}
	}
	return n
}

// without drops the findings of these policies and counts them; their
// passes stay, since without a cluster the policies pass.
func (v verdicts) without(ids map[string]bool) (verdicts, int) {
	out, dropped := verdicts{}, 0
	for k, outs := range v {
		for _, o := range outs {
			id, rest, _ := strings.Cut(o, ": ")
			if ids[id] && rest != "pass" {
				dropped++
				out[k] = append(out[k], id+": pass")
				continue
			}
			out[k] = append(out[k], o)
		}
	}
	return out, dropped
}

func compare(t *testing.T, an string, a verdicts, bn string, b verdicts) {
	t.Helper()
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}) {
		x, y := slices.Sorted(slices.Values(a[k])), slices.Sorted(slices.Values(b[k]))
		if !slices.Equal(x, y) {
			t.Errorf("%s:\n  %s: %q\n  %s: %q", k, an, x, bn, y)
		}
	}
}

// scan serialises every object to YAML, one document each, reads the
// stream back with the manifest reader and scans it as `policy scan` does:
// a Namespace among the manifests is attached to the objects in it, and
// there is no cluster.
func scan(t *testing.T, ctx context.Context, eng *engine.Engine, objs []map[string]any) verdicts {
	t.Helper()
	var buf bytes.Buffer
	for _, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			t.Fatalf("serialising %v: %v", resourceOf(o), err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	parsed, errs := manifest.Parse("snapshot.yaml", buf.Bytes())
	if len(errs) > 0 {
		t.Fatalf("reading the serialised snapshot back: %v", errs)
	}
	if len(parsed) != len(objs) {
		t.Fatalf("read %d objects back, wrote %d", len(parsed), len(objs))
	}
	namespaces := map[string]map[string]any{}
	for _, o := range parsed {
		if o.Object["kind"] == "Namespace" && o.Object["apiVersion"] == "v1" {
			namespaces[nameOf(o.Object)] = o.Object
		}
	}
	ins := make([]*engine.ObjectInput, len(parsed))
	for i := range parsed {
		src := parsed[i].Source
		ins[i] = &engine.ObjectInput{Object: parsed[i].Object, Source: &src}
		if ns := namespaceOf(parsed[i].Object); ns != "" {
			ins[i].Namespace = namespaces[ns]
		}
	}
	r := eng.Scan(ctx, ins)
	for _, e := range r.Errors {
		t.Errorf("scan error: %s", e.Error())
	}
	v := verdicts{}
	for _, f := range r.Findings {
		v.finding(f)
	}
	for _, p := range r.Passes {
		v.pass(p.PolicyID, p.Resource)
	}
	return v
}

// admit evaluates every object as the webhook does on CREATE (see
// webhook/decide.go, review): the request's user, the namespace object (the
// object itself for a Namespace) and the cluster the webhook serves.
func admit(t *testing.T, ctx context.Context, eng *engine.Engine, s *snapshot.Snapshot) verdicts {
	t.Helper()
	namespaces := map[string]map[string]any{}
	for _, ns := range s.Objects["Namespace"] {
		namespaces[nameOf(ns)] = ns
	}
	user := map[string]any{"username": "ci-deployer", "uid": "", "groups": []any{"system:authenticated"}, "extra": map[string]any{}}
	v := verdicts{}
	for _, o := range s.All() {
		in := &engine.ObjectInput{
			Object: o, Operation: "CREATE", UserInfo: user,
			Namespace: namespaces[namespaceOf(o)],
			Cluster:   engine.Cluster{Name: s.Cluster.Name, Labels: s.Cluster.Labels},
		}
		if o["kind"] == "Namespace" && o["apiVersion"] == "v1" {
			in.Namespace = o
		}
		got, err := eng.EvalObject(ctx, in)
		if err != nil {
			t.Errorf("admitting %v: %v", resourceOf(o), err)
			continue
		}
		for _, f := range got.Findings {
			v.finding(f)
		}
		for _, id := range got.Passed {
			v.pass(id, got.Resource)
		}
	}
	return v
}

func production(s *snapshot.Snapshot) bool {
	e := strings.ToLower(s.Cluster.Labels["env"])
	return e == "prod" || e == "production"
}

func metadata(o map[string]any) map[string]any {
	md, _ := o["metadata"].(map[string]any)
	return md
}

func nameOf(o map[string]any) string {
	n, _ := metadata(o)["name"].(string)
	return n
}

func namespaceOf(o map[string]any) string {
	n, _ := metadata(o)["namespace"].(string)
	return n
}

func resourceOf(o map[string]any) string {
	return fmt.Sprintf("%v %v/%s", o["kind"], namespaceOf(o), nameOf(o))
}
