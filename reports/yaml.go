package reports

import (
	"encoding/json"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/fleetguard/fleetguard/engine"
)

// YAML writes the Result as YAML, with the same fields as JSON.
type YAML struct{}

// Write implements Writer.
func (YAML) Write(w io.Writer, r *engine.Result) error {
	out := *r
	out.Findings = nil
	for _, f := range sortedFindings(r) {
		out.Findings = append(out.Findings, *f)
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return err
	}
	y, err := yaml.JSONToYAML(raw)
	if err != nil {
		return err
	}
	_, err = w.Write(y)
	return err
}
