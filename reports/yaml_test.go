package reports

import (
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/fleetguard/fleetguard/engine"
)

func TestYAML(t *testing.T) {
	in := fixture()
	out := render(t, YAML{}, in)
	golden(t, "yaml.golden", out)

	var back engine.Result
	if err := yaml.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if want := sortedValues(in); !reflect.DeepEqual(back.Findings, want) {
		t.Errorf("findings did not round-trip:\n got %+v\nwant %+v", back.Findings, want)
	}
	if !reflect.DeepEqual(back.Errors, in.Errors) || !reflect.DeepEqual(back.Provenance, in.Provenance) {
		t.Error("errors or provenance did not round-trip")
	}
	if !strings.Contains(string(out), "severity: critical") {
		t.Error("severity is not written by name")
	}
}
