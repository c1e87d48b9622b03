package reports

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
)

func TestJSON(t *testing.T) {
	in := fixture()
	out := render(t, JSON{}, in)
	golden(t, "json.golden", out)

	var back engine.Result
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if want := sortedValues(in); !reflect.DeepEqual(back.Findings, want) {
		t.Errorf("findings did not round-trip:\n got %+v\nwant %+v", back.Findings, want)
	}
	for name, eq := range map[string]bool{
		"passes":     reflect.DeepEqual(back.Passes, in.Passes),
		"policies":   reflect.DeepEqual(back.Policies, in.Policies),
		"stats":      reflect.DeepEqual(back.Stats, in.Stats),
		"errors":     reflect.DeepEqual(back.Errors, in.Errors),
		"clusters":   reflect.DeepEqual(back.Clusters, in.Clusters),
		"scores":     reflect.DeepEqual(back.Scores, in.Scores),
		"provenance": reflect.DeepEqual(back.Provenance, in.Provenance),
	} {
		if !eq {
			t.Errorf("%s did not round-trip", name)
		}
	}
	if back.Findings[0].Severity != engine.SeverityCritical || !strings.Contains(string(out), `"severity": "critical"`) {
		t.Error("severity is not written by name")
	}
	if !strings.Contains(string(out), "<root> & more") {
		t.Error("JSON escaped HTML characters")
	}

	t.Run("empty findings is an array", func(t *testing.T) {
		out := render(t, JSON{}, &engine.Result{})
		if !strings.Contains(string(out), `"findings": []`) {
			t.Errorf("output: %s", out)
		}
	})
}
