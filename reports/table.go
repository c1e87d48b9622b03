package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/fleetguard/fleetguard/engine"
)

// Table writes a human-readable summary for a terminal: one line per
// finding, then input errors and totals. Color adds ANSI colours.
type Table struct{ Color bool }

var severityColor = map[engine.Severity]string{
	engine.SeverityCritical: "\x1b[1;31m",
	engine.SeverityHigh:     "\x1b[31m",
	engine.SeverityMedium:   "\x1b[33m",
	engine.SeverityLow:      "\x1b[36m",
	engine.SeverityInfo:     "\x1b[37m",
}

// Write implements Writer.
func (t Table) Write(w io.Writer, r *engine.Result) error {
	fs := sortedFindings(r)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(fs) > 0 {
		fmt.Fprintln(tw, "SEVERITY\tPOLICY\tRESOURCE\tLOCATION\tMESSAGE")
	}
	for _, f := range fs {
		sev := strings.ToUpper(f.Severity.String())
		if t.Color {
			sev = severityColor[f.Severity] + sev + "\x1b[0m"
		}
		loc := f.Cluster
		if f.Source != nil {
			loc = fmt.Sprintf("%s:%d", f.Source.File, f.Source.Line)
		}
		msg := f.Message
		if f.Excepted != nil {
			msg += " (excepted: " + f.Excepted.Reason + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", sev, f.PolicyID, f.Resource, loc, oneLine(msg))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range r.Errors {
		label := "error"
		if e.Warning {
			label = "warning"
		}
		fmt.Fprintf(w, "%s: %s\n", label, e.Error())
	}
	counts := map[engine.Severity]int{}
	for _, f := range fs {
		counts[f.Severity]++
	}
	passed := 0
	for _, s := range r.Stats {
		passed += s.Evaluated - s.Failed
	}
	fmt.Fprintf(w, "\n%d findings (critical %d, high %d, medium %d, low %d, info %d), %d checks passed, %d policies\n",
		len(fs), counts[engine.SeverityCritical], counts[engine.SeverityHigh], counts[engine.SeverityMedium],
		counts[engine.SeverityLow], counts[engine.SeverityInfo], passed, len(r.Policies))
	return nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
