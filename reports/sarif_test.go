package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/fleetguard/fleetguard/engine"
)

// sarifValidator compiles the OASIS schema from testdata. LoadURL refuses
// every URL so the test never reaches the network: the schema is draft-04,
// whose meta-schema the library embeds.
func sarifValidator(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("offline test: refusing to load %s", u)
	}
	if err := c.AddResource(sarifSchema, bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(sarifSchema)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validateSARIF(t *testing.T, s *jsonschema.Schema, out []byte) {
	t.Helper()
	var doc any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if err := s.Validate(doc); err != nil {
		t.Fatalf("output does not validate against SARIF 2.1.0: %#v\n%s", err, out)
	}
}

func decodeSARIF(t *testing.T, out []byte) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(out, &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("got %d runs, want 1", len(log.Runs))
	}
	return log
}

func TestSARIFSchema(t *testing.T) {
	schema := sarifValidator(t)
	absolute := fixture()
	absolute.Findings[0].Source = &engine.Source{File: "/srv/repo/a b.yaml", Line: 4}
	absolute.Errors = append(absolute.Errors, engine.InputError{File: "/tmp/x:y.yaml", Message: "unreadable"})
	tests := []struct {
		name string
		r    *engine.Result
		w    SARIF
	}{
		{"fixture", fixture(), SARIF{ToolURI: "https://github.com/fleetguard/fleetguard"}},
		{"empty", &engine.Result{}, SARIF{}},
		{"absolute paths", absolute, SARIF{ToolName: "fg"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			validateSARIF(t, schema, render(t, tc.w, tc.r))
		})
	}
	// The schema must reject what SARIF forbids, or the checks above prove nothing.
	t.Run("schema rejects a bad level", func(t *testing.T) {
		var doc map[string]any
		if err := json.Unmarshal(render(t, SARIF{}, fixture()), &doc); err != nil {
			t.Fatal(err)
		}
		doc["runs"].([]any)[0].(map[string]any)["results"].([]any)[0].(map[string]any)["level"] = "critical"
		if err := schema.Validate(doc); err == nil {
			t.Fatal("schema accepted level \"critical\"")
		}
	})
}

func TestSARIFContent(t *testing.T) {
	out := render(t, SARIF{ToolURI: "https://github.com/fleetguard/fleetguard"}, fixture())
	golden(t, "sarif.golden", out)
	log := decodeSARIF(t, out)
	run := log.Runs[0]

	if log.Version != "2.1.0" || log.Schema != sarifSchema {
		t.Errorf("version %q schema %q", log.Version, log.Schema)
	}
	d := run.Tool.Driver
	if d.Name != "fleetguard" || d.Version != "0.1.0-test" || d.InformationURI != "https://github.com/fleetguard/fleetguard" {
		t.Errorf("driver = %q %q %q", d.Name, d.Version, d.InformationURI)
	}

	t.Run("rules", func(t *testing.T) {
		var ids []string
		for _, r := range d.Rules {
			ids = append(ids, r.ID)
		}
		if want := []string{"K8S-001", "K8S-010", "K8S-020", "K8S-030"}; !reflect.DeepEqual(ids, want) {
			t.Fatalf("rule ids = %v, want %v", ids, want)
		}
		r := d.Rules[0]
		if r.Name != "PrivilegedContainer" || r.ShortDescription.Text != "Privileged container" ||
			r.Help.Text != "Set securityContext.privileged to false." || r.DefaultConfiguration.Level != "error" {
			t.Errorf("rule K8S-001 = %+v", r)
		}
		if r.FullDescription == nil || !strings.HasPrefix(r.FullDescription.Text, "Containers must not run privileged.\n") {
			t.Errorf("fullDescription = %+v", r.FullDescription)
		}
		if got := r.Properties["security-severity"]; got != "9.5" {
			t.Errorf("security-severity = %v", got)
		}
		if got := r.Properties["severity"]; got != "critical" {
			t.Errorf("severity = %v", got)
		}
		tags := fmt.Sprint(r.Properties["tags"])
		if tags != "[security cis-k8s:5.2.1 nsa:pod-security]" {
			t.Errorf("tags = %s", tags)
		}
		if got := fmt.Sprint(r.Properties["controls"]); got != "map[cis-k8s:[5.2.1] nsa:[pod-security]]" {
			t.Errorf("controls = %s", got)
		}
		want := map[string][2]string{ // level, security-severity
			"K8S-010": {"warning", "5.5"},
			"K8S-020": {"error", "8.0"},
			"K8S-030": {"note", "3.0"},
		}
		for _, r := range d.Rules[1:] {
			got := [2]string{r.DefaultConfiguration.Level, fmt.Sprint(r.Properties["security-severity"])}
			if got != want[r.ID] {
				t.Errorf("rule %s level/security-severity = %v, want %v", r.ID, got, want[r.ID])
			}
		}
	})

	t.Run("results", func(t *testing.T) {
		if len(run.Results) != 5 {
			t.Fatalf("got %d results, want 5", len(run.Results))
		}
		seen := map[string]bool{}
		for _, res := range run.Results {
			if d.Rules[res.RuleIndex].ID != res.RuleID {
				t.Errorf("result %s has ruleIndex %d pointing at %s", res.RuleID, res.RuleIndex, d.Rules[res.RuleIndex].ID)
			}
			fp := res.PartialFingerprints[sarifFingerprint]
			if len(fp) != 32 || seen[fp] {
				t.Errorf("fingerprint %q is malformed or repeated", fp)
			}
			seen[fp] = true
		}
		first := run.Results[0]
		if first.RuleID != "K8S-001" || first.Level != "error" || first.Message.Text != `container "app" is privileged | runs as <root> & more` {
			t.Errorf("first result = %+v", first)
		}
		pl := first.Locations[0].PhysicalLocation
		if pl == nil || pl.ArtifactLocation.URI != "manifests/web%20app.yaml" || pl.ArtifactLocation.URIBaseID != "%SRCROOT%" || pl.Region.StartLine != 12 {
			t.Errorf("first location = %+v", first.Locations[0])
		}
		if fqn := first.Locations[0].LogicalLocations[0].FullyQualifiedName; fqn != "Deployment/default/web" {
			t.Errorf("logical location = %q", fqn)
		}

		var excepted, cluster *sarifResult
		for i, res := range run.Results {
			if len(res.Suppressions) > 0 {
				excepted = &run.Results[i]
			}
			if res.RuleID == "K8S-020" {
				cluster = &run.Results[i]
			}
		}
		if excepted == nil {
			t.Fatal("no suppressed result for the excepted finding")
		}
		s := excepted.Suppressions[0]
		if s.Kind != "external" || s.Status != "accepted" || s.Justification != "break-glass debugging pod" ||
			s.Properties["ticket"] != "SEC-42" || s.Properties["expires"] != "2030-01-01" || s.Properties["approver"] != "alice" {
			t.Errorf("suppression = %+v", s)
		}
		if cluster.Level != "error" || cluster.Locations[0].PhysicalLocation != nil {
			t.Errorf("cluster result = %+v", cluster)
		}
		if fqn := cluster.Locations[0].LogicalLocations[0].FullyQualifiedName; fqn != "eu-prod/ClusterRoleBinding/ops-admin" {
			t.Errorf("cluster logical location = %q", fqn)
		}
	})

	t.Run("invocation", func(t *testing.T) {
		inv := run.Invocations[0]
		if inv.ExecutionSuccessful {
			t.Error("executionSuccessful = true with an input error")
		}
		n := inv.ToolExecutionNotifications
		if len(n) != 2 || n[0].Level != "error" || n[1].Level != "warning" {
			t.Fatalf("notifications = %+v", n)
		}
		loc := n[0].Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != "manifests/broken.yaml" || loc.Region.StartLine != 3 {
			t.Errorf("notification location = %+v", loc)
		}
		if n[0].Message.Text != "manifests/broken.yaml:3: yaml: mapping values are not allowed in this context" {
			t.Errorf("notification message = %q", n[0].Message.Text)
		}
		if fqn := n[1].Locations[0].LogicalLocations[0].FullyQualifiedName; fqn != "us-dev/NetworkPolicy" {
			t.Errorf("warning location = %q", fqn)
		}

		warnOnly := fixture()
		warnOnly.Errors = warnOnly.Errors[1:]
		if inv := decodeSARIF(t, render(t, SARIF{}, warnOnly)).Runs[0].Invocations[0]; !inv.ExecutionSuccessful {
			t.Error("executionSuccessful = false with only warnings")
		}
	})
}

func TestSARIFFingerprintStable(t *testing.T) {
	base := fixture().Findings[1]
	moved := base
	moved.Source = &engine.Source{File: base.Source.File, Line: 99}
	otherMsg := base
	otherMsg.Message = "something else"
	otherNS := base
	otherNS.Resource.Namespace = "prod"
	if fingerprint(&base) != fingerprint(&moved) {
		t.Error("fingerprint changed when only the line moved")
	}
	for name, f := range map[string]engine.Finding{"message": otherMsg, "namespace": otherNS} {
		if fingerprint(&base) == fingerprint(&f) {
			t.Errorf("fingerprint unchanged when the %s changed", name)
		}
	}
}

func TestSARIFUnknownPolicyGetsRule(t *testing.T) {
	r := &engine.Result{Findings: []engine.Finding{{
		PolicyID: "GK-required-labels", Title: "Required labels", Severity: engine.SeverityLow,
		Resource: engine.Resource{Kind: "Namespace", Name: "team-a"}, Cluster: "eu-prod", Message: "missing label owner",
	}}}
	log := decodeSARIF(t, render(t, SARIF{}, r))
	rules := log.Runs[0].Tool.Driver.Rules
	if len(rules) != 1 || rules[0].ID != "GK-required-labels" || rules[0].Name != "RequiredLabels" {
		t.Fatalf("rules = %+v", rules)
	}
	if res := log.Runs[0].Results[0]; res.RuleIndex != 0 || res.Level != "note" {
		t.Errorf("result = %+v", res)
	}
	if v := log.Runs[0].Tool.Driver.Version; v != engine.Version {
		t.Errorf("driver version = %q, want engine.Version %q when provenance has none", v, engine.Version)
	}
}

func TestSARIFLevelAndURI(t *testing.T) {
	levels := map[engine.Severity]string{
		engine.SeverityCritical: "error", engine.SeverityHigh: "error", engine.SeverityMedium: "warning",
		engine.SeverityLow: "note", engine.SeverityInfo: "note",
	}
	for s, want := range levels {
		t.Run("level "+s.String(), func(t *testing.T) {
			if got := sarifLevel(s); got != want {
				t.Errorf("sarifLevel(%s) = %q, want %q", s, got, want)
			}
		})
	}
	uris := []struct {
		file, uri, base string
	}{
		{"deploy.yaml", "deploy.yaml", "%SRCROOT%"},
		{"./k8s/../k8s/deploy.yaml", "k8s/deploy.yaml", "%SRCROOT%"},
		{"k8s/my app#1.yaml", "k8s/my%20app%231.yaml", "%SRCROOT%"},
		{"a:b.yaml", "./a:b.yaml", "%SRCROOT%"},
		{"/srv/repo/x y.yaml", "file:///srv/repo/x%20y.yaml", ""},
	}
	for _, tc := range uris {
		t.Run("uri "+tc.file, func(t *testing.T) {
			got := artifactURI(tc.file)
			if got.URI != tc.uri || got.URIBaseID != tc.base {
				t.Errorf("artifactURI(%q) = %+v, want %q base %q", tc.file, got, tc.uri, tc.base)
			}
		})
	}
}
