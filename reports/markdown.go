package reports

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/fleetguard/fleetguard/engine"
)

// Markdown writes a GitHub-flavoured Markdown report for pull request
// comments and job summaries: counts by severity, a findings table, input
// errors and, for audits, cluster status, scores, failing controls and
// exceptions. Every cell is escaped, so messages cannot break the tables or
// inject HTML.
type Markdown struct{}

// Write implements Writer.
func (Markdown) Write(w io.Writer, r *engine.Result) error {
	b := bufio.NewWriter(w)
	fs := sortedFindings(r)

	fmt.Fprintln(b, "# Fleetguard report")
	fmt.Fprintln(b)
	if p := r.Provenance; p.EngineVersion != "" || p.BundleDigest != "" {
		var parts []string
		if p.EngineVersion != "" {
			parts = append(parts, "engine "+mdCode(p.EngineVersion))
		}
		if p.BundleDigest != "" {
			parts = append(parts, "bundle "+mdCode(p.BundleDigest))
		}
		if p.BundleRevision != "" {
			parts = append(parts, "revision "+mdCode(p.BundleRevision))
		}
		if !p.Time.IsZero() {
			parts = append(parts, "at "+p.Time.UTC().Format("2006-01-02 15:04:05 MST"))
		}
		fmt.Fprintf(b, "Produced by %s.\n\n", strings.Join(parts, ", "))
	}

	writeSummary(b, r, fs)

	fmt.Fprintln(b, "## Findings")
	fmt.Fprintln(b)
	if len(fs) == 0 {
		fmt.Fprintln(b, "No findings.")
	} else {
		t := mdTable{header: []string{"Severity", "Policy", "Resource", "Location", "Message", "Exception"}}
		for _, f := range fs {
			exc := ""
			if f.Excepted != nil {
				exc = exceptionText(f.Excepted)
			}
			t.add(strings.ToUpper(f.Severity.String()), f.PolicyID+": "+f.Title, f.Resource.String(),
				location(f.Source, f.Cluster), f.Message, exc)
		}
		t.write(b)
	}

	if len(r.Errors) > 0 {
		fmt.Fprintln(b)
		fmt.Fprintln(b, "## Input errors")
		fmt.Fprintln(b)
		for _, e := range r.Errors {
			label := "error"
			if e.Warning {
				label = "warning"
			}
			fmt.Fprintf(b, "- **%s**: %s\n", label, mdEscape(e.Error()))
		}
	}

	if len(r.Clusters) > 0 {
		fmt.Fprintln(b)
		fmt.Fprintln(b, "## Clusters")
		fmt.Fprintln(b)
		t := mdTable{header: []string{"Cluster", "State", "Objects", "Server version", "Missing kinds", "Errors"}}
		for _, c := range r.Clusters {
			t.add(c.Name, c.State, strconv.Itoa(c.Objects), c.ServerVersion,
				strings.Join(c.MissingKinds, ", "), strings.Join(c.Errors, "\n"))
		}
		t.write(b)
	}

	if len(r.Scores) > 0 {
		fmt.Fprintln(b)
		fmt.Fprintln(b, "## Scores")
		fmt.Fprintln(b)
		t := mdTable{header: []string{"Framework", "Cluster", "Score", "Passed", "Failed", "Manual", "Not applicable"}}
		for _, s := range r.Scores {
			cluster := s.Cluster
			if cluster == "" {
				cluster = "(fleet)"
			}
			t.add(s.Framework, cluster, strconv.FormatFloat(s.Percent, 'f', 1, 64)+"%",
				strconv.Itoa(s.Passed), strconv.Itoa(s.Failed), strconv.Itoa(s.Manual), strconv.Itoa(s.NotApplicable))
		}
		t.write(b)
	}

	var failing []engine.ControlResult
	for _, c := range r.Controls {
		if c.Status == engine.ControlFail {
			failing = append(failing, c)
		}
	}
	if len(failing) > 0 {
		fmt.Fprintln(b)
		fmt.Fprintln(b, "## Failing controls")
		fmt.Fprintln(b)
		t := mdTable{header: []string{"Framework", "Control", "Title", "Cluster", "Policies", "Passed", "Failed"}}
		for _, c := range failing {
			t.add(c.Framework, c.Control, c.Title, c.Cluster, strings.Join(c.Policies, ", "),
				strconv.Itoa(c.Passed), strconv.Itoa(c.Failed))
		}
		t.write(b)
	}

	if len(r.Exceptions) > 0 {
		fmt.Fprintln(b)
		fmt.Fprintln(b, "## Exceptions")
		fmt.Fprintln(b)
		t := mdTable{header: []string{"Policy", "Reason", "Ticket", "Approver", "Expires", "Status", "Matched"}}
		for _, e := range r.Exceptions {
			status := "active"
			switch {
			case e.Expired:
				status = "expired"
			case e.Matched == 0:
				status = "unused"
			}
			t.add(e.Policy, e.Reason, e.Ticket, e.Approver, e.Expires, status, strconv.Itoa(e.Matched))
		}
		t.write(b)
	}
	return b.Flush()
}

// writeSummary writes the counts by severity, separating excepted findings.
func writeSummary(b io.Writer, r *engine.Result, fs []*engine.Finding) {
	open := map[engine.Severity]int{}
	excepted := map[engine.Severity]int{}
	for _, f := range fs {
		if f.Excepted != nil {
			excepted[f.Severity]++
		} else {
			open[f.Severity]++
		}
	}
	fmt.Fprintln(b, "## Summary")
	fmt.Fprintln(b)
	t := mdTable{header: []string{"Severity", "Findings", "Excepted"}}
	totalOpen, totalExcepted := 0, 0
	for s := engine.SeverityCritical; s >= engine.SeverityInfo; s-- {
		t.add(s.String(), strconv.Itoa(open[s]), strconv.Itoa(excepted[s]))
		totalOpen += open[s]
		totalExcepted += excepted[s]
	}
	t.add("**total**", strconv.Itoa(totalOpen), strconv.Itoa(totalExcepted))
	t.raw = map[int]bool{len(t.rows) - 1: true}
	t.write(b)
	passed := 0
	for _, s := range r.Stats {
		passed += s.Evaluated - s.Failed
	}
	errs, warns := 0, 0
	for _, e := range r.Errors {
		if e.Warning {
			warns++
		} else {
			errs++
		}
	}
	fmt.Fprintf(b, "\n%d checks passed, %d policies, %d input errors, %d warnings.\n\n", passed, len(r.Policies), errs, warns)
}

// mdTable collects rows and writes them as a pipe table with every cell
// escaped (except rows marked raw, which hold our own markup).
type mdTable struct {
	header []string
	rows   [][]string
	raw    map[int]bool
}

func (t *mdTable) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *mdTable) write(w io.Writer) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(t.header, " | "))
	seps := make([]string, len(t.header))
	for i := range seps {
		seps[i] = "---"
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(seps, " | "))
	for i, row := range t.rows {
		cells := make([]string, len(row))
		for j, c := range row {
			if t.raw[i] {
				cells[j] = c
			} else {
				cells[j] = mdEscape(c)
			}
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

// mdReplacer escapes HTML, Markdown emphasis, links and code, and the table
// pipe; newlines become <br> so a cell stays on one line.
var mdReplacer = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "|", `\|`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
)

// mdEscape makes s safe as inline Markdown text and as a table cell.
func mdEscape(s string) string {
	return mdReplacer.Replace(strings.TrimSpace(s))
}

// mdCode renders s as inline code; backticks and newlines are dropped since
// code spans cannot escape them.
func mdCode(s string) string {
	s = strings.NewReplacer("`", "", "\n", " ", "\r", " ").Replace(s)
	return "`" + s + "`"
}
