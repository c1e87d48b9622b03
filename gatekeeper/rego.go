package gatekeeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/drivers/rego/schema"
	clienterrors "github.com/open-policy-agent/frameworks/constraint/pkg/client/errors"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/reviews"
	"github.com/open-policy-agent/frameworks/constraint/pkg/core/templates"
	"github.com/open-policy-agent/frameworks/constraint/pkg/regorewriter"
	"github.com/open-policy-agent/frameworks/constraint/pkg/types"
	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The frameworks Rego driver's layout, reproduced so that templates compile
// and behave exactly as under Gatekeeper: the entry point is package
// data.template, libs live under data.libs, data.inventory is the only
// other data a template may read, and the hook module is compiled beside
// the template (so its type checks apply) though evaluation queries the
// template directly.
const (
	templatePath   = "template"
	libPrefix      = "libs"
	libRoot        = "data.lib"
	hookModulePath = "hooks.hooks_builtin"
	hookModuleRego = `package hooks

violation[response] {
  key := input.constraints[_]
  inp := {
    "review": input.review,
    "parameters": data.constraints[key.kind][key.name],
  }
  data.template.violation[r] with input as inp
  response := {
    "key": key,
    "details": object.get(r, "details", {}),
    "msg": r.msg,
  }
}
`
	// violationQuery is what the hook computes for one constraint: every
	// violation's message and details (details default to {}).
	violationQuery = `data.template.violation[r]; m := r.msg; d := object.get(r, "details", {})`
)

var (
	hookModule   = ast.MustParseModuleWithOpts(hookModuleRego, ast.ParserOptions{RegoVersion: ast.RegoV0})
	capabilities = ast.CapabilitiesForThisVersion()
	varM, varD   = ast.Var("m"), ast.Var("d")
)

// program is one template compiled once, with a prepared query evaluated
// per constraint and object.
type program struct {
	query rego.PreparedEvalQuery
}

// driver is the Rego driver the frameworks client is given: the client
// validates templates and constraints (CRD schemas, match schema,
// enforcement actions) and calls it, and it compiles every template once
// into a prepared query. Set.Review evaluates those directly, with an input
// built once per object.
type driver struct {
	store storage.Store

	mu       sync.RWMutex
	programs map[string]*program  // by constraint kind
	params   map[string]*ast.Term // by "Kind/name", for Query
}

var _ drivers.Driver = (*driver)(nil)

func newDriver() *driver {
	return &driver{store: newRoutedStore(), programs: map[string]*program{}, params: map[string]*ast.Term{}}
}

// Name is the engine name templates declare for Rego code.
func (d *driver) Name() string { return schema.Name }

// AddTemplate compiles the template's Rego, as the frameworks driver does
// (same module names, so compile errors read the same).
func (d *driver) AddTemplate(ctx context.Context, ct *templates.ConstraintTemplate) error {
	if len(ct.Spec.Targets) != 1 {
		return fmt.Errorf("%w: want exactly one target", clienterrors.ErrInvalidConstraintTemplate)
	}
	mods, err := parseTarget(&ct.Spec.Targets[0])
	if err != nil {
		return err
	}
	c := ast.NewCompiler().WithCapabilities(capabilities).WithEnablePrintStatements(false)
	modules := map[string]*ast.Module{hookModulePath: hookModule}
	for i, m := range mods {
		modules[fmt.Sprintf("%s%d", templatePath, i)] = m
	}
	if c.Compile(modules); c.Failed() {
		return fmt.Errorf("%w: %v", clienterrors.ErrCompile, c.Errors)
	}
	q, err := rego.New(
		rego.Query(violationQuery),
		rego.Compiler(c),
		rego.Store(d.store),
		rego.SetRegoVersion(ast.RegoV1),
	).PrepareForEval(ctx)
	if err != nil {
		return fmt.Errorf("%w: preparing the template query: %v", clienterrors.ErrCompile, err)
	}
	d.mu.Lock()
	d.programs[ct.Spec.CRD.Spec.Names.Kind] = &program{query: q}
	d.mu.Unlock()
	return nil
}

// parseTarget parses the entry point and libs of the target's Rego code in
// their declared Rego version and namespaces them as the frameworks driver
// does: package data.template, libs under data.libs.
func parseTarget(t *templates.Target) ([]*ast.Module, error) {
	var code *templates.Code
	for i := range t.Code {
		if t.Code[i].Engine == schema.Name {
			code = &t.Code[i]
			break
		}
	}
	if code == nil {
		return nil, errors.New("could not extract Rego from the constraint template")
	}
	src, err := schema.GetSource(*code)
	if err != nil {
		return nil, err
	}
	version := ast.RegoV0
	if src.Version == "v1" {
		version = ast.RegoV1
	}
	rr, err := regorewriter.New(regorewriter.NewPackagePrefixer(libPrefix), []string{libRoot}, []string{"data.inventory"})
	if err != nil {
		return nil, fmt.Errorf("creating rego rewriter: %w", err)
	}
	entry, err := parseModule(templatePath, version, src.Rego)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", clienterrors.ErrInvalidConstraintTemplate, err)
	}
	entry.Package.Path = ast.Ref{ast.VarTerm("data")}.Extend(ast.Ref{ast.VarTerm(templatePath)})
	if !hasRule(entry, "violation") {
		return nil, fmt.Errorf("%w: invalid rego: %v: missing required rules: [violation]",
			clienterrors.ErrInvalidConstraintTemplate, clienterrors.ErrInvalidModule)
	}
	rr.AddEntryPointModule(templatePath, entry)
	for i, lib := range src.Libs {
		path := fmt.Sprintf(`%s["lib_%d"]`, libPrefix, i)
		m, err := parseModule(path, version, lib)
		if err == nil {
			err = rr.AddLib(path, m)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", clienterrors.ErrInvalidConstraintTemplate, err)
		}
	}
	sources, err := rr.Rewrite()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", clienterrors.ErrInvalidConstraintTemplate, err)
	}
	var mods []*ast.Module
	for _, m := range sources.EntryPoints {
		mods = append(mods, m.Module)
	}
	for _, m := range sources.Libs {
		mods = append(mods, m.Module)
	}
	return mods, nil
}

func parseModule(path string, version ast.RegoVersion, src string) (*ast.Module, error) {
	m, err := ast.ParseModuleWithOpts(path, src, ast.ParserOptions{RegoVersion: version})
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%w: module %q is empty", clienterrors.ErrInvalidModule, templatePath)
	}
	return m, nil
}

func hasRule(m *ast.Module, name string) bool {
	for _, r := range m.Rules {
		if string(r.Head.Name) == name {
			return true
		}
	}
	return false
}

// RemoveTemplate forgets a template's program.
func (d *driver) RemoveTemplate(_ context.Context, ct *templates.ConstraintTemplate) error {
	d.mu.Lock()
	delete(d.programs, ct.Spec.CRD.Spec.Names.Kind)
	d.mu.Unlock()
	return nil
}

// AddConstraint records a constraint's parameters ({} when absent).
func (d *driver) AddConstraint(_ context.Context, u *unstructured.Unstructured) error {
	p, err := paramsOf(u)
	if err != nil {
		return err
	}
	d.mu.Lock()
	d.params[u.GetKind()+"/"+u.GetName()] = p
	d.mu.Unlock()
	return nil
}

// paramsOf returns spec.parameters as the value templates see as
// input.parameters.
func paramsOf(u *unstructured.Unstructured) (*ast.Term, error) {
	params, _, err := unstructured.NestedFieldNoCopy(u.Object, "spec", "parameters")
	if err != nil {
		return nil, fmt.Errorf("spec.parameters: %w", err)
	}
	if params == nil {
		params = map[string]any{}
	}
	v, err := ast.InterfaceToValue(params)
	if err != nil {
		return nil, fmt.Errorf("spec.parameters: %w", err)
	}
	return ast.NewTerm(v), nil
}

// RemoveConstraint forgets a constraint's parameters.
func (d *driver) RemoveConstraint(_ context.Context, u *unstructured.Unstructured) error {
	d.mu.Lock()
	delete(d.params, u.GetKind()+"/"+u.GetName())
	d.mu.Unlock()
	return nil
}

// AddData is not used: data.inventory is given per review (Inventory).
func (d *driver) AddData(context.Context, string, storage.Path, any) error { return nil }

// RemoveData is not used: data.inventory is given per review (Inventory).
func (d *driver) RemoveData(context.Context, string, storage.Path) error { return nil }

// Query evaluates constraints against a review, for callers that go through
// the frameworks client; Set.Review does not.
func (d *driver) Query(ctx context.Context, _ string, cs []*unstructured.Unstructured, review any, _ ...reviews.ReviewOpt) (*drivers.QueryResponse, error) {
	raw, err := json.Marshal(review)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	rv, err := ast.InterfaceToValue(m)
	if err != nil {
		return nil, err
	}
	rv.(ast.Object).Insert(ast.InternedTerm("namespaceObject"), ast.NullTerm())
	resp := &drivers.QueryResponse{}
	for _, u := range cs {
		d.mu.RLock()
		prog, params := d.programs[u.GetKind()], d.params[u.GetKind()+"/"+u.GetName()]
		d.mu.RUnlock()
		if prog == nil || params == nil {
			continue
		}
		vs, err := prog.eval(ctx, ast.NewTerm(rv), params)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			resp.Results = append(resp.Results, &types.Result{Msg: v.Msg, Metadata: map[string]any{"details": v.Details}, Constraint: u})
		}
	}
	return resp, nil
}

// Dump is not supported.
func (d *driver) Dump(context.Context) (string, error) { return "", errors.New("not supported") }

// GetDescriptionForStat reports that this driver gathers no stats.
func (d *driver) GetDescriptionForStat(name string) (string, error) {
	return "", fmt.Errorf("unknown stat name %q", name)
}

func (d *driver) program(kind string) *program {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.programs[kind]
}

var (
	keyReview     = ast.InternedTerm("review")
	keyParameters = ast.InternedTerm("parameters")
)

// eval runs the template for one constraint: input is {"review": review,
// "parameters": params}, as the hook module builds it. Violations are
// distinct by message and details, as the hook's set makes them. An
// evaluation error becomes a violation carrying the error, as in the
// frameworks driver; a cancelled or expired context is returned as an error.
func (p *program) eval(ctx context.Context, review, params *ast.Term) ([]Violation, error) {
	input := ast.NewObject([2]*ast.Term{keyReview, review}, [2]*ast.Term{keyParameters, params})
	rs, err := p.query.Eval(ctx, rego.EvalParsedInput(input))
	if err != nil {
		if ctx.Err() != nil {
			// A cancelled or expired evaluation is not a verdict: callers
			// answer it with their failure policy, never as a violation.
			return nil, ctx.Err()
		}
		return []Violation{{Msg: err.Error()}}, nil
	}
	out := make([]Violation, 0, len(rs))
	var seen map[string]bool
	for _, r := range rs {
		msg, ok := r.Bindings[string(varM)].(string)
		if !ok {
			return nil, fmt.Errorf("extracting message binding: .msg accessor error: %v is of the type %T, expected string", r.Bindings[string(varM)], r.Bindings[string(varM)])
		}
		details := r.Bindings[string(varD)]
		if len(rs) > 1 {
			key, _ := json.Marshal([]any{msg, details})
			if seen == nil {
				seen = map[string]bool{}
			}
			if seen[string(key)] {
				continue
			}
			seen[string(key)] = true
		}
		v := Violation{Msg: msg}
		v.Details, _ = details.(map[string]any)
		out = append(out, v)
	}
	return out, nil
}

// Value converts a Kubernetes object (JSON-compatible maps) to the value
// templates see, exactly as Gatekeeper's driver makes it: the driver
// round-trips reviews through encoding/json, so integers of a million or
// more become floats (1e+06) there. plain reports whether the result is
// also what ast.InterfaceToValue gives, so a caller may share it with
// other policies.
func Value(obj any) (v ast.Value, plain bool, err error) {
	if jsonExact(obj, 0) {
		v, err = ast.InterfaceToValue(obj)
		return v, true, err
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, false, err
	}
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		return nil, false, err
	}
	v, err = ast.InterfaceToValue(x)
	return v, false, err
}

// jsonExact reports whether a JSON round trip leaves x's Rego value as it
// is: no integer of magnitude 1e6 or more, no number in another spelling.
func jsonExact(x any, depth int) bool {
	if depth > 1000 {
		return false
	}
	switch v := x.(type) {
	case nil, bool, string, float64, []string, map[string]string:
		return true
	case int:
		return v > -1e6 && v < 1e6
	case int64:
		return v > -1e6 && v < 1e6
	case json.Number:
		f, err := v.Float64()
		return err == nil && !math.IsInf(f, 0) && strconv.FormatFloat(f, 'g', -1, 64) == string(v)
	case []any:
		for _, e := range v {
			if !jsonExact(e, depth+1) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range v {
			if !jsonExact(e, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
