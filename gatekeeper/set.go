// Package gatekeeper runs Gatekeeper ConstraintTemplates and Constraints
// unchanged: the constraint framework's client
// (github.com/open-policy-agent/frameworks/constraint) validates them, our
// Rego driver (rego.go) compiles each template as the framework's Rego
// driver does and evaluates it with a prepared query, constraints match
// objects with Gatekeeper's own match package, and data.inventory is filled
// in Gatekeeper's layout. It also runs gator Suite files (Verify).
//
// A Set compiles each template once. Reviews are safe for concurrent use;
// each review carries its own enforcement point and inventory, so the scan,
// the audit and the webhook share one compiled Set.
package gatekeeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	templatesv1 "github.com/open-policy-agent/frameworks/constraint/pkg/apis/templates/v1"
	templatesv1alpha1 "github.com/open-policy-agent/frameworks/constraint/pkg/apis/templates/v1alpha1"
	templatesv1beta1 "github.com/open-policy-agent/frameworks/constraint/pkg/apis/templates/v1beta1"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client"
	"github.com/open-policy-agent/frameworks/constraint/pkg/core/templates"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/match"
	mutationtypes "github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/target"
	"github.com/open-policy-agent/opa/v1/ast"
	yamlv3 "go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Enforcement points, as Gatekeeper names them. scopedEnforcementActions
// select actions by these names ("*" means all of them).
const (
	PointScan    = "gator.gatekeeper.sh"      // policy scan and policy verify, like gator
	PointAudit   = "audit.gatekeeper.sh"      // policy audit
	PointWebhook = "validation.gatekeeper.sh" // the admission webhook
)

// Groups of Gatekeeper objects.
const (
	TemplatesGroup   = "templates.gatekeeper.sh"
	ConstraintsGroup = "constraints.gatekeeper.sh"
)

// Annotations read from templates and constraints.
const (
	TitleAnnotation       = "metadata.gatekeeper.sh/title"
	DescriptionAnnotation = "description"
	SeverityAnnotation    = "fleetguard.dev/severity"
)

// ErrUnsupported marks a template this package cannot run: one whose only
// implementation is CEL (engine K8sNativeValidation).
var ErrUnsupported = errors.New("unsupported ConstraintTemplate")

// IsTemplate reports whether a document is a ConstraintTemplate.
func IsTemplate(d Doc) bool {
	gvk := d.Obj.GroupVersionKind()
	return gvk.Group == TemplatesGroup && gvk.Kind == "ConstraintTemplate"
}

// IsConstraint reports whether a document is a Constraint.
func IsConstraint(d Doc) bool {
	return d.Obj.GroupVersionKind().Group == ConstraintsGroup
}

// Template is a parsed ConstraintTemplate and where it was read from.
type Template struct {
	Name        string // metadata.name
	Kind        string // the constraint kind it defines
	Title       string // metadata.gatekeeper.sh/title annotation, else Kind
	Description string // description annotation
	File        string
	Line        int
	// regoLines[i] is the file line of the first line of module i: the
	// entry point, then each lib. 0 when unknown.
	regoLines []int
	inventory bool // its Rego mentions data.inventory
	t         *templates.ConstraintTemplate
}

// UsesInventory reports whether the template's Rego reads data.inventory,
// so callers can skip building an inventory nobody reads.
func (t *Template) UsesInventory() bool { return t.inventory }

// ParseTemplate converts a ConstraintTemplate document (v1, v1beta1 or
// v1alpha1) to the framework's form. A template with only CEL code is
// ErrUnsupported, named in the error.
func ParseTemplate(d Doc) (*Template, error) {
	where := fmt.Sprintf("%s:%d: ConstraintTemplate %q", d.File, firstContentLine(d), d.Obj.GetName())
	if !IsTemplate(d) {
		return nil, fmt.Errorf("%s:%d: not a ConstraintTemplate (%s %s)", d.File, d.Line, d.Obj.GetAPIVersion(), d.Obj.GetKind())
	}
	raw, err := d.Obj.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	var ct *templates.ConstraintTemplate
	switch d.Obj.GroupVersionKind().Version {
	case "v1":
		var v templatesv1.ConstraintTemplate
		if err = json.Unmarshal(raw, &v); err == nil {
			ct, err = v.ToVersionless()
		}
	case "v1beta1":
		var v templatesv1beta1.ConstraintTemplate
		if err = json.Unmarshal(raw, &v); err == nil {
			ct, err = v.ToVersionless()
		}
	case "v1alpha1":
		var v templatesv1alpha1.ConstraintTemplate
		if err = json.Unmarshal(raw, &v); err == nil {
			ct, err = v.ToVersionless()
		}
	default:
		err = fmt.Errorf("unknown apiVersion %s", d.Obj.GetAPIVersion())
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	t := &Template{
		Name: ct.Name, Kind: ct.Spec.CRD.Spec.Names.Kind, File: d.File, Line: firstContentLine(d), t: ct,
		Title: ct.Annotations[TitleAnnotation], Description: strings.TrimSpace(ct.Annotations[DescriptionAnnotation]),
	}
	if t.Title == "" {
		t.Title = t.Kind
	}
	if t.Kind == "" {
		return nil, fmt.Errorf("%s: spec.crd.spec.names.kind is required", where)
	}
	if len(ct.Spec.Targets) != 1 {
		return nil, fmt.Errorf("%s: want exactly one target, got %d", where, len(ct.Spec.Targets))
	}
	hasRego := false
	var engines []string
	for _, c := range ct.Spec.Targets[0].Code {
		engines = append(engines, c.Engine)
		if c.Engine == "Rego" {
			hasRego = true
		}
	}
	if !hasRego {
		return nil, fmt.Errorf("%s: %w: it has no Rego code (engines: %s); only Rego templates run here, CEL-only templates (K8sNativeValidation) are not supported", where, ErrUnsupported, strings.Join(engines, ", "))
	}
	t.regoLines = regoLines(d)
	t.inventory = strings.Contains(string(d.Text), "data.inventory")
	return t, nil
}

// regoLines finds the file lines where the template's Rego entry point and
// libs start, for error messages.
func regoLines(d Doc) []int {
	var root yamlv3.Node
	if yamlv3.Unmarshal(d.Text, &root) != nil || len(root.Content) == 0 {
		return nil
	}
	start := func(n *yamlv3.Node) int {
		if n == nil {
			return 0
		}
		line := n.Line
		if n.Style&(yamlv3.LiteralStyle|yamlv3.FoldedStyle) != 0 {
			line++ // the text starts on the line after "|"
		}
		return d.Line + line - 1
	}
	tgt := get(get(get(root.Content[0], "spec"), "targets"), 0)
	src := get(tgt, "rego")
	libs := get(tgt, "libs")
	if src == nil {
		code := get(tgt, "code")
		for i := 0; code != nil && i < len(code.Content); i++ {
			c := code.Content[i]
			if e := get(c, "engine"); e != nil && e.Value == "Rego" {
				src = get(get(c, "source"), "rego")
				libs = get(get(c, "source"), "libs")
			}
		}
	}
	lines := []int{start(src)}
	for i := 0; libs != nil && i < len(libs.Content); i++ {
		lines = append(lines, start(libs.Content[i]))
	}
	return lines
}

// get returns a mapping's value for a string key, or a sequence's element
// for an int key.
func get(n *yamlv3.Node, key any) *yamlv3.Node {
	if n == nil {
		return nil
	}
	switch k := key.(type) {
	case string:
		if n.Kind != yamlv3.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				return n.Content[i+1]
			}
		}
	case int:
		if n.Kind == yamlv3.SequenceNode && k < len(n.Content) {
			return n.Content[k]
		}
	}
	return nil
}

// moduleRef matches the driver's module names in compile errors: template0
// (or template) is the entry point, templateN and libs["lib_N"] the libs.
var moduleRef = regexp.MustCompile(`(template(\d*)|libs\["lib_(\d+)"\]):(\d+)`)

// locate rewrites the driver's module positions as file lines.
func (t *Template) locate(msg string) string {
	return moduleRef.ReplaceAllStringFunc(msg, func(m string) string {
		sub := moduleRef.FindStringSubmatch(m)
		mod := 0
		switch {
		case sub[3] != "":
			n, _ := strconv.Atoi(sub[3])
			mod = n + 1
		case sub[2] != "":
			mod, _ = strconv.Atoi(sub[2])
		}
		row, _ := strconv.Atoi(sub[4])
		what := "rego"
		if mod > 0 {
			what = fmt.Sprintf("libs[%d]", mod-1)
		}
		if mod < len(t.regoLines) && t.regoLines[mod] > 0 {
			return fmt.Sprintf("%s:%d (%s line %d)", t.File, t.regoLines[mod]+row-1, what, row)
		}
		return fmt.Sprintf("%s line %d", what, row)
	})
}

// Constraint is a Constraint added to a Set.
type Constraint struct {
	Kind string
	Name string
	File string
	Line int
	// Action is spec.enforcementAction: deny (the default), warn, dryrun or scoped.
	Action string
	// Severity is the fleetguard.dev/severity annotation, "" when absent.
	Severity string
	Template *Template
	obj      *unstructured.Unstructured
	params   *ast.Term // spec.parameters, as input.parameters
	match    *match.Match
	scoped   map[string][]string // enforcement point -> actions, when Action is scoped
}

// ID returns "Kind/name", the constraint's policy id.
func (c *Constraint) ID() string { return c.Kind + "/" + c.Name }

// Kinds returns the kinds the constraint matches, as "group/Kind" (or Kind
// for the core group), or ["*"] when it matches every kind.
func (c *Constraint) Kinds() []string {
	if c.match == nil || len(c.match.Kinds) == 0 {
		return []string{"*"}
	}
	var out []string
	for _, k := range c.match.Kinds {
		for _, g := range k.APIGroups {
			for _, kind := range k.Kinds {
				switch {
				case g == "*" || kind == "*":
					return []string{"*"}
				case g == "":
					out = append(out, kind)
				default:
					out = append(out, g+"/"+kind)
				}
			}
		}
	}
	if len(out) == 0 {
		return []string{"*"}
	}
	return out
}

// ActionFor returns the enforcement action at an enforcement point: the
// constraint's action, or for a scoped constraint the most severe of its
// actions for that point (deny, then warn, then dryrun). It returns "" when
// a scoped constraint does not apply at the point.
func (c *Constraint) ActionFor(point string) string {
	if c.Action != "scoped" {
		return c.Action
	}
	acts := c.scoped[point]
	for _, a := range []string{"deny", "warn", "dryrun"} {
		for _, x := range acts {
			if strings.EqualFold(x, a) {
				return a
			}
		}
	}
	if len(acts) > 0 {
		sort.Strings(acts)
		return acts[0]
	}
	return ""
}

// Set is a compiled collection of templates and constraints. Reviews are
// safe for concurrent use; adding and removing are not concurrent with
// reviews of the same constraints.
type Set struct {
	client *client.Client
	driver *driver

	mu        sync.RWMutex
	templates map[string]*Template // by kind
}

var allPoints = []string{PointScan, PointAudit, PointWebhook}

// NewSet returns an empty Set with Gatekeeper's Kubernetes validation
// target. The frameworks client validates templates and constraints; its
// Rego driver is ours (rego.go), which compiles each template once into a
// prepared query.
func NewSet() (*Set, error) {
	d := newDriver()
	c, err := client.NewClient(client.Targets(&target.K8sValidationTarget{}), client.Driver(d), client.EnforcementPoints(allPoints...))
	if err != nil {
		return nil, fmt.Errorf("creating constraint client: %w", err)
	}
	return &Set{client: c, driver: d, templates: map[string]*Template{}}, nil
}

// AddTemplate compiles a template. Errors name the template and the file
// line of the Rego that failed.
func (s *Set) AddTemplate(ctx context.Context, t *Template) error {
	if _, err := s.client.AddTemplate(ctx, t.t); err != nil {
		return fmt.Errorf("%s:%d: ConstraintTemplate %q: %s", t.File, t.Line, t.Name, t.locate(err.Error()))
	}
	s.mu.Lock()
	s.templates[t.Kind] = t
	s.mu.Unlock()
	return nil
}

// Template returns the template of a constraint kind, or nil.
func (s *Set) Template(kind string) *Template {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.templates[kind]
}

// AddConstraint validates a Constraint document against its template's
// parameter schema and adds it. Errors name the file, line and constraint.
func (s *Set) AddConstraint(ctx context.Context, d Doc) (*Constraint, error) {
	u := d.Obj.DeepCopy()
	where := fmt.Sprintf("%s:%d: %s %q", d.File, firstContentLine(d), u.GetKind(), u.GetName())
	t := s.Template(u.GetKind())
	if t == nil {
		return nil, fmt.Errorf("%s: no ConstraintTemplate defines kind %s", where, u.GetKind())
	}
	if _, err := s.client.AddConstraint(ctx, u); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	c := &Constraint{Kind: u.GetKind(), Name: u.GetName(), File: d.File, Line: firstContentLine(d), Template: t, obj: u}
	params, err := paramsOf(u)
	if err != nil {
		s.client.RemoveConstraint(ctx, u)
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	c.params = params
	c.Severity = u.GetAnnotations()[SeverityAnnotation]
	action, _, _ := unstructured.NestedString(u.Object, "spec", "enforcementAction")
	if action == "" {
		action = "deny"
	}
	c.Action = action
	if action == "scoped" {
		eps, err := scopedActions(u)
		if err != nil {
			s.client.RemoveConstraint(ctx, u)
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		c.scoped = eps
	}
	if m, found, _ := unstructured.NestedMap(u.Object, "spec", "match"); found && m != nil {
		raw, err := json.Marshal(m)
		if err == nil {
			c.match = &match.Match{}
			err = json.Unmarshal(raw, c.match)
		}
		if err != nil {
			s.client.RemoveConstraint(ctx, u)
			return nil, fmt.Errorf("%s: spec.match: %w", where, err)
		}
	}
	return c, nil
}

func scopedActions(u *unstructured.Unstructured) (map[string][]string, error) {
	list, found, err := unstructured.NestedSlice(u.Object, "spec", "scopedEnforcementActions")
	if err != nil || !found {
		return nil, fmt.Errorf("enforcementAction scoped needs spec.scopedEnforcementActions: [{action, enforcementPoints: [{name}]}]")
	}
	out := map[string][]string{}
	for i, item := range list {
		m, _ := item.(map[string]any)
		action, _ := m["action"].(string)
		points, _ := m["enforcementPoints"].([]any)
		if action == "" {
			return nil, fmt.Errorf("spec.scopedEnforcementActions[%d].action is required", i)
		}
		for _, p := range points {
			pm, _ := p.(map[string]any)
			name, _ := pm["name"].(string)
			if name == "*" {
				for _, ep := range allPoints {
					out[ep] = append(out[ep], action)
				}
				continue
			}
			out[name] = append(out[name], action)
		}
	}
	return out, nil
}

// RemoveConstraint removes a constraint added by AddConstraint.
func (s *Set) RemoveConstraint(ctx context.Context, c *Constraint) error {
	_, err := s.client.RemoveConstraint(ctx, c.obj)
	return err
}

// Review is one object to review, or one admission request.
type Review struct {
	// Object and OldObject are the object under review; OldObject in
	// admission UPDATE and DELETE.
	Object, OldObject map[string]any
	// Operation and UserInfo are the admission request's; empty in a scan.
	Operation string
	UserInfo  map[string]any
	// Request, when set, is a whole AdmissionRequest (from an AdmissionReview)
	// and the fields above are ignored.
	Request map[string]any
	// Namespace is the object's Namespace, for namespaceSelector and, at the
	// audit and webhook points, input.review.namespaceObject (as Gatekeeper
	// gives it there; gator gives null). When nil it is looked up in the
	// inventory for matching.
	Namespace map[string]any
	// ObjectValue and NamespaceValue, when set, are Object and Namespace
	// already converted by Value; they save converting them again.
	ObjectValue, NamespaceValue ast.Value
	// Point is the enforcement point; empty means PointScan.
	Point string
	// Inventory is data.inventory for this review; nil means empty.
	Inventory *Inventory
}

// Violation is one result of one constraint.
type Violation struct {
	Msg     string
	Details map[string]any
}

// Outcome is what one constraint concluded about the reviewed object. A
// constraint that matched and found nothing has an Outcome with no
// violations: a pass.
type Outcome struct {
	Constraint *Constraint
	Action     string // the enforcement action at the review's point
	Violations []Violation
}

// Review evaluates the constraints cs against r and returns an Outcome for
// every constraint that applies at the point and matches the object, in the
// order of cs. Match errors (a namespaceSelector on an object whose
// Namespace is unknown) are violations, as Gatekeeper autorejects them.
func (s *Set) Review(ctx context.Context, r *Review, cs []*Constraint) ([]Outcome, error) {
	point := r.Point
	if point == "" {
		point = PointScan
	}
	req, err := r.request()
	if err != nil {
		return nil, err
	}
	obj, old, err := r.objects(req)
	if err != nil {
		return nil, err
	}
	ns, err := r.namespace(obj, old)
	if err != nil {
		return nil, err
	}
	op, _ := req["operation"].(string)
	var outs []Outcome
	var matched []int // indexes into outs of constraints to evaluate
	for _, c := range cs {
		action := c.ActionFor(point)
		if action == "" {
			continue
		}
		if point == PointWebhook && !matchesOperation(c.Template.t, op) {
			continue
		}
		ok, merr := matchAny(c.match, ns, obj, old)
		if merr != nil {
			// Gatekeeper's autoreject message, word for word.
			outs = append(outs, Outcome{Constraint: c, Action: action, Violations: []Violation{{Msg: "unable to match constraints: " + merr.Error()}}})
			continue
		}
		if !ok {
			continue
		}
		matched = append(matched, len(outs))
		outs = append(outs, Outcome{Constraint: c, Action: action})
	}
	if len(matched) == 0 {
		return outs, nil
	}
	review, err := r.value(req, point)
	if err != nil {
		return nil, err
	}
	if InventoryFrom(ctx) != r.Inventory {
		ctx = WithInventory(ctx, r.Inventory)
	}
	for _, i := range matched {
		if err := ctx.Err(); err != nil {
			return nil, err // the caller's deadline passed: no verdict, not a violation
		}
		c := outs[i].Constraint
		p := s.driver.program(c.Kind)
		if p == nil {
			return nil, fmt.Errorf("missing ConstraintTemplate for kind %s", c.Kind)
		}
		vs, err := p.eval(ctx, review, c.params)
		if err != nil {
			return nil, fmt.Errorf("evaluating constraint %s: %w", c.ID(), err)
		}
		sort.SliceStable(vs, func(a, b int) bool { return vs[a].Msg < vs[b].Msg })
		outs[i].Violations = vs
	}
	return outs, nil
}

// value builds input.review as Gatekeeper's driver gives it to templates:
// the AdmissionRequest as JSON (see Value), with namespaceObject, which
// Gatekeeper's audit and webhook fill with the object's Namespace and gator
// leaves null. The object's and the Namespace's values are r.ObjectValue
// and r.NamespaceValue when the caller has them.
func (r *Review) value(req map[string]any, point string) (*ast.Term, error) {
	o := ast.NewObject()
	for k, x := range req {
		var v ast.Value
		var err error
		if k == "object" && r.Request == nil && r.ObjectValue != nil && r.Operation != "DELETE" {
			v = r.ObjectValue
		} else if v, _, err = Value(x); err != nil {
			return nil, fmt.Errorf("converting review %s: %w", k, err)
		}
		o.Insert(ast.StringTerm(k), ast.NewTerm(v))
	}
	nsObj := ast.NullTerm()
	if r.Namespace != nil && (point == PointAudit || point == PointWebhook) {
		v := r.NamespaceValue
		if v == nil {
			var err error
			if v, _, err = Value(r.Namespace); err != nil {
				return nil, fmt.Errorf("converting the namespace object: %w", err)
			}
		}
		nsObj = ast.NewTerm(v)
	}
	o.Insert(ast.StringTerm("namespaceObject"), nsObj)
	return ast.NewTerm(o), nil
}

func matchesOperation(t *templates.ConstraintTemplate, op string) bool {
	if len(t.Spec.Targets) != 1 || len(t.Spec.Targets[0].Operations) == 0 {
		return true
	}
	for _, o := range t.Spec.Targets[0].Operations {
		if string(o) == op || o == "*" {
			return true
		}
	}
	return false
}

// matchAny applies Gatekeeper's match to the object and, failing that, to
// the old object, as Gatekeeper's target does.
func matchAny(m *match.Match, ns *corev1.Namespace, objs ...*unstructured.Unstructured) (bool, error) {
	if m == nil {
		return true, nil
	}
	seen := 0
	for _, o := range objs {
		if o == nil || o.Object == nil {
			continue
		}
		seen++
		ok, err := match.Matches(m, &match.Matchable{Object: o, Namespace: ns, Source: mutationtypes.SourceTypeOriginal})
		if err != nil {
			return false, fmt.Errorf("error matching the requested object: %v :%w", o.GetName(), err)
		}
		if ok {
			return true, nil
		}
	}
	if seen == 0 {
		return false, errors.New("neither object nor oldObject is set")
	}
	return false, nil
}

// request builds the AdmissionRequest-shaped review the templates see as
// input.review, as Gatekeeper's target builds it.
func (r *Review) request() (map[string]any, error) {
	if r.Request != nil {
		req := r.Request
		if req["operation"] == "DELETE" {
			old, _ := req["oldObject"].(map[string]any)
			if old == nil {
				return nil, errors.New("oldObject cannot be nil for DELETE operations")
			}
			cp := make(map[string]any, len(req))
			for k, v := range req {
				cp[k] = v
			}
			cp["object"] = old
			req = cp
		}
		return req, nil
	}
	obj := r.Object
	if obj == nil {
		obj = r.OldObject
	}
	if obj == nil {
		return nil, errors.New("review has no object")
	}
	u := unstructured.Unstructured{Object: obj}
	gvk := u.GroupVersionKind()
	userInfo := r.UserInfo
	if userInfo == nil {
		userInfo = map[string]any{}
	}
	req := map[string]any{
		"uid":       "",
		"kind":      map[string]any{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind},
		"resource":  map[string]any{"group": "", "version": "", "resource": ""},
		"operation": r.Operation,
		"userInfo":  userInfo,
	}
	if n := u.GetName(); n != "" {
		req["name"] = n
	}
	if ns := u.GetNamespace(); ns != "" {
		req["namespace"] = ns
	}
	if r.Object != nil {
		req["object"] = r.Object
	}
	if r.OldObject != nil {
		req["oldObject"] = r.OldObject
	}
	if r.Operation == "DELETE" {
		if r.OldObject == nil {
			return nil, errors.New("oldObject cannot be nil for DELETE operations")
		}
		req["object"] = r.OldObject
	}
	return req, nil
}

func (r *Review) objects(req map[string]any) (obj, old *unstructured.Unstructured, err error) {
	if o, ok := req["object"].(map[string]any); ok && o != nil {
		obj = &unstructured.Unstructured{Object: o}
	}
	if o, ok := req["oldObject"].(map[string]any); ok && o != nil {
		old = &unstructured.Unstructured{Object: o}
	}
	if obj == nil && old == nil {
		return nil, nil, errors.New("the request has neither object nor oldObject")
	}
	return obj, old, nil
}

func (r *Review) namespace(obj, old *unstructured.Unstructured) (*corev1.Namespace, error) {
	if r.Namespace != nil {
		var n corev1.Namespace
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(r.Namespace, &n); err != nil {
			return nil, fmt.Errorf("namespace object: %w", err)
		}
		return &n, nil
	}
	name := ""
	if ns, _ := r.Request["namespace"].(string); ns != "" {
		name = ns
	} else if obj != nil {
		name = obj.GetNamespace()
	} else if old != nil {
		name = old.GetNamespace()
	}
	if name == "" {
		return nil, nil
	}
	return r.Inventory.Namespace(name), nil
}
