package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Severity ranks findings. Its zero value is SeverityInfo.
type Severity int

// Severities, from least to most severe.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lower-case name used in metadata and reports.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return "unknown"
	}
	return severityNames[s]
}

// ParseSeverity parses a severity name as written in policy metadata.
func ParseSeverity(name string) (Severity, bool) {
	for i, n := range severityNames {
		if n == name {
			return Severity(i), true
		}
	}
	return 0, false
}

// MarshalText writes the severity's name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity's name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, ok := ParseSeverity(string(b))
	if !ok {
		return fmt.Errorf("unknown severity %q (want critical, high, medium, low or info)", b)
	}
	*s = v
	return nil
}

// Resource names the Kubernetes object a finding or a pass is about.
type Resource struct {
	APIVersion string `json:"apiVersion,omitempty" yaml:"apiVersion,omitempty"`
	Kind       string `json:"kind,omitempty" yaml:"kind,omitempty"`
	Namespace  string `json:"namespace,omitempty" yaml:"namespace,omitempty"`
	Name       string `json:"name,omitempty" yaml:"name,omitempty"`
}

// String returns kind/namespace/name, or kind/name for cluster-scoped objects.
func (r Resource) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

// Source is where an object was read from in a scan. Line is 1-based.
type Source struct {
	File string `json:"file,omitempty" yaml:"file,omitempty"`
	Line int    `json:"line,omitempty" yaml:"line,omitempty"`
}

// Policy is the metadata of one policy, as declared in its METADATA annotation
// or derived from a Gatekeeper constraint.
type Policy struct {
	ID          string              `json:"id" yaml:"id"`
	Title       string              `json:"title" yaml:"title"`
	Description string              `json:"description,omitempty" yaml:"description,omitempty"`
	Severity    Severity            `json:"severity" yaml:"severity"`
	Scope       string              `json:"scope" yaml:"scope"`
	Kinds       []string            `json:"kinds,omitempty" yaml:"kinds,omitempty"`
	Controls    map[string][]string `json:"controls,omitempty" yaml:"controls,omitempty"`
	Remediation string              `json:"remediation,omitempty" yaml:"remediation,omitempty"`
	// Enforcement is deny, warn or dryrun. Empty means deny.
	Enforcement string `json:"enforcement,omitempty" yaml:"enforcement,omitempty"`
	// File and Line locate the METADATA block (or the constraint) in the bundle.
	File string `json:"file,omitempty" yaml:"file,omitempty"`
	Line int    `json:"line,omitempty" yaml:"line,omitempty"`
}

// Finding is one violation of one policy by one resource.
type Finding struct {
	PolicyID    string              `json:"policyId" yaml:"policyId"`
	Title       string              `json:"title" yaml:"title"`
	Severity    Severity            `json:"severity" yaml:"severity"`
	Controls    map[string][]string `json:"controls,omitempty" yaml:"controls,omitempty"`
	Resource    Resource            `json:"resource" yaml:"resource"`
	Message     string              `json:"message" yaml:"message"`
	Details     Details             `json:"details,omitempty" yaml:"details,omitempty"`
	Source      *Source             `json:"source,omitempty" yaml:"source,omitempty"`
	Cluster     string              `json:"cluster,omitempty" yaml:"cluster,omitempty"`
	Scope       string              `json:"scope" yaml:"scope"`
	Enforcement string              `json:"enforcement,omitempty" yaml:"enforcement,omitempty"`
	Excepted    *AppliedException   `json:"excepted,omitempty" yaml:"excepted,omitempty"`
}

// Details is a finding's details object as compact JSON: bytes rather than
// a map, since a fleet audit holds millions of findings. It encodes as the
// object itself and decodes from any JSON layout to the compact form.
type Details []byte

// DetailsOf encodes a violation's details object; nil or empty gives nil.
// Details come from policies as JSON values, so they always encode.
func DetailsOf(m map[string]any) Details {
	if len(m) == 0 {
		return nil
	}
	b, _ := json.Marshal(m)
	return b
}

// MarshalJSON writes the details object (null when there are none).
func (d Details) MarshalJSON() ([]byte, error) {
	if len(d) == 0 {
		return []byte("null"), nil
	}
	return d, nil
}

// UnmarshalJSON keeps the object in compact form.
func (d *Details) UnmarshalJSON(b []byte) error {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return err
	}
	if *d = buf.Bytes(); string(*d) == "null" {
		*d = nil
	}
	return nil
}

// Pass records that a resource was evaluated by a policy and did not violate it.
type Pass struct {
	PolicyID string   `json:"policyId" yaml:"policyId"`
	Resource Resource `json:"resource" yaml:"resource"`
	Source   *Source  `json:"source,omitempty" yaml:"source,omitempty"`
	Cluster  string   `json:"cluster,omitempty" yaml:"cluster,omitempty"`
}

// AppliedException says which exception covers a finding.
type AppliedException struct {
	Reason   string `json:"reason" yaml:"reason"`
	Ticket   string `json:"ticket,omitempty" yaml:"ticket,omitempty"`
	Approver string `json:"approver,omitempty" yaml:"approver,omitempty"`
	Expires  string `json:"expires,omitempty" yaml:"expires,omitempty"`
}

// PolicyStats counts what one policy evaluated: the basis of every score.
type PolicyStats struct {
	Evaluated int `json:"evaluated" yaml:"evaluated"`
	Failed    int `json:"failed" yaml:"failed"`
}

// InputError is a problem with the input that did not stop the run: a file
// that could not be read, a malformed document, an object that failed to
// evaluate. Warning is true for problems that skip input without failing.
type InputError struct {
	File    string `json:"file,omitempty" yaml:"file,omitempty"`
	Line    int    `json:"line,omitempty" yaml:"line,omitempty"`
	Object  string `json:"object,omitempty" yaml:"object,omitempty"`
	Cluster string `json:"cluster,omitempty" yaml:"cluster,omitempty"`
	Message string `json:"message" yaml:"message"`
	Warning bool   `json:"warning,omitempty" yaml:"warning,omitempty"`
}

// Error formats the problem as file:line: message.
func (e InputError) Error() string {
	s := ""
	switch {
	case e.File != "" && e.Line > 0:
		s = e.File + ":" + strconv.Itoa(e.Line) + ": "
	case e.File != "":
		s = e.File + ": "
	}
	if e.Cluster != "" {
		s += fmt.Sprintf("cluster %q: ", e.Cluster)
	}
	if e.Object != "" {
		s += e.Object + ": "
	}
	return s + e.Message
}

// Provenance says what produced a Result.
type Provenance struct {
	EngineVersion   string            `json:"engineVersion" yaml:"engineVersion"`
	BundleDigest    string            `json:"bundleDigest" yaml:"bundleDigest"`
	BundleRevision  string            `json:"bundleRevision,omitempty" yaml:"bundleRevision,omitempty"`
	SnapshotDigests map[string]string `json:"snapshotDigests,omitempty" yaml:"snapshotDigests,omitempty"`
	Time            time.Time         `json:"time" yaml:"time"`
}

// Cluster states recorded in ClusterStatus.State.
const (
	ClusterComplete    = "complete"
	ClusterPartial     = "partial"
	ClusterUnreachable = "unreachable"
)

// ClusterStatus says how completely one cluster was collected and evaluated.
// A partial or unreachable cluster is never counted as compliant.
type ClusterStatus struct {
	Name           string            `json:"name" yaml:"name"`
	Context        string            `json:"context,omitempty" yaml:"context,omitempty"`
	Labels         map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	State          string            `json:"state" yaml:"state"`
	Errors         []string          `json:"errors,omitempty" yaml:"errors,omitempty"`
	MissingKinds   []string          `json:"missingKinds,omitempty" yaml:"missingKinds,omitempty"`
	ServerVersion  string            `json:"serverVersion,omitempty" yaml:"serverVersion,omitempty"`
	SnapshotDigest string            `json:"snapshotDigest,omitempty" yaml:"snapshotDigest,omitempty"`
	Objects        int               `json:"objects" yaml:"objects"`
}

// Control statuses recorded in ControlResult.Status.
const (
	ControlPass          = "pass"
	ControlFail          = "fail"
	ControlManual        = "manual"
	ControlNotApplicable = "not-applicable"
)

// ControlResult is the verdict on one framework control in one cluster
// (Cluster empty for the fleet as a whole).
type ControlResult struct {
	Framework string   `json:"framework" yaml:"framework"`
	Control   string   `json:"control" yaml:"control"`
	Title     string   `json:"title,omitempty" yaml:"title,omitempty"`
	Cluster   string   `json:"cluster,omitempty" yaml:"cluster,omitempty"`
	Status    string   `json:"status" yaml:"status"`
	Policies  []string `json:"policies,omitempty" yaml:"policies,omitempty"`
	Passed    int      `json:"passed" yaml:"passed"`
	Failed    int      `json:"failed" yaml:"failed"`
	// Evidence explains a verdict that no finding explains, such as a
	// cluster that could not be reached or kinds that could not be read.
	Evidence string `json:"evidence,omitempty" yaml:"evidence,omitempty"`
}

// Score summarises a framework's controls in one cluster (Cluster empty for
// the fleet). Percent is Passed / (Passed + Failed) * 100; manual and
// not-applicable controls do not count.
type Score struct {
	Framework     string  `json:"framework" yaml:"framework"`
	Cluster       string  `json:"cluster,omitempty" yaml:"cluster,omitempty"`
	Passed        int     `json:"passed" yaml:"passed"`
	Failed        int     `json:"failed" yaml:"failed"`
	Manual        int     `json:"manual" yaml:"manual"`
	NotApplicable int     `json:"notApplicable" yaml:"notApplicable"`
	Percent       float64 `json:"percent" yaml:"percent"`
}

// ExceptionStatus reports one exception from the exceptions document: how
// many findings it covered, and whether it has expired or went unused.
type ExceptionStatus struct {
	Policy string `json:"policy" yaml:"policy"`
	// The exception's reason, ticket, approver and expiry, as findings carry them.
	AppliedException `yaml:",inline"`
	Expired          bool `json:"expired" yaml:"expired"`
	Matched          int  `json:"matched" yaml:"matched"`
}

// Result is everything one run produced, as plain data. Reports render it
// and the store persists it; neither evaluates anything.
type Result struct {
	Findings []Finding `json:"findings" yaml:"findings"`
	Passes   []Pass    `json:"passes,omitempty" yaml:"passes,omitempty"`
	// PassCounts counts passes by cluster ("" for a scan or the fleet) and
	// policy. It is kept even when OmitPasses drops the Pass records.
	PassCounts map[string]map[string]int `json:"passCounts,omitempty" yaml:"passCounts,omitempty"`
	// OmitPasses keeps Passes empty: audits of large fleets count passes
	// (PassCounts) instead of recording every passing resource.
	OmitPasses bool                   `json:"-" yaml:"-"`
	Policies   []Policy               `json:"policies" yaml:"policies"`
	Stats      map[string]PolicyStats `json:"stats" yaml:"stats"`
	Errors     []InputError           `json:"errors,omitempty" yaml:"errors,omitempty"`
	// Clusters, Controls, Scores and Exceptions are filled by audits.
	Clusters   []ClusterStatus   `json:"clusters,omitempty" yaml:"clusters,omitempty"`
	Controls   []ControlResult   `json:"controls,omitempty" yaml:"controls,omitempty"`
	Scores     []Score           `json:"scores,omitempty" yaml:"scores,omitempty"`
	Exceptions []ExceptionStatus `json:"exceptions,omitempty" yaml:"exceptions,omitempty"`
	Provenance Provenance        `json:"provenance" yaml:"provenance"`
}

// countPasses records n passes of policy id in cluster.
func (r *Result) countPasses(cluster, id string, n int) {
	if r.PassCounts == nil {
		r.PassCounts = map[string]map[string]int{}
	}
	m := r.PassCounts[cluster]
	if m == nil {
		m = map[string]int{}
		r.PassCounts[cluster] = m
	}
	m[id] += n
}

// Merge adds another Result of the same engine to r: its findings, passes,
// pass counts, stats and errors. A Result per cluster, merged once the
// cluster is done, holds only what the cluster found, not every object's
// verdict, and grows r's findings once rather than by repeated appends.
func (r *Result) Merge(o *Result) {
	r.Findings = append(r.Findings, o.Findings...)
	r.Passes = append(r.Passes, o.Passes...)
	r.Errors = append(r.Errors, o.Errors...)
	for cluster, counts := range o.PassCounts {
		for id, n := range counts {
			r.countPasses(cluster, id, n)
		}
	}
	if r.Stats == nil {
		r.Stats = map[string]PolicyStats{}
	}
	for id, st := range o.Stats {
		s := r.Stats[id]
		s.Evaluated += st.Evaluated
		s.Failed += st.Failed
		r.Stats[id] = s
	}
}

// Count returns the number of findings at or above min that are not excepted.
func (r *Result) Count(min Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity >= min && f.Excepted == nil {
			n++
		}
	}
	return n
}

// HasErrors reports whether any input error (not a warning) was recorded.
func (r *Result) HasErrors() bool {
	for _, e := range r.Errors {
		if !e.Warning {
			return true
		}
	}
	return false
}
