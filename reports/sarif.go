package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"unicode"

	"github.com/fleetguard/fleetguard/engine"
)

// SARIF writes a SARIF 2.1.0 log with one run: one rule per policy (with its
// severity, controls and remediation) and one result per finding. Excepted
// findings carry a suppression, so code-scanning shows them as dismissed.
// The output validates against the OASIS SARIF 2.1.0 schema.
type SARIF struct {
	// ToolName overrides the driver name (default "fleetguard").
	ToolName string
	// ToolURI is the driver's informationUri; empty omits it.
	ToolURI string
}

const (
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion = "2.1.0"
	// sarifSrcRoot is the base that relative file paths are resolved against.
	sarifSrcRoot = "%SRCROOT%"
	// sarifFingerprint names our partialFingerprints entry; bump the suffix
	// if the hashed fields ever change.
	sarifFingerprint = "fleetguard/v1"
)

// securitySeverity is the CVSS-like score GitHub code scanning ranks by.
var securitySeverity = map[engine.Severity]string{
	engine.SeverityCritical: "9.5",
	engine.SeverityHigh:     "8.0",
	engine.SeverityMedium:   "5.5",
	engine.SeverityLow:      "3.0",
	engine.SeverityInfo:     "0.0",
}

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name,omitempty"`
	ShortDescription     *sarifText     `json:"shortDescription,omitempty"`
	FullDescription      *sarifText     `json:"fullDescription,omitempty"`
	Help                 *sarifText     `json:"help,omitempty"`
	HelpURI              string         `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations,omitempty"`
	PartialFingerprints map[string]string  `json:"partialFingerprints,omitempty"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName,omitempty"`
	Kind               string `json:"kind,omitempty"`
}

type sarifSuppression struct {
	Kind          string         `json:"kind"`
	Status        string         `json:"status"`
	Justification string         `json:"justification,omitempty"`
	Properties    map[string]any `json:"properties,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

// sarifLevel maps a severity to a SARIF level: error for critical and high,
// warning for medium, note below.
func sarifLevel(s engine.Severity) string {
	switch {
	case s >= engine.SeverityHigh:
		return "error"
	case s == engine.SeverityMedium:
		return "warning"
	default:
		return "note"
	}
}

// Write implements Writer.
func (s SARIF) Write(w io.Writer, r *engine.Result) error {
	name := s.ToolName
	if name == "" {
		name = "fleetguard"
	}
	version := r.Provenance.EngineVersion
	if version == "" {
		version = engine.Version
	}
	rules, index := sarifRules(r)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           name,
			Version:        version,
			InformationURI: s.ToolURI,
			Rules:          rules,
		}},
		Invocations: []sarifInvocation{sarifInvocationOf(r)},
		Results:     []sarifResult{},
		Properties:  sarifRunProperties(r),
	}
	for _, f := range sortedFindings(r) {
		run.Results = append(run.Results, sarifResultOf(f, index[f.PolicyID]))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifRules returns one rule per policy, sorted by id, plus a rule built
// from the finding for any policy missing from r.Policies, so every
// ruleIndex is valid. index maps a policy id to its rule's position.
func sarifRules(r *engine.Result) ([]sarifRule, map[string]int) {
	byID := map[string]engine.Policy{}
	for _, p := range r.Policies {
		byID[p.ID] = p
	}
	for _, f := range r.Findings {
		if _, ok := byID[f.PolicyID]; !ok {
			byID[f.PolicyID] = engine.Policy{ID: f.PolicyID, Title: f.Title, Severity: f.Severity, Controls: f.Controls}
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	rules := make([]sarifRule, 0, len(ids))
	index := make(map[string]int, len(ids))
	for i, id := range ids {
		index[id] = i
		rules = append(rules, sarifRuleOf(byID[id]))
	}
	return rules, index
}

func sarifRuleOf(p engine.Policy) sarifRule {
	rule := sarifRule{
		ID:                   p.ID,
		Name:                 pascalCase(p.Title, p.ID),
		DefaultConfiguration: sarifConfig{Level: sarifLevel(p.Severity)},
	}
	if p.Title != "" {
		rule.ShortDescription = &sarifText{Text: p.Title}
	}
	if p.Description != "" {
		rule.FullDescription = &sarifText{Text: p.Description}
	}
	if p.Remediation != "" {
		rule.Help = &sarifText{Text: p.Remediation}
	}
	// "security" makes GitHub honour security-severity; the framework:control
	// tags let users filter alerts by control.
	tags := append([]string{"security"}, controlTags(p.Controls)...)
	props := map[string]any{
		"severity":          p.Severity.String(),
		"security-severity": securitySeverity[p.Severity],
		"tags":              tags,
	}
	if len(p.Controls) > 0 {
		props["controls"] = p.Controls
	}
	if p.Scope != "" {
		props["scope"] = p.Scope
	}
	rule.Properties = props
	return rule
}

func sarifResultOf(f *engine.Finding, ruleIndex int) sarifResult {
	msg := f.Message
	if msg == "" {
		msg = f.Title
	}
	res := sarifResult{
		RuleID:    f.PolicyID,
		RuleIndex: ruleIndex,
		Level:     sarifLevel(f.Severity),
		Message:   sarifText{Text: msg},
		PartialFingerprints: map[string]string{
			sarifFingerprint: fingerprint(f),
		},
		Properties: map[string]any{"severity": f.Severity.String()},
	}
	loc := sarifLocation{LogicalLocations: []sarifLogical{resourceLogical(f.Cluster, f.Resource)}}
	if f.Source != nil && f.Source.File != "" {
		loc.PhysicalLocation = physical(f.Source.File, f.Source.Line)
	}
	res.Locations = []sarifLocation{loc}
	if f.Cluster != "" {
		res.Properties["cluster"] = f.Cluster
	}
	if f.Enforcement != "" {
		res.Properties["enforcement"] = f.Enforcement
	}
	if e := f.Excepted; e != nil {
		sup := sarifSuppression{Kind: "external", Status: "accepted", Justification: e.Reason}
		props := map[string]any{}
		for k, v := range map[string]string{"ticket": e.Ticket, "approver": e.Approver, "expires": e.Expires} {
			if v != "" {
				props[k] = v
			}
		}
		if len(props) > 0 {
			sup.Properties = props
		}
		res.Suppressions = []sarifSuppression{sup}
	}
	return res
}

func sarifInvocationOf(r *engine.Result) sarifInvocation {
	inv := sarifInvocation{ExecutionSuccessful: !r.HasErrors()}
	for _, e := range r.Errors {
		n := sarifNotification{Level: "error", Message: sarifText{Text: e.Error()}}
		if e.Warning {
			n.Level = "warning"
		}
		var loc sarifLocation
		if e.File != "" {
			loc.PhysicalLocation = physical(e.File, e.Line)
		}
		if e.Object != "" || e.Cluster != "" {
			fqn := strings.Trim(e.Cluster+"/"+e.Object, "/")
			loc.LogicalLocations = []sarifLogical{{FullyQualifiedName: fqn, Kind: "object"}}
		}
		if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
			n.Locations = []sarifLocation{loc}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	return inv
}

func sarifRunProperties(r *engine.Result) map[string]any {
	p := map[string]any{}
	if d := r.Provenance.BundleDigest; d != "" {
		p["bundleDigest"] = d
	}
	if v := r.Provenance.BundleRevision; v != "" {
		p["bundleRevision"] = v
	}
	if len(p) == 0 {
		return nil
	}
	return p
}

// resourceLogical names a resource as cluster/kind/namespace/name (the
// cluster part only for audit findings).
func resourceLogical(cluster string, res engine.Resource) sarifLogical {
	fqn := res.String()
	if cluster != "" {
		fqn = cluster + "/" + fqn
	}
	return sarifLogical{Name: res.Name, FullyQualifiedName: fqn, Kind: "resource"}
}

// physical locates a file and line. Relative paths stay relative to
// %SRCROOT%; absolute ones become file URIs. Line 0 omits the region.
func physical(file string, line int) *sarifPhysical {
	p := &sarifPhysical{ArtifactLocation: artifactURI(file)}
	if line > 0 {
		p.Region = &sarifRegion{StartLine: line}
	}
	return p
}

func artifactURI(file string) sarifArtifact {
	slashed := filepath.ToSlash(file)
	if filepath.IsAbs(file) || path.IsAbs(slashed) {
		if !strings.HasPrefix(slashed, "/") {
			slashed = "/" + slashed // Windows drive letter: file:///C:/...
		}
		return sarifArtifact{URI: (&url.URL{Scheme: "file", Path: slashed}).String()}
	}
	slashed = path.Clean(slashed)
	u := (&url.URL{Path: slashed}).EscapedPath()
	// A colon in the first segment would read as a URI scheme.
	if first, _, _ := strings.Cut(u, "/"); strings.Contains(first, ":") {
		u = "./" + u
	}
	return sarifArtifact{URI: u, URIBaseID: sarifSrcRoot}
}

// fingerprint hashes what identifies a finding across runs: the policy, the
// resource (with its cluster or file) and the message, but not the line, so
// moving an object in its file keeps the alert.
func fingerprint(f *engine.Finding) string {
	h := sha256.New()
	file := ""
	if f.Source != nil {
		file = filepath.ToSlash(f.Source.File)
	}
	for _, part := range []string{f.PolicyID, f.Cluster, file, f.Resource.APIVersion, f.Resource.String(), f.Message} {
		io.WriteString(h, part)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// controlTags returns "framework:control" for every control, sorted.
func controlTags(controls map[string][]string) []string {
	var tags []string
	for fw, ids := range controls {
		for _, id := range ids {
			tags = append(tags, fw+":"+id)
		}
	}
	sort.Strings(tags)
	return tags
}

// pascalCase turns a title into a rule name such as PrivilegedContainer,
// falling back to the id when the title has no letters or digits.
func pascalCase(title, fallback string) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(title, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		rs := []rune(word)
		b.WriteString(strings.ToUpper(string(rs[0])) + string(rs[1:]))
	}
	if b.Len() == 0 {
		return fallback
	}
	return b.String()
}
