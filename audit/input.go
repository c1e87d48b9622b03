package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/snapshot"
)

// Fleetguard's own admission webhook, as policies look for it: the name of
// its configuration in deploy/webhook, and the pattern any of its
// configurations' names match.
const (
	WebhookName    = "fleetguard-webhook"
	WebhookPattern = `^fleetguard(-webhook)?$`
)

// ProductionEnvs are the values of the env cluster label that mark a
// production cluster in fleet policies.
var ProductionEnvs = []string{"production", "prod"}

var webhookRE = regexp.MustCompile(WebhookPattern)

// bootstrapLabel marks the RBAC objects the API server creates itself.
const bootstrapLabel = "kubernetes.io/bootstrapping"

// clusterInput builds the cluster-scope policy input (policies/README.md,
// "Cluster scope"): the cluster's identity and state, the raw snapshot, the
// derived views, the workloads' service-account facts and the audit config,
// converted onto p: what no cluster policy reads is left out. Objects are
// taken from vals (objectValues) where their kind was converted there. It
// reads the snapshot and views and never modifies them. The input is
// returned already converted to an OPA value (see value), or as Go values
// when that fails, for the engine to convert and report the error.
func clusterInput(s *snapshot.Snapshot, v *snapshot.Views, vals map[string][]ast.Value, opts Options, p engine.Projection) any {
	var server any
	if s.ServerVersion != nil {
		server = map[string]any{"gitVersion": s.ServerVersion.GitVersion, "major": s.ServerVersion.Major, "minor": s.ServerVersion.Minor}
	}
	objects := map[string]any{}
	for k, objs := range s.Objects {
		objects[k] = objs
		vs := vals[k]
		if len(vs) != len(objs) || slices.Contains(vs, nil) {
			continue // converted onto p, or its error reported
		}
		ts := make([]*ast.Term, len(objs))
		for i, v := range vs {
			ts[i] = ast.NewTerm(v)
		}
		objects[k] = ast.NewArray(ts...)
	}
	return convertedOnto(p, map[string]any{
		"cluster": map[string]any{
			"name":          s.Cluster.Name,
			"context":       s.Cluster.Context,
			"labels":        labelsOrEmpty(s.Cluster.Labels),
			"serverVersion": server,
			"state":         s.Status.State,
			"missingKinds":  nonNil(s.Status.MissingKinds),
		},
		"snapshot": map[string]any{
			"nodes":   nonNil(s.Nodes),
			"apis":    nonNil(s.APIs),
			"objects": objects,
		},
		"views":     v,
		"workloads": workloads(s),
		"config":    config(opts),
	})
}

// converted is in as an OPA value, or in itself if value fails.
func converted(in map[string]any) any {
	return convertedOnto(engine.WholeInput(), in)
}

// convertedOnto is in converted onto p (see projected), or in itself if
// that fails.
func convertedOnto(p engine.Projection, in map[string]any) any {
	if v, err := newConverter().projected(in, p); err == nil {
		return v
	}
	return in
}

func config(opts Options) map[string]any {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	return map[string]any{
		"systemNamespaces": systemNamespaces(opts),
		"webhook":          map[string]any{"name": WebhookName, "pattern": WebhookPattern},
		"productionEnvs":   ProductionEnvs,
		"now":              now().UTC().Format(time.RFC3339),
	}
}

// workloads lists every object with a pod spec, with the service account
// it runs as and whether that account's token is mounted: the pod spec's
// automountServiceAccountToken, else the ServiceAccount's, else true.
func workloads(s *snapshot.Snapshot) []map[string]any {
	saAutomount := map[string]bool{}
	for _, sa := range s.Objects["ServiceAccount"] {
		ns, name := nsName(sa)
		if b, ok := sa["automountServiceAccountToken"].(bool); ok {
			saAutomount[ns+"/"+name] = b
		}
	}
	out := []map[string]any{}
	for _, kind := range snapshot.WorkloadKinds {
		for _, obj := range s.Objects[kind] {
			ps, ok := snapshot.PodSpecOf(obj)
			if !ok {
				continue
			}
			ns, name := nsName(obj)
			sa, _ := ps.Spec["serviceAccountName"].(string)
			if sa == "" {
				sa, _ = ps.Spec["serviceAccount"].(string) // deprecated alias
			}
			if sa == "" {
				sa = "default"
			}
			mount := true
			if b, ok := ps.Spec["automountServiceAccountToken"].(bool); ok {
				mount = b
			} else if b, ok := saAutomount[ns+"/"+sa]; ok {
				mount = b
			}
			out = append(out, map[string]any{
				"kind": kind, "namespace": ns, "name": name, "controlled": controlled(obj),
				"serviceAccountName": sa, "automountServiceAccountToken": mount,
			})
		}
	}
	return out
}

// fleetInput builds the fleet-scope policy input (policies/README.md,
// "Fleet scope"): one summary per reachable cluster, computed in Go so that
// fleet policies compare small documents rather than whole snapshots.
// A summary field is null when the kinds it is built from could not be read.
// Like clusterInput, it returns an OPA value when it can.
func fleetInput(cs []*cluster, opts Options) any {
	clusters := make([]map[string]any, 0, len(cs))
	for _, c := range cs {
		clusters = append(clusters, c.summary)
	}
	return converted(map[string]any{"clusters": clusters, "config": config(opts)})
}

// systemNamespaces is Options.SystemNamespaces or its default.
func systemNamespaces(opts Options) []string {
	if len(opts.SystemNamespaces) == 0 {
		return DefaultSystemNamespaces
	}
	return opts.SystemNamespaces
}

// systemSet is the audit's system namespaces as a set.
func systemSet(opts Options) map[string]bool {
	sys := map[string]bool{}
	for _, ns := range systemNamespaces(opts) {
		sys[ns] = true
	}
	return sys
}

func summary(s *snapshot.Snapshot, v *snapshot.Views, sys map[string]bool) map[string]any {
	missing := map[string]bool{}
	for _, k := range s.Status.MissingKinds {
		missing[k] = true
	}
	m := map[string]any{
		"name":         s.Cluster.Name,
		"labels":       labelsOrEmpty(s.Cluster.Labels),
		"state":        s.Status.State,
		"missingKinds": nonNil(s.Status.MissingKinds),
	}
	m["serverVersion"], m["minor"] = nil, nil
	if s.ServerVersion != nil {
		m["serverVersion"] = map[string]any{"gitVersion": s.ServerVersion.GitVersion, "major": s.ServerVersion.Major, "minor": s.ServerVersion.Minor}
		if v != nil && v.Versions != nil && v.Versions.Server != nil {
			m["minor"] = v.Versions.Server.Minor
		}
	}
	m["clusterRoles"], m["clusterRoleBindings"], m["namespaces"], m["ourWebhook"] = nil, nil, nil, nil
	if !missing["ClusterRole"] {
		m["clusterRoles"] = clusterRoles(s.Objects["ClusterRole"])
	}
	if !missing["ClusterRoleBinding"] {
		m["clusterRoleBindings"] = clusterRoleBindings(s.Objects["ClusterRoleBinding"])
	}
	if !missing["Namespace"] && !missing["NetworkPolicy"] {
		m["namespaces"] = namespaces(s.Objects["Namespace"], v, sys)
	}
	if !missing["ValidatingWebhookConfiguration"] {
		if w := ourWebhook(s); w != nil {
			m["ourWebhook"] = w
		}
	}
	m["images"] = images(s, v)
	return m
}

// system reports whether an RBAC object is the platform's own: named
// system:* or labelled as bootstrap policy.
func system(obj map[string]any) bool {
	_, name := nsName(obj)
	md, _ := obj["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	return strings.HasPrefix(name, "system:") || labels[bootstrapLabel] == "rbac-defaults"
}

// clusterRoles maps each non-system ClusterRole to a digest of its
// normalised rules and aggregation rule, and its number of rules.
func clusterRoles(objs []map[string]any) map[string]any {
	out := map[string]any{}
	for _, o := range objs {
		if system(o) {
			continue
		}
		_, name := nsName(o)
		rules := normalRules(o["rules"])
		doc := map[string]any{"rules": rules, "aggregationRule": o["aggregationRule"]}
		out[name] = map[string]any{"hash": digest(doc), "rules": len(rules)}
	}
	return out
}

// normalRules sorts and de-duplicates every list of every rule, then the
// rules, so that equivalent roles compare equal.
func normalRules(v any) []map[string]any {
	list, _ := v.([]any)
	byKey := map[string]map[string]any{}
	for _, x := range list {
		r, ok := x.(map[string]any)
		if !ok {
			continue
		}
		n := map[string]any{}
		for _, f := range []string{"verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"} {
			n[f] = sortedSet(r[f])
		}
		byKey[digest(n)] = n
	}
	if len(byKey) == 0 {
		return nil
	}
	out := make([]map[string]any, 0, len(byKey))
	for _, k := range slices.Sorted(maps.Keys(byKey)) {
		out = append(out, byKey[k])
	}
	return out
}

// clusterRoleBindings maps each non-system ClusterRoleBinding to its role
// reference ("ClusterRole/name") and sorted subject ids.
func clusterRoleBindings(objs []map[string]any) map[string]any {
	out := map[string]any{}
	for _, o := range objs {
		if system(o) {
			continue
		}
		_, name := nsName(o)
		ref, _ := o["roleRef"].(map[string]any)
		kind, _ := ref["kind"].(string)
		role, _ := ref["name"].(string)
		subjects := []string{}
		list, _ := o["subjects"].([]any)
		for _, x := range list {
			sm, _ := x.(map[string]any)
			k, _ := sm["kind"].(string)
			n, _ := sm["name"].(string)
			ns, _ := sm["namespace"].(string)
			subjects = append(subjects, snapshot.Subject{Kind: k, Name: n, Namespace: ns}.ID())
		}
		sort.Strings(subjects)
		subjects = dedupe(subjects)
		out[name] = map[string]any{"roleRef": kind + "/" + role, "subjects": subjects}
	}
	return out
}

// namespaces gives, per non-system Namespace, its default-deny posture and
// Pod Security enforce level ("" when unlabelled).
func namespaces(objs []map[string]any, v *snapshot.Views, sys map[string]bool) map[string]any {
	deny := map[string]snapshot.NamespaceCoverage{}
	if v != nil && v.Network != nil {
		for _, n := range v.Network.Namespaces {
			deny[n.Name] = n
		}
	}
	out := map[string]any{}
	for _, o := range objs {
		_, name := nsName(o)
		if name == "" || sys[name] {
			continue
		}
		md, _ := o["metadata"].(map[string]any)
		labels, _ := md["labels"].(map[string]any)
		level, _ := labels["pod-security.kubernetes.io/enforce"].(string)
		out[name] = map[string]any{
			"defaultDenyIngress": deny[name].DefaultDenyIngress,
			"defaultDenyEgress":  deny[name].DefaultDenyEgress,
			"pssEnforce":         level,
		}
	}
	return out
}

// images maps "registry/repository:tag" to the sorted digests it was seen
// with in this cluster: image references that carry both a tag and a
// digest, and the imageID of container statuses.
func images(s *snapshot.Snapshot, v *snapshot.Views) map[string]any {
	seen := map[string]map[string]bool{}
	add := func(ref snapshot.ImageRef) {
		if ref.Tag == "" || ref.Digest == "" {
			return
		}
		key := ref.Registry + "/" + ref.Repository + ":" + ref.Tag
		if seen[key] == nil {
			seen[key] = map[string]bool{}
		}
		seen[key][ref.Digest] = true
	}
	if v != nil && v.Versions != nil {
		for _, im := range v.Versions.Images {
			if im.Error == "" {
				add(snapshot.ImageRef{Registry: im.Registry, Repository: im.Repository, Tag: im.Tag, Digest: im.Digest})
			}
		}
	}
	for _, pod := range s.Objects["Pod"] {
		status, _ := pod["status"].(map[string]any)
		for _, field := range []string{"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"} {
			list, _ := status[field].([]any)
			for _, x := range list {
				cs, _ := x.(map[string]any)
				image, _ := cs["image"].(string)
				id, _ := cs["imageID"].(string)
				ref, err := snapshot.ParseImage(image)
				if err != nil || ref.Digest != "" {
					continue
				}
				if _, after, ok := strings.Cut(id, "://"); ok {
					id = after
				}
				if i := strings.IndexByte(id, '@'); i >= 0 {
					id = id[i+1:]
				}
				if strings.HasPrefix(id, "sha256:") {
					ref.Digest = id
					add(ref)
				}
			}
		}
	}
	out := map[string]any{}
	for key, ds := range seen {
		list := make([]string, 0, len(ds))
		for d := range ds {
			list = append(list, d)
		}
		sort.Strings(list)
		out[key] = list
	}
	return out
}

// ourWebhook finds Fleetguard's webhook configuration (validating first)
// and normalises its webhooks with the API server's defaults, keyed by
// webhook name. It returns nil when none is registered.
func ourWebhook(s *snapshot.Snapshot) map[string]any {
	for _, kind := range []string{"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"} {
		objs := append([]map[string]any(nil), s.Objects[kind]...)
		sort.Slice(objs, func(i, j int) bool {
			_, a := nsName(objs[i])
			_, b := nsName(objs[j])
			return a < b
		})
		for _, o := range objs {
			_, name := nsName(o)
			if !webhookRE.MatchString(name) {
				continue
			}
			hooks := map[string]any{}
			list, _ := o["webhooks"].([]any)
			for _, x := range list {
				w, _ := x.(map[string]any)
				n, _ := w["name"].(string)
				h := map[string]any{"failurePolicy": "Fail", "timeoutSeconds": 10, "rules": []any{}, "namespaceSelector": map[string]any{}}
				if fp, ok := w["failurePolicy"].(string); ok && fp != "" {
					h["failurePolicy"] = fp
				}
				switch t := w["timeoutSeconds"].(type) {
				case float64:
					h["timeoutSeconds"] = int(t)
				case int:
					h["timeoutSeconds"] = t
				case json.Number:
					if i, err := t.Int64(); err == nil {
						h["timeoutSeconds"] = int(i)
					}
				}
				if r, ok := w["rules"].([]any); ok {
					h["rules"] = r
				}
				if sel, ok := w["namespaceSelector"].(map[string]any); ok {
					h["namespaceSelector"] = sel
				}
				hooks[n] = h
			}
			return map[string]any{"kind": kind, "configuration": name, "webhooks": hooks}
		}
	}
	return nil
}

func nsName(obj map[string]any) (ns, name string) {
	md, _ := obj["metadata"].(map[string]any)
	ns, _ = md["namespace"].(string)
	name, _ = md["name"].(string)
	return ns, name
}

func controlled(obj map[string]any) bool {
	md, _ := obj["metadata"].(map[string]any)
	refs, _ := md["ownerReferences"].([]any)
	for _, r := range refs {
		if m, ok := r.(map[string]any); ok && m["controller"] == true {
			return true
		}
	}
	return false
}

func sortedSet(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return dedupe(out)
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// digest is a short, stable hash of a JSON-able value (map keys sorted by
// encoding/json).
func digest(v any) string {
	raw, _ := json.Marshal(v)
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])[:16]
}

func labelsOrEmpty(l map[string]string) map[string]string {
	if l == nil {
		return map[string]string{}
	}
	return l
}

func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// value converts a JSON-able Go value to the OPA value that encoding/json
// followed by ast.InterfaceToValue gives, without the JSON round trip that
// ast.InterfaceToValue makes for structs, typed slices and typed maps (the
// derived views, nodes, API groups and objects by kind). Types with their own
// JSON or text encoding still go through encoding/json. Equal object
// references and string lists that share their backing array (a role's
// rules, repeated in every grant) become one shared term, which OPA never
// modifies.
func value(x any) (ast.Value, error) {
	return newConverter().value(x)
}

// newConverter makes a converter; the terms it shares are those of the
// values it converts.
func newConverter() *converter {
	return &converter{strs: map[string]*ast.Term{}, refs: map[snapshot.Ref]*ast.Term{}, secretRefs: map[snapshot.SecretRef]*ast.Term{}, lists: map[list]*ast.Term{}}
}

type converter struct {
	// Terms by value for the comparable values the views repeat: object
	// references, and secret references (a reference to a missing Secret
	// is in references, missing and exposed alike). Typed maps: hashing
	// them as interfaces was a fifth of converting the views.
	refs       map[snapshot.Ref]*ast.Term
	secretRefs map[snapshot.SecretRef]*ast.Term
	lists      map[list]*ast.Term
	strs       map[string]*ast.Term // see str
}

// list identifies a []string by its backing array and length.
type list struct {
	data uintptr
	n    int
}

func (c *converter) value(x any) (ast.Value, error) {
	switch x := x.(type) {
	case nil:
		return ast.Null{}, nil
	case ast.Value:
		return x, nil
	case string:
		return ast.String(x), nil
	case bool:
		return ast.Boolean(x), nil
	case json.Number:
		return numberValue(x)
	case map[string]any:
		kvs := make([][2]*ast.Term, 0, len(x))
		for k, e := range x {
			t, err := c.elem(e)
			if err != nil {
				return nil, err
			}
			kvs = append(kvs, [2]*ast.Term{c.str(k), t})
		}
		return ast.NewObject(kvs...), nil
	case []any:
		return arrayOf(c, x)
	case []map[string]any:
		return arrayOf(c, x)
	}
	return c.reflect(reflect.ValueOf(x))
}

// projected converts x onto p: what p reads whole as value converts it, and
// of a map or a struct only the members p reads something of.
func (c *converter) projected(x any, p engine.Projection) (ast.Value, error) {
	if p.Whole() {
		return c.value(x)
	}
	if m, ok := x.(map[string]any); ok {
		kvs := make([][2]*ast.Term, 0, len(m))
		for k, e := range m {
			if cp, ok := p.Child(k); ok {
				v, err := c.projected(e, cp)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", k, err)
				}
				kvs = append(kvs, [2]*ast.Term{c.str(k), ast.NewTerm(v)})
			}
		}
		return ast.NewObject(kvs...), nil
	}
	v := reflect.ValueOf(x)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return ast.Null{}, nil
		}
		v = v.Elem()
	}
	fs, ok := []field(nil), false
	if v.Kind() == reflect.Struct && !marshals(v.Type()) {
		fs, ok = fieldsOf(v.Type())
	}
	if !ok {
		return c.value(x) // anything else is converted whole
	}
	kvs := make([][2]*ast.Term, 0, len(fs))
	for _, f := range fs {
		cp, read := p.Child(f.name)
		if !read {
			continue
		}
		fv, err := v.FieldByIndexErr(f.index)
		if err != nil || (f.omitEmpty && empty(fv)) {
			continue // as in reflect
		}
		val, err := c.projected(fv.Interface(), cp)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.name, err)
		}
		kvs = append(kvs, [2]*ast.Term{c.str(f.name), ast.NewTerm(val)})
	}
	return ast.NewObject(kvs...), nil
}

// numberValue is a json.Number as encoding/json writes it: an empty one is
// 0, an invalid one an error.
func numberValue(n json.Number) (ast.Value, error) {
	if n == "" {
		n = "0"
	}
	if _, err := n.Float64(); err != nil {
		return nil, fmt.Errorf("invalid number %q", string(n))
	}
	return ast.Number(n), nil
}

var (
	jsonNumber    = reflect.TypeFor[json.Number]()
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	stringsType   = reflect.TypeFor[[]string]()
	refType       = reflect.TypeFor[snapshot.Ref]()
	secretRefType = reflect.TypeFor[snapshot.SecretRef]()
	marshalers    sync.Map // reflect.Type -> bool: has its own JSON or text encoding
)

func marshals(t reflect.Type) bool {
	if m, ok := marshalers.Load(t); ok {
		return m.(bool)
	}
	p := reflect.PointerTo(t)
	m := t.Implements(jsonMarshaler) || t.Implements(textMarshaler) || p.Implements(jsonMarshaler) || p.Implements(textMarshaler)
	marshalers.Store(t, m)
	return m
}

// term converts v to a term, shared for references and string lists
// already converted.
func (c *converter) term(v reflect.Value) (*ast.Term, error) {
	switch v.Type() {
	case refType:
		return c.ref(addressed[snapshot.Ref](v)), nil
	case secretRefType:
		return c.secretRef(addressed[snapshot.SecretRef](v)), nil
	case stringsType:
		if v.Len() == 0 {
			break
		}
		k := list{v.Pointer(), v.Len()}
		if t, ok := c.lists[k]; ok {
			return t, nil
		}
		ts := make([]*ast.Term, v.Len())
		for i := range ts {
			ts[i] = ast.StringTerm(v.Index(i).String())
		}
		t := ast.ArrayTerm(ts...)
		c.lists[k] = t
		return t, nil
	}
	val, err := c.reflect(v)
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(val), nil
}

func (c *converter) reflect(v reflect.Value) (ast.Value, error) {
	if !v.IsValid() {
		return ast.Null{}, nil
	}
	t := v.Type()
	if t == jsonNumber {
		return numberValue(json.Number(v.String()))
	}
	if marshals(t) {
		return viaJSON(v)
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ast.Null{}, nil
		}
		if v.Kind() == reflect.Interface {
			return c.value(v.Elem().Interface())
		}
		return c.reflect(v.Elem())
	case reflect.String:
		return ast.String(v.String()), nil
	case reflect.Bool:
		return ast.Boolean(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return ast.Number(strconv.FormatInt(v.Int(), 10)), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return ast.Number(strconv.FormatUint(v.Uint(), 10)), nil
	case reflect.Float32, reflect.Float64:
		return viaJSON(v) // encoding/json's float format, and its error for NaN
	case reflect.Slice:
		if v.IsNil() {
			return ast.Null{}, nil
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return viaJSON(v) // base64
		}
		fallthrough
	case reflect.Array:
		ts := make([]*ast.Term, v.Len())
		for i := range ts {
			e, err := c.term(v.Index(i))
			if err != nil {
				return nil, err
			}
			ts[i] = e
		}
		return ast.NewArray(ts...), nil
	case reflect.Map:
		if v.IsNil() {
			return ast.Null{}, nil
		}
		if t.Key().Kind() != reflect.String || marshals(t.Key()) {
			return viaJSON(v)
		}
		kvs := make([][2]*ast.Term, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			e, err := c.term(it.Value())
			if err != nil {
				return nil, err
			}
			kvs = append(kvs, [2]*ast.Term{c.str(it.Key().String()), e})
		}
		return ast.NewObject(kvs...), nil
	case reflect.Struct:
		fs, ok := fieldsOf(t)
		if !ok {
			return viaJSON(v)
		}
		kvs := make([][2]*ast.Term, 0, len(fs))
		for _, f := range fs {
			fv, err := v.FieldByIndexErr(f.index)
			if err != nil { // through a nil embedded pointer: encoding/json omits it too
				continue
			}
			if f.omitEmpty && empty(fv) {
				continue
			}
			e, err := c.term(fv)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
			kvs = append(kvs, [2]*ast.Term{c.str(f.name), e})
		}
		return ast.NewObject(kvs...), nil
	}
	return viaJSON(v)
}

// elem converts a member of a map or slice to a term, a string through str.
func (c *converter) elem(x any) (*ast.Term, error) {
	if s, ok := x.(string); ok {
		return c.str(s), nil
	}
	v, err := c.value(x)
	if err != nil {
		return nil, err
	}
	return ast.NewTerm(v), nil
}

// str is the term of a string, made once per distinct string: objects of a
// kind repeat their keys and many of their values.
func (c *converter) str(s string) *ast.Term {
	t, ok := c.strs[s]
	if !ok {
		t = ast.StringTerm(s)
		c.strs[s] = t
	}
	return t
}

// addressed is v's value, of type K, read in place when v is addressable
// (no copy to the heap).
func addressed[K any](v reflect.Value) K {
	if v.CanAddr() {
		return *v.Addr().Interface().(*K)
	}
	return v.Interface().(K)
}

// ref is the term of an object reference, made once per distinct one and
// without reflection: the views hold hundreds of thousands of them. It is
// what encoding/json writes for a Ref (TestRefTerms).
func (c *converter) ref(r snapshot.Ref) *ast.Term {
	if t, ok := c.refs[r]; ok {
		return t
	}
	kvs := make([][2]*ast.Term, 0, 4)
	kvs = append(kvs, [2]*ast.Term{c.str("apiVersion"), c.str(r.APIVersion)}, [2]*ast.Term{c.str("kind"), c.str(r.Kind)})
	if r.Namespace != "" {
		kvs = append(kvs, [2]*ast.Term{c.str("namespace"), c.str(r.Namespace)})
	}
	kvs = append(kvs, [2]*ast.Term{c.str("name"), c.str(r.Name)})
	t := ast.ObjectTerm(kvs...)
	c.refs[r] = t
	return t
}

// secretRef is the term of a secret reference, as ref is of an object
// reference: a reference to a missing Secret is in references, missing and
// exposed alike.
func (c *converter) secretRef(r snapshot.SecretRef) *ast.Term {
	if t, ok := c.secretRefs[r]; ok {
		return t
	}
	t := ast.ObjectTerm(
		[2]*ast.Term{c.str("namespace"), c.str(r.Namespace)},
		[2]*ast.Term{c.str("secret"), c.str(r.Secret)},
		[2]*ast.Term{c.str("from"), c.ref(r.From)},
		[2]*ast.Term{c.str("via"), c.str(r.Via)},
		[2]*ast.Term{c.str("path"), c.str(r.Path)},
		[2]*ast.Term{c.str("key"), c.str(r.Key)},
		[2]*ast.Term{c.str("optional"), ast.InternedTerm(r.Optional)},
		[2]*ast.Term{c.str("controlled"), ast.InternedTerm(r.Controlled)},
	)
	c.secretRefs[r] = t
	return t
}

// viaJSON converts what value does not handle itself through encoding/json.
func viaJSON(v reflect.Value) (ast.Value, error) {
	raw, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, err
	}
	return ast.ValueFromReader(bytes.NewReader(raw))
}

// field is one JSON member of a struct type: its name, the index path to
// it (through embedded structs) and whether it is omitted when empty.
type field struct {
	name      string
	index     []int
	omitEmpty bool
}

type structFields struct {
	fields []field
	ok     bool
}

var fieldCache sync.Map // reflect.Type -> structFields

// fieldsOf lists the JSON members of a struct type as encoding/json would,
// for the tags the views use (names, omitempty, "-", embedded structs). It
// returns false for what it does not mirror (",string", omitzero, a name
// clash between embedded structs), which then goes through encoding/json.
func fieldsOf(t reflect.Type) ([]field, bool) {
	if c, ok := fieldCache.Load(t); ok {
		sf := c.(structFields)
		return sf.fields, sf.ok
	}
	var all []field
	ok := true
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(append([]int(nil), index...), i)
			ft := sf.Type
			if sf.Anonymous && name == "" {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, idx)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			f := field{name: name, index: idx}
			for _, o := range strings.Split(opts, ",") {
				switch o {
				case "omitempty":
					f.omitEmpty = true
				case "string", "omitzero":
					ok = false
				}
			}
			if f.name == "" {
				f.name = sf.Name
			}
			all = append(all, f)
		}
	}
	walk(t, nil)
	// The shallowest field of a name wins; two at the same depth are a clash.
	shallowest := map[string]int{}
	clash := map[string]bool{}
	for _, f := range all {
		d, seen := shallowest[f.name]
		switch {
		case !seen || len(f.index) < d:
			shallowest[f.name], clash[f.name] = len(f.index), false
		case len(f.index) == d:
			clash[f.name] = true
		}
	}
	var out []field
	for _, f := range all {
		if clash[f.name] {
			ok = false
		}
		if len(f.index) == shallowest[f.name] {
			out = append(out, f)
		}
	}
	fieldCache.Store(t, structFields{out, ok})
	return out, ok
}

// empty is encoding/json's test for omitempty.
func empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// arrayOf converts a slice element by element; a nil slice is null, as
// encoding/json writes it.
func arrayOf[E any](c *converter, xs []E) (ast.Value, error) {
	if xs == nil {
		return ast.Null{}, nil
	}
	ts := make([]*ast.Term, len(xs))
	for i, e := range xs {
		t, err := c.elem(any(e))
		if err != nil {
			return nil, err
		}
		ts[i] = t
	}
	return ast.NewArray(ts...), nil
}
