package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/fleetguard/fleetguard/internal/schema"
	"github.com/fleetguard/fleetguard/policies"
)

// violationRule is the rule name every finding-producing policy defines.
const violationRule = "violation"

var compiledMetadataSchema = schema.Compiled("metadata.schema.json", policies.MetadataSchema, false)

// regoPolicy is a policy implemented by a Rego package with a violation rule.
type regoPolicy struct {
	Policy
	pkg ast.Ref // data.fleetguard.object.pod.privileged
	// project is what an object policy can read of its input, when that is
	// known (memo.go); reads is the same set when its verdicts are
	// memoised.
	project, reads *readSet
}

// policiesFromModules reads the METADATA of every package that defines a
// violation rule, validates it against policies/metadata.schema.json, and
// returns the policies sorted by id. Errors name the file, line and rule.
func policiesFromModules(c *ast.Compiler) ([]regoPolicy, error) {
	metaSchema, err := compiledMetadataSchema()
	if err != nil {
		return nil, fmt.Errorf("compiling metadata schema: %w", err)
	}
	as := c.GetAnnotationSet()
	var out []regoPolicy
	var errs []string
	seen := map[string]string{}
	names := make([]string, 0, len(c.Modules))
	for name := range c.Modules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m := c.Modules[name]
		var rule *ast.Rule
		for _, r := range m.Rules {
			if r.Head.Name.String() == violationRule || (len(r.Head.Reference) > 0 && r.Head.Reference[0].Value.Compare(ast.Var(violationRule)) == 0) {
				rule = r
				break
			}
		}
		if rule == nil {
			continue
		}
		ann := as.GetPackageScope(m.Package)
		if ann == nil {
			for _, a := range as.GetRuleScope(rule) {
				ann = a
				break
			}
		}
		where := fmt.Sprintf("%s:%d: rule %q in package %s", name, rule.Location.Row, violationRule, strings.TrimPrefix(m.Package.Path.String(), "data."))
		if ann == nil {
			errs = append(errs, where+": missing # METADATA annotation (title, description, custom.id, severity, scope, controls, remediation)")
			continue
		}
		doc := map[string]any{"title": ann.Title, "description": ann.Description}
		if ann.Title == "" {
			delete(doc, "title")
		}
		if ann.Description == "" {
			delete(doc, "description")
		}
		if ann.Custom != nil {
			doc["custom"] = ann.Custom
		}
		if err := validateJSON(metaSchema, doc); err != nil {
			errs = append(errs, where+": invalid METADATA: "+err.Error())
			continue
		}
		p, err := policyFromAnnotation(ann)
		if err != nil {
			errs = append(errs, where+": invalid METADATA: "+err.Error())
			continue
		}
		p.File, p.Line = name, ann.Location.Row
		if other, dup := seen[p.ID]; dup {
			errs = append(errs, fmt.Sprintf("%s: policy id %s is already used by %s", where, p.ID, other))
			continue
		}
		seen[p.ID] = where
		out = append(out, regoPolicy{Policy: p, pkg: m.Package.Path})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("policy metadata:\n  %s", strings.Join(errs, "\n  "))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// validateJSON validates a Go value against schema after a JSON round trip,
// which gives the validator the plain types it expects.
func validateJSON(s *jsonschema.Schema, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	if err := s.Validate(doc); err != nil {
		problems := schema.Problems(err)
		if problems == nil {
			return err
		}
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.String()
		}
		return errors.New(strings.Join(lines, "; "))
	}
	return nil
}

func policyFromAnnotation(a *ast.Annotations) (Policy, error) {
	raw, err := json.Marshal(a.Custom)
	if err != nil {
		return Policy{}, err
	}
	var c struct {
		ID          string              `json:"id"`
		Severity    Severity            `json:"severity"`
		Scope       string              `json:"scope"`
		Kinds       []string            `json:"kinds"`
		Controls    map[string][]string `json:"controls"`
		Remediation string              `json:"remediation"`
		Enforcement string              `json:"enforcement"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return Policy{}, err
	}
	return Policy{
		ID: c.ID, Title: a.Title, Description: strings.TrimSpace(a.Description),
		Severity: c.Severity, Scope: c.Scope, Kinds: c.Kinds, Controls: c.Controls,
		Remediation: strings.TrimSpace(c.Remediation), Enforcement: c.Enforcement,
	}, nil
}
