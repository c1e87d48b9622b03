package webhook

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/gatekeeper"
)

// Decisions, as counted in metrics and written to the decision log.
const (
	DecisionAllow      = "allow"       // no finding, or only dryrun findings
	DecisionDeny       = "deny"        // at least one deny finding
	DecisionWarn       = "warn"        // warn findings only: admitted with warnings
	DecisionExempt     = "exempt"      // exempt namespace or exemption label
	DecisionSkip       = "skip"        // operation not evaluated (DELETE, CONNECT by default)
	DecisionFailOpen   = "fail-open"   // no answer in time, or an error: admitted
	DecisionFailClosed = "fail-closed" // no answer in time, or an error: denied
)

// DefaultExemptLabels are the namespace labels that exempt every object in
// the namespace: Gatekeeper's and ours. The label's presence counts, not its value.
var DefaultExemptLabels = []string{"admission.gatekeeper.sh/ignore", "fleetguard.dev/ignore"}

// Namespaces looks up Namespace objects by name, for policies that read
// input.namespace and for the exemption label. Implementations must be safe
// for concurrent use.
type Namespaces interface {
	// Namespace returns the Namespace object as a JSON map, if known.
	Namespace(name string) (map[string]any, bool)
}

// Fired is one policy that found a violation in a request.
type Fired struct {
	ID          string `json:"id"`
	Enforcement string `json:"enforcement"`
}

// Verdict is the webhook's answer to one request, before it is written.
type Verdict struct {
	Response *admissionv1.AdmissionResponse
	Decision string
	Reason   string // why a fail-open, fail-closed, exempt or skip answer was given
	Fired    []Fired
	Revision string
	Duration time.Duration // evaluation only
}

// review decides one decoded request.
func (s *Server) review(ctx context.Context, req *Request) Verdict {
	v := Verdict{Response: &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}}
	switch req.Operation {
	case admissionv1.Delete:
		if !s.cfg.EvalDelete {
			v.Decision, v.Reason = DecisionSkip, "DELETE is not evaluated"
			return v
		}
	case admissionv1.Connect:
		if !s.cfg.EvalConnect {
			v.Decision, v.Reason = DecisionSkip, "CONNECT is not evaluated"
			return v
		}
	}
	ns := s.namespaceOf(req)
	if reason := s.exempt(req, ns); reason != "" {
		v.Decision, v.Reason = DecisionExempt, reason
		return v
	}
	cur := s.cfg.Bundles.Current()
	if cur == nil {
		return s.fail(v, "no policy bundle is loaded yet")
	}
	v.Revision = cur.Revision
	in := &engine.ObjectInput{
		Object:    req.Object,
		OldObject: req.OldObject,
		Operation: string(req.Operation),
		UserInfo:  userInfo(req.UserInfo),
		Namespace: ns,
		Cluster:   s.cfg.Cluster,
		// Gatekeeper's validation point.
		EnforcementPoint: gatekeeper.PointWebhook,
	}
	if inv := s.cfg.Inventory; inv != nil && cur.Engine.UsesInventory() {
		// Answering from a partial inventory would admit conflicts silently.
		snap, ok := inv.current()
		if !ok {
			return s.fail(v, "the inventory for referential policies has not synced yet")
		}
		in.Inventory = snap
	}
	if in.Object == nil { // DELETE: policies see the object being deleted
		in.Object = req.OldObject
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	start := time.Now()
	verdict, err := s.evaluate(ctx, cur.Engine, in)
	v.Duration = time.Since(start)
	s.m.duration.Observe(v.Duration.Seconds())
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return s.fail(v, fmt.Sprintf("policy evaluation exceeded its %s deadline", s.cfg.Timeout))
		}
		return s.fail(v, "policy evaluation failed: "+err.Error())
	}
	return s.decide(v, verdict.Findings)
}

// evaluate runs the engine on the request's goroutine (whose stack is
// already grown from earlier requests on the connection; a fresh goroutine
// per request spent a quarter of the CPU growing stacks). OPA stops
// evaluation when ctx is done. A panic in evaluation becomes an error.
func (s *Server) evaluate(ctx context.Context, eng *engine.Engine, in *engine.ObjectInput) (v engine.ObjectVerdict, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = engine.ObjectVerdict{}, fmt.Errorf("panic in evaluation: %v", r)
		}
	}()
	v, err = s.evalFn(ctx, eng, in)
	if err == nil && ctx.Err() != nil {
		return v, ctx.Err() // answered after the deadline: too late to count
	}
	return v, err
}

// decide turns findings into the answer, per policy enforcement.
func (s *Server) decide(v Verdict, findings []engine.Finding) Verdict {
	var deny, warn, dryrun []string
	for _, f := range findings {
		enf := f.Enforcement
		switch enf {
		case "warn":
			warn = append(warn, findingLine(f))
		case "dryrun":
			dryrun = append(dryrun, f.PolicyID)
		default: // none or unknown: deny
			enf = "deny"
			deny = append(deny, findingLine(f))
		}
		s.m.violations.WithLabelValues(f.PolicyID, enf).Inc()
		if fired := (Fired{ID: f.PolicyID, Enforcement: enf}); !slices.Contains(v.Fired, fired) {
			v.Fired = append(v.Fired, fired)
		}
	}
	sort.Slice(v.Fired, func(i, j int) bool { return v.Fired[i].ID < v.Fired[j].ID })
	r := v.Response
	r.Warnings = warn
	if len(dryrun) > 0 {
		slices.Sort(dryrun)
		r.AuditAnnotations = map[string]string{"dryrun-violations": strings.Join(slices.Compact(dryrun), ",")}
	}
	switch {
	case len(deny) > 0:
		r.Allowed = false
		r.Result = &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    403,
			Reason:  metav1.StatusReasonForbidden,
			Message: strings.Join(deny, "; "),
		}
		v.Decision = DecisionDeny
	case len(warn) > 0:
		v.Decision = DecisionWarn
	default:
		v.Decision = DecisionAllow
	}
	return v
}

// findingLine is how a deny or warn finding reads in the answer.
func findingLine(f engine.Finding) string {
	return fmt.Sprintf("[%s] %s: %s", f.PolicyID, f.Title, f.Message)
}

// fail gives the configured fail-open or fail-closed answer, with the reason.
func (s *Server) fail(v Verdict, reason string) Verdict {
	v.Reason = reason
	r := v.Response
	if s.cfg.FailOpen {
		v.Decision = DecisionFailOpen
		r.Allowed = true
		r.Warnings = []string{"fleetguard: " + reason + "; admitted (fail-open)"}
		r.AuditAnnotations = map[string]string{"fail-open": reason}
		return v
	}
	v.Decision = DecisionFailClosed
	r.Allowed = false
	r.Result = &metav1.Status{
		Status:  metav1.StatusFailure,
		Code:    500,
		Reason:  metav1.StatusReasonInternalError,
		Message: "fleetguard: " + reason + "; denied (fail-closed)",
	}
	return v
}

// namespaceOf returns the request's Namespace object: the object itself for
// a Namespace, else from the cache.
func (s *Server) namespaceOf(req *Request) map[string]any {
	if req.Kind.Group == "" && req.Kind.Kind == "Namespace" {
		if req.Object != nil {
			return req.Object
		}
		return req.OldObject
	}
	if req.Namespace == "" || s.cfg.Namespaces == nil {
		return nil
	}
	ns, _ := s.cfg.Namespaces.Namespace(req.Namespace)
	return ns
}

// exempt returns why the request is exempt, or "".
func (s *Server) exempt(req *Request, ns map[string]any) string {
	name := req.Namespace
	if req.Kind.Group == "" && req.Kind.Kind == "Namespace" {
		name = req.Name
	}
	if name != "" && s.exemptNS[name] {
		return fmt.Sprintf("namespace %q is exempt", name)
	}
	md, _ := ns["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	for _, l := range s.cfg.ExemptLabels {
		if _, ok := labels[l]; ok {
			return fmt.Sprintf("namespace %q has the exemption label %s", name, l)
		}
	}
	return ""
}

// userInfo converts admission userInfo to the policy input's plain form.
func userInfo(u authenticationv1.UserInfo) map[string]any {
	groups := make([]any, len(u.Groups))
	for i, g := range u.Groups {
		groups[i] = g
	}
	extra := make(map[string]any, len(u.Extra))
	for k, vs := range u.Extra {
		l := make([]any, len(vs))
		for i, v := range vs {
			l[i] = v
		}
		extra[k] = l
	}
	return map[string]any{"username": u.Username, "uid": u.UID, "groups": groups, "extra": extra}
}
