package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/fleetguard/fleetguard/engine"
)

// JSON writes the Result as indented JSON, the machine-readable record of a run.
type JSON struct{}

// Write implements Writer. Findings are encoded one at a time as they are
// written, so a fleet's millions of findings are never held twice in
// memory as one encoded document; the output is what json.Encoder with a
// two-space indent gives for the whole Result.
func (JSON) Write(w io.Writer, r *engine.Result) error {
	rest := *r
	rest.Findings = []engine.Finding{}
	head, err := encodeIndented(rest)
	if err != nil {
		return err
	}
	const empty = "{\n  \"findings\": [],"
	if !bytes.HasPrefix(head, []byte(empty)) {
		return fmt.Errorf("json report: unexpected layout %.40q", head)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if len(r.Findings) == 0 {
		bw.Write(head)
		return bw.Flush()
	}
	bw.WriteString("{\n  \"findings\": [")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("    ", "  ")
	enc.SetEscapeHTML(false)
	for i, f := range sortedFindings(r) {
		buf.Reset()
		if err := enc.Encode(f); err != nil {
			return fmt.Errorf("json report: finding %s on %s: %w", f.PolicyID, f.Resource, err)
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n    ")
		bw.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
	bw.WriteString("\n  ],")
	bw.Write(head[len(empty):])
	return bw.Flush()
}

// encodeIndented is json.Encoder's output with a two-space indent and no
// HTML escaping.
func encodeIndented(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return buf.Bytes(), err
}
