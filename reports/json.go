package reports

import (
	"encoding/json"
	"io"

	"github.com/fleetguard/fleetguard/engine"
)

// JSON writes the Result as indented JSON, the machine-readable record of a run.
type JSON struct{}

// Write implements Writer.
func (JSON) Write(w io.Writer, r *engine.Result) error {
	out := *r
	out.Findings = sortedFindings(r)
	if out.Findings == nil {
		out.Findings = []engine.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}
