package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/fleetguard/fleetguard/engine"
)

// JUnit writes JUnit XML for CI systems: one testsuite per policy and one
// testcase per resource it evaluated. A resource with findings fails (all
// its findings in one failure); a resource whose findings are all excepted
// is skipped, with the exceptions noted in system-out. Input errors form a
// last suite of errored testcases (warnings skipped).
type JUnit struct{}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// junitInputSuite names the suite that holds input errors.
const junitInputSuite = "fleetguard: input errors"

// Write implements Writer.
func (JUnit) Write(w io.Writer, r *engine.Result) error {
	policies := map[string]engine.Policy{}
	for _, p := range r.Policies {
		policies[p.ID] = p
	}
	// cases[policy][testcase name] collects the findings per resource; a
	// resource that only passed has an entry with none.
	cases := map[string]map[string][]*engine.Finding{}
	policyCases := func(policy string) map[string][]*engine.Finding {
		if cases[policy] == nil {
			cases[policy] = map[string][]*engine.Finding{}
		}
		return cases[policy]
	}
	for _, f := range sortedFindings(r) {
		pc, name := policyCases(f.PolicyID), caseName(f.Resource, f.Source, f.Cluster)
		pc[name] = append(pc[name], f)
		if _, ok := policies[f.PolicyID]; !ok {
			policies[f.PolicyID] = engine.Policy{ID: f.PolicyID, Title: f.Title, Severity: f.Severity}
		}
	}
	for _, p := range r.Passes {
		pc, name := policyCases(p.PolicyID), caseName(p.Resource, p.Source, p.Cluster)
		if _, ok := pc[name]; !ok {
			pc[name] = nil
		}
		if _, ok := policies[p.PolicyID]; !ok {
			policies[p.PolicyID] = engine.Policy{ID: p.PolicyID}
		}
	}

	ids := make([]string, 0, len(policies))
	for id := range policies {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := junitSuites{Name: "fleetguard"}
	for _, id := range ids {
		p := policies[id]
		suite := junitSuite{Name: suiteName(p)}
		names := make([]string, 0, len(cases[id]))
		for name := range cases[id] {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			tc := junitCase{Classname: id, Name: name}
			fillCase(&tc, p, cases[id][name])
			suite.add(tc)
		}
		out.add(suite)
	}
	if len(r.Errors) > 0 {
		suite := junitSuite{Name: junitInputSuite}
		for _, e := range r.Errors {
			tc := junitCase{Classname: "input", Name: errorName(e)}
			prob := &junitProblem{Message: e.Message, Type: "input", Text: e.Error()}
			if e.Warning {
				prob.Type = ""
				tc.Skipped = prob
			} else {
				tc.Error = prob
			}
			suite.add(tc)
		}
		out.add(suite)
	}

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("encoding junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// fillCase turns a resource's findings into a failure (or a skip when every
// finding is excepted) and notes exceptions in system-out.
func fillCase(tc *junitCase, p engine.Policy, findings []*engine.Finding) {
	var failing, excepted []*engine.Finding
	for _, f := range findings {
		if f.Excepted != nil {
			excepted = append(excepted, f)
		} else {
			failing = append(failing, f)
		}
	}
	var notes []string
	for _, f := range excepted {
		notes = append(notes, fmt.Sprintf("excepted: %s (%s)", oneLine(f.Message), exceptionText(f.Excepted)))
	}
	tc.SystemOut = strings.Join(notes, "\n")
	if len(failing) == 0 {
		if len(excepted) > 0 {
			tc.Skipped = &junitProblem{Message: "excepted: " + excepted[0].Excepted.Reason}
		}
		return
	}
	worst := failing[0].Severity
	msgs := make([]string, 0, len(failing))
	var body strings.Builder
	for _, f := range failing {
		worst = max(worst, f.Severity)
		msgs = append(msgs, oneLine(f.Message))
		fmt.Fprintf(&body, "[%s] %s\n", f.Severity, f.Message)
	}
	if tags := controlTags(failing[0].Controls); len(tags) > 0 {
		fmt.Fprintf(&body, "controls: %s\n", strings.Join(tags, ", "))
	}
	if p.Remediation != "" {
		fmt.Fprintf(&body, "remediation: %s\n", p.Remediation)
	}
	tc.Failure = &junitProblem{Message: strings.Join(msgs, "; "), Type: worst.String(), Text: body.String()}
}

func (s *junitSuite) add(tc junitCase) {
	s.Cases = append(s.Cases, tc)
	s.Tests++
	switch {
	case tc.Failure != nil:
		s.Failures++
	case tc.Error != nil:
		s.Errors++
	case tc.Skipped != nil:
		s.Skipped++
	}
}

func (s *junitSuites) add(suite junitSuite) {
	s.Suites = append(s.Suites, suite)
	s.Tests += suite.Tests
	s.Failures += suite.Failures
	s.Errors += suite.Errors
	s.Skipped += suite.Skipped
}

func suiteName(p engine.Policy) string {
	if p.Title == "" {
		return p.ID
	}
	return p.ID + ": " + p.Title
}

// caseName is the resource followed by where it came from: file:line for a
// scan, the cluster for an audit.
func caseName(res engine.Resource, src *engine.Source, cluster string) string {
	if loc := location(src, cluster); loc != "" {
		return res.String() + " (" + loc + ")"
	}
	return res.String()
}

// location is file:line for a scan finding (file alone if the line is
// unknown) and "cluster NAME" for an audit finding.
func location(src *engine.Source, cluster string) string {
	var parts []string
	if cluster != "" {
		parts = append(parts, "cluster "+cluster)
	}
	if src != nil && src.File != "" {
		if src.Line > 0 {
			parts = append(parts, fmt.Sprintf("%s:%d", src.File, src.Line))
		} else {
			parts = append(parts, src.File)
		}
	}
	return strings.Join(parts, ", ")
}

// errorName locates an input error for a testcase name.
func errorName(e engine.InputError) string {
	var parts []string
	if e.File != "" {
		parts = append(parts, location(&engine.Source{File: e.File, Line: e.Line}, ""))
	}
	if e.Cluster != "" {
		parts = append(parts, "cluster "+e.Cluster)
	}
	if e.Object != "" {
		parts = append(parts, e.Object)
	}
	if len(parts) == 0 {
		return "input"
	}
	return strings.Join(parts, " ")
}

// exceptionText describes an applied exception: reason, ticket, approver
// and expiry, whichever are set.
func exceptionText(e *engine.AppliedException) string {
	parts := []string{e.Reason}
	if e.Ticket != "" {
		parts = append(parts, "ticket "+e.Ticket)
	}
	if e.Approver != "" {
		parts = append(parts, "approved by "+e.Approver)
	}
	if e.Expires != "" {
		parts = append(parts, "expires "+e.Expires)
	}
	return strings.Join(parts, ", ")
}
