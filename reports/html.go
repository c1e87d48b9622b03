package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"

	"github.com/fleetguard/fleetguard/engine"
)

//go:embed html.tmpl
var htmlSource string

// htmlTemplate is parsed once; html/template escapes every value for the
// context it lands in, so object names and messages can never become markup.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
}).Parse(htmlSource))

// HTML writes an audit as one self-contained HTML page for compliance
// officers: inline CSS and SVG charts, no scripts, and a Content-Security-
// Policy that forbids every network fetch. It prints cleanly on A4.
// HTML is safe for concurrent use.
type HTML struct {
	// History adds the score trend and the findings new and resolved since
	// the previous audit. Nil renders "no previous audit".
	History *History
}

// Write renders r as HTML to w.
func (h HTML) Write(w io.Writer, r *engine.Result) error {
	if err := htmlTemplate.Execute(w, view(r, h.History)); err != nil {
		return fmt.Errorf("writing the HTML report: %w", err)
	}
	return nil
}
