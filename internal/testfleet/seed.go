package testfleet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"

	"github.com/fleetguard/fleetguard/internal/yamlsafe"
)

// Fixture is one object read from a YAML file, with where it came from.
type Fixture struct {
	Object *unstructured.Unstructured
	File   string
	Line   int // first line of its YAML document
}

// String names the object and where it came from, for error messages.
func (x Fixture) String() string {
	ns := x.Object.GetNamespace()
	if ns != "" {
		ns += "/"
	}
	return fmt.Sprintf("%s %s%s (%s:%d)", x.Object.GetKind(), ns, x.Object.GetName(), x.File, x.Line)
}

// LoadFixtures reads every *.yaml and *.yml file of dir, in name order, and
// splits multi-document files. A missing dir yields no fixtures. Errors name
// the file and line of the bad document.
func LoadFixtures(dir string) ([]Fixture, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading fixtures: %w", err)
	}
	var out []Fixture
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		fx, err := LoadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, fx...)
	}
	return out, nil
}

// LoadFile reads the objects of one YAML file (documents split by "---").
func LoadFile(path string) ([]Fixture, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading fixtures: %w", err)
	}
	var out []Fixture
	for _, d := range yamlsafe.Split(b) {
		if yamlsafe.Blank(d.Text) {
			continue
		}
		var m map[string]any
		if err := yaml.Unmarshal(d.Text, &m); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, d.Line+yamlLine(err)-1, err)
		}
		u := &unstructured.Unstructured{Object: m}
		switch {
		case u.GetAPIVersion() == "":
			return nil, fmt.Errorf("%s:%d: object has no apiVersion", path, d.Line)
		case u.GetKind() == "":
			return nil, fmt.Errorf("%s:%d: object has no kind", path, d.Line)
		case u.GetName() == "":
			return nil, fmt.Errorf("%s:%d: %s has no metadata.name", path, d.Line, u.GetKind())
		}
		out = append(out, Fixture{Object: u, File: path, Line: d.Line})
	}
	return out, nil
}

// yamlLine extracts the 1-based line of a YAML parse error, or 1.
func yamlLine(err error) int {
	m := lineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 1
	}
	n, _ := strconv.Atoi(m[1])
	return max(n, 1)
}

var lineRE = regexp.MustCompile(`yaml: line (\d+)`)

// rank orders kinds so that every object finds what it needs: namespaces
// first, admission webhooks last (they could intercept the rest).
func rank(kind string) int {
	switch kind {
	case "Namespace":
		return 0
	case "ServiceAccount", "ClusterRole", "Role", "Node", "PriorityClass":
		return 1
	case "ClusterRoleBinding", "RoleBinding", "Secret", "ConfigMap", "Service", "NetworkPolicy":
		return 2
	case "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration":
		return 9
	default:
		return 5
	}
}

// applier applies unstructured objects to one cluster with server-side apply.
type applier struct {
	cluster string
	dyn     dynamic.Interface
	mapper  meta.RESTMapper
}

func (c *Cluster) applier() (*applier, error) {
	cfg := rest.CopyConfig(c.Config)
	cfg.WarningHandler = rest.NoWarnings{} // fixtures are meant to be bad: no PodSecurity warnings
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %q: discovery client: %w", c.Name, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %q: dynamic client: %w", c.Name, err)
	}
	return &applier{cluster: c.Name, dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

var applyOpts = metav1.ApplyOptions{FieldManager: "testfleet", Force: true}

// apply creates or updates the object, then its status through the status
// subresource when the fixture has one (how Nodes get status.nodeInfo).
func (a *applier) apply(ctx context.Context, x Fixture) error {
	obj := x.Object.DeepCopy()
	gvk := obj.GroupVersionKind()
	m, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("cluster %q: %s: unknown kind: %w", a.cluster, x, err)
	}
	var ri dynamic.ResourceInterface = a.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if obj.GetNamespace() == "" {
			obj.SetNamespace("default")
		}
		ri = a.dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
	} else if obj.GetNamespace() != "" {
		return fmt.Errorf("cluster %q: %s: cluster-scoped object has a namespace", a.cluster, x)
	}
	status, hasStatus := obj.Object["status"]
	delete(obj.Object, "status")
	if _, err := ri.Apply(ctx, obj.GetName(), obj, applyOpts); err != nil {
		return fmt.Errorf("cluster %q: applying %s: %w", a.cluster, x, err)
	}
	if !hasStatus {
		return nil
	}
	st := &unstructured.Unstructured{Object: map[string]any{"status": status}}
	st.SetAPIVersion(obj.GetAPIVersion())
	st.SetKind(obj.GetKind())
	st.SetName(obj.GetName())
	st.SetNamespace(obj.GetNamespace())
	if _, err := ri.ApplyStatus(ctx, obj.GetName(), st, applyOpts); err != nil {
		return fmt.Errorf("cluster %q: applying the status of %s: %w", a.cluster, x, err)
	}
	return nil
}

var (
	namespacesGVR      = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	serviceAccountsGVR = schema.GroupVersionResource{Version: "v1", Resource: "serviceaccounts"}
)

// defaultServiceAccounts creates the `default` ServiceAccount of every
// namespace, the job of the controller-manager that does not run here.
func (a *applier) defaultServiceAccounts(ctx context.Context) error {
	list, err := a.dyn.Resource(namespacesGVR).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("cluster %q: listing namespaces: %w", a.cluster, err)
	}
	for _, ns := range list.Items {
		sa := &unstructured.Unstructured{}
		sa.SetAPIVersion("v1")
		sa.SetKind("ServiceAccount")
		sa.SetName("default")
		sa.SetNamespace(ns.GetName())
		_, err := a.dyn.Resource(serviceAccountsGVR).Namespace(ns.GetName()).Create(ctx, sa, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("cluster %q: creating ServiceAccount %s/default: %w", a.cluster, ns.GetName(), err)
		}
	}
	return nil
}

// fetcherRole is the file holding the fetcher's ClusterRole and binding.
const fetcherRole = "deploy/fetcher/clusterrole.yaml"

// rbacFixtures returns the fetcher ClusterRole and binding, unchanged, plus
// a copy of the role without secrets bound to the no-secrets user.
func rbacFixtures(root string) ([]Fixture, error) {
	fx, err := LoadFile(filepath.Join(root, fetcherRole))
	if err != nil {
		return nil, err
	}
	var role *unstructured.Unstructured
	for _, x := range fx {
		if x.Object.GetKind() == "ClusterRole" {
			role = x.Object
		}
	}
	if role == nil {
		return nil, fmt.Errorf("%s: no ClusterRole", fetcherRole)
	}
	rules, _, _ := unstructured.NestedSlice(role.Object, "rules") // a deep copy
	var kept []any
	for _, r := range rules {
		rule, ok := r.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: a rule of ClusterRole %s is not a map", fetcherRole, role.GetName())
		}
		res, _, _ := unstructured.NestedStringSlice(rule, "resources")
		if slices.Contains(res, "secrets") {
			res = slices.DeleteFunc(res, func(s string) bool { return s == "secrets" })
			_ = unstructured.SetNestedStringSlice(rule, res, "resources")
		}
		kept = append(kept, rule)
	}
	name := role.GetName() + "-no-secrets"
	noSecrets := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
		"metadata": map[string]any{"name": name}, "rules": kept,
	}}
	binding := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
		"metadata": map[string]any{"name": name},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
		"subjects": []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": NoSecrets}},
	}}
	return append(fx,
		Fixture{Object: noSecrets, File: "(testfleet)", Line: 0},
		Fixture{Object: binding, File: "(testfleet)", Line: 0}), nil
}

// prepare grants the auditor roles, creates default ServiceAccounts and
// applies the fixtures.
func (c *Cluster) prepare(ctx context.Context, opts Options) error {
	a, err := c.applier()
	if err != nil {
		return err
	}
	fx, err := rbacFixtures(opts.Root)
	if err != nil {
		return fmt.Errorf("cluster %q: %w", c.Name, err)
	}
	var dirs []string
	if opts.Seed {
		base := filepath.Join(opts.Root, "testdata", "fleet")
		dirs = append(dirs, filepath.Join(base, "common"), filepath.Join(base, c.Name))
	}
	dirs = append(dirs, opts.FixtureDirs...)
	for _, d := range dirs {
		more, err := LoadFixtures(d)
		if err != nil {
			return fmt.Errorf("cluster %q: %w", c.Name, err)
		}
		fx = append(fx, more...)
	}
	slices.SortStableFunc(fx, func(x, y Fixture) int { return rank(x.Object.GetKind()) - rank(y.Object.GetKind()) })
	saDone := false
	for _, x := range fx {
		if !saDone && rank(x.Object.GetKind()) > 0 {
			if err := a.defaultServiceAccounts(ctx); err != nil {
				return err
			}
			saDone = true
		}
		if err := a.apply(ctx, x); err != nil {
			return err
		}
	}
	if !saDone {
		return a.defaultServiceAccounts(ctx)
	}
	return nil
}
