package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/fleetguard/fleetguard/gatekeeper"
)

// GatekeeperDir is the bundle directory that holds Gatekeeper
// ConstraintTemplates and Constraints (see docs/gatekeeper.md). Every
// .yaml, .yml and .json file below it is read; documents of other kinds
// are ignored.
const GatekeeperDir = "gatekeeper"

// DefaultConstraintSeverity is the severity of a constraint's findings when
// it has no fleetguard.dev/severity annotation.
const DefaultConstraintSeverity = SeverityMedium

// constraintSet is the bundle's Gatekeeper part: one compiled Set and the
// constraints kept by the engine's policy filters, with their metadata.
type constraintSet struct {
	set         *gatekeeper.Set
	constraints []*gatekeeper.Constraint
	policies    []Policy // parallel to constraints
	warnings    []InputError
	byPtr       map[*gatekeeper.Constraint]*Policy // set by filter, for evalConstraints
}

// loadConstraints compiles the templates and constraints under
// GatekeeperDir in the bundle's files. A template that fails to compile, or
// a constraint that fails its schema, is an error naming the file and line.
// CEL-only templates, and their constraints, are skipped with a warning.
func loadConstraints(ctx context.Context, b *Bundle) (*constraintSet, error) {
	cs := &constraintSet{}
	if b.FS == nil {
		return cs, nil
	}
	var docs []gatekeeper.Doc
	err := fs.WalkDir(b.FS, GatekeeperDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(path.Ext(p)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		if d.IsDir() {
			return nil
		}
		data, err := fs.ReadFile(b.FS, p)
		if err != nil {
			return err
		}
		ds, err := gatekeeper.ReadDocs(p, data)
		if err != nil {
			return err
		}
		docs = append(docs, ds...)
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return cs, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Gatekeeper files of bundle %s: %w", b.Source, err)
	}
	set, err := gatekeeper.NewSet()
	if err != nil {
		return nil, err
	}
	cs.set = set
	unsupported := map[string]string{} // kind -> reason
	for _, d := range docs {
		if !gatekeeper.IsTemplate(d) {
			continue
		}
		t, err := gatekeeper.ParseTemplate(d)
		if err == nil {
			err = set.AddTemplate(ctx, t)
		}
		switch {
		case errors.Is(err, gatekeeper.ErrUnsupported):
			kind, _, _ := unstructured.NestedString(d.Obj.Object, "spec", "crd", "spec", "names", "kind")
			unsupported[kind] = err.Error()
			cs.warnings = append(cs.warnings, InputError{File: d.File, Line: d.Line, Message: err.Error() + "; its constraints are skipped", Warning: true})
		case err != nil:
			return nil, fmt.Errorf("bundle %s: %w", b.Source, err)
		}
	}
	seen := map[string]string{}
	for _, d := range docs {
		if !gatekeeper.IsConstraint(d) {
			continue
		}
		if _, skip := unsupported[d.Obj.GetKind()]; skip {
			continue
		}
		c, err := set.AddConstraint(ctx, d)
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", b.Source, err)
		}
		if other, dup := seen[c.ID()]; dup {
			return nil, fmt.Errorf("bundle %s: %s:%d: constraint %s is already defined at %s", b.Source, c.File, c.Line, c.ID(), other)
		}
		seen[c.ID()] = fmt.Sprintf("%s:%d", c.File, c.Line)
		p, err := constraintPolicy(c)
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", b.Source, err)
		}
		cs.constraints = append(cs.constraints, c)
		cs.policies = append(cs.policies, p)
	}
	sort.Sort(byID{cs})
	return cs, nil
}

// constraintPolicy derives a constraint's policy metadata: id Kind/name,
// the template's title and description, severity from the
// fleetguard.dev/severity annotation (default medium).
func constraintPolicy(c *gatekeeper.Constraint) (Policy, error) {
	sev := DefaultConstraintSeverity
	if c.Severity != "" {
		s, ok := ParseSeverity(c.Severity)
		if !ok {
			return Policy{}, fmt.Errorf("%s:%d: %s: annotation %s %q: want critical, high, medium, low or info", c.File, c.Line, c.ID(), gatekeeper.SeverityAnnotation, c.Severity)
		}
		sev = s
	}
	enf := c.ActionFor(gatekeeper.PointScan)
	if c.Action != "scoped" || enf == "" {
		enf = c.Action
	}
	return Policy{
		ID: c.ID(), Title: c.Template.Title, Description: c.Template.Description, Severity: sev,
		Scope: "object", Kinds: c.Kinds(), Enforcement: enf, File: c.File, Line: c.Line,
	}, nil
}

type byID struct{ *constraintSet }

func (s byID) Len() int           { return len(s.constraints) }
func (s byID) Less(i, j int) bool { return s.policies[i].ID < s.policies[j].ID }
func (s byID) Swap(i, j int) {
	s.constraints[i], s.constraints[j] = s.constraints[j], s.constraints[i]
	s.policies[i], s.policies[j] = s.policies[j], s.policies[i]
}

// has reports whether the bundle defines a constraint with this policy id.
func (cs *constraintSet) has(id string) bool {
	for _, p := range cs.policies {
		if p.ID == id {
			return true
		}
	}
	return false
}

// filter keeps the constraints the engine's --policy and --skip-policy
// options keep.
func (cs *constraintSet) filter(include, skip map[string]bool) *constraintSet {
	out := &constraintSet{set: cs.set, warnings: cs.warnings}
	for i, p := range cs.policies {
		if (len(include) > 0 && !include[p.ID]) || skip[p.ID] {
			continue
		}
		out.constraints = append(out.constraints, cs.constraints[i])
		out.policies = append(out.policies, p)
	}
	out.byPtr = make(map[*gatekeeper.Constraint]*Policy, len(out.constraints))
	for i, c := range out.constraints {
		out.byPtr[c] = &out.policies[i]
	}
	return out
}

// evalConstraints reviews one object against every constraint and appends
// findings and passes to v. A constraint that matches and finds nothing is
// a pass, as for our own policies. obj and ns, when not nil, are the object
// and its Namespace already converted by gatekeeper.Value.
func (e *Engine) evalConstraints(ctx context.Context, in *ObjectInput, inv *gatekeeper.Inventory, obj, ns ast.Value, v *ObjectVerdict) error {
	if !e.hasConstraints() {
		return nil
	}
	cs := e.constraints
	point := in.EnforcementPoint
	if point == "" {
		point = gatekeeper.PointScan
		if in.Operation != "" {
			point = gatekeeper.PointWebhook
		}
	}
	r := &gatekeeper.Review{
		Object: in.Object, OldObject: in.OldObject, Operation: in.Operation, UserInfo: in.UserInfo,
		Namespace: in.Namespace, Point: point, Inventory: inv, ObjectValue: obj, NamespaceValue: ns,
	}
	if in.Operation == "DELETE" && in.OldObject == nil {
		r.OldObject = in.Object // the webhook may hand the deleted object as Object
	}
	outs, err := cs.set.Review(ctx, r, cs.constraints)
	if err != nil {
		return fmt.Errorf("evaluating constraints on %s: %w", v.Resource, err)
	}
	for _, out := range outs {
		p := cs.byPtr[out.Constraint] // Review returns only constraints of cs.constraints
		if len(out.Violations) == 0 {
			v.Passed = append(v.Passed, p.ID)
			continue
		}
		for _, x := range out.Violations {
			v.Findings = append(v.Findings, Finding{
				PolicyID: p.ID, Title: p.Title, Severity: p.Severity, Resource: v.Resource,
				Message: x.Msg, Details: DetailsOf(x.Details), Cluster: in.Cluster.Name, Scope: "object",
				Enforcement: out.Action, Source: in.Source,
			})
		}
	}
	return nil
}

func (cs *constraintSet) usesInventory() bool {
	for _, c := range cs.constraints {
		if c.Template.UsesInventory() {
			return true
		}
	}
	return false
}

// hasConstraints reports whether the engine evaluates any constraint.
func (e *Engine) hasConstraints() bool {
	return e.constraints != nil && len(e.constraints.constraints) > 0
}

// UsesInventory reports whether any constraint's template reads
// data.inventory, so callers build an inventory (ObjectInput.Inventory)
// only when a template reads it.
func (e *Engine) UsesInventory() bool {
	return e.hasConstraints() && e.constraints.usesInventory()
}

// scanInventory gives a scan its default data.inventory: the scanned
// objects, when a template reads it. Objects the inventory cannot hold (no
// kind or name) are left out of it, not of the scan.
func (e *Engine) scanInventory(objs []*ObjectInput) *gatekeeper.Inventory {
	if !e.UsesInventory() {
		return nil
	}
	list := make([]map[string]any, len(objs))
	for i, in := range objs {
		list[i] = in.Object
	}
	inv, err := gatekeeper.Collect(list)
	if err != nil {
		return nil
	}
	return inv
}
