package reports

// Text renderings of the audit history for a terminal: the list of stored
// audits with their score trend (policy history) and the findings new,
// resolved and unchanged between two audits (policy diff).

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/store"
)

// AuditList writes the stored audits, newest first, with their scores per
// framework, then the score trend of each framework as a sparkline.
func AuditList(w io.Writer, where string, audits []store.Summary, frameworks []string, trends map[string][]store.TrendPoint) error {
	if len(audits) == 0 {
		_, err := fmt.Fprintf(w, "No audits stored in %s.\n", where)
		return err
	}
	fmt.Fprintf(w, "Audits in %s, newest first:\n\n", where)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"ID", "STARTED (UTC)", "SOURCE", "CLUSTERS", "FINDINGS"}
	for _, fw := range frameworks {
		head = append(head, strings.ToUpper(fw))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, a := range audits {
		findings := strconv.Itoa(a.Findings)
		if a.Excepted > 0 {
			findings += fmt.Sprintf(" (+%d excepted)", a.Excepted)
		}
		row := []string{strconv.FormatInt(a.ID, 10), a.Started.UTC().Format(time.DateTime), cleanCell(a.Source), clustersCell(a.Clusters), findings}
		for _, fw := range frameworks {
			if sc, ok := a.Score(fw); ok {
				row = append(row, fmt.Sprintf("%.1f%%", sc.Percent))
			} else {
				row = append(row, "-")
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(frameworks) == 0 {
		_, err := fmt.Fprintln(w, "\nNo scores stored: no trend to show.")
		return err
	}
	fmt.Fprintln(w, "\nScore trend, oldest → newest (▁ 0% … █ 100%, · not audited):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, fw := range frameworks {
		points := trends[fw]
		fleet := make([]float64, len(points))
		for i, p := range points {
			fleet[i] = p.Fleet.Percent
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", fw, sparkline(fleet), trendSummary(fleet))
		for _, c := range trendClusters(points) {
			vals := make([]float64, len(points))
			for i, p := range points {
				vals[i] = math.NaN()
				for _, sc := range p.Clusters {
					if sc.Cluster == c {
						vals[i] = sc.Percent
					}
				}
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", cleanCell(c), sparkline(vals), trendSummary(vals))
		}
	}
	return tw.Flush()
}

// clustersCell lists an audit's clusters, marking those not complete, and
// abbreviates long lists.
func clustersCell(cs []store.ClusterState) string {
	if len(cs) == 0 {
		return "-"
	}
	const show = 4
	var parts []string
	for i, c := range cs {
		if i == show {
			parts = append(parts, fmt.Sprintf("+%d more", len(cs)-show))
			break
		}
		p := cleanCell(c.Name)
		if c.State != engine.ClusterComplete {
			p += " (" + cleanCell(c.State) + ")"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func trendClusters(points []store.TrendPoint) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range points {
		for _, sc := range p.Clusters {
			if !seen[sc.Cluster] {
				seen[sc.Cluster] = true
				out = append(out, sc.Cluster)
			}
		}
	}
	slices.Sort(out)
	return out
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws percentages on an absolute 0–100 scale; NaN (an audit
// that did not cover the cluster) is a dot.
func sparkline(vals []float64) string {
	var b strings.Builder
	for _, v := range vals {
		if math.IsNaN(v) {
			b.WriteRune('·')
			continue
		}
		i := int(math.Round(math.Max(0, math.Min(100, v)) / 100 * float64(len(sparks)-1)))
		b.WriteRune(sparks[i])
	}
	return b.String()
}

// trendSummary gives the first and last known values and an arrow.
func trendSummary(vals []float64) string {
	var known []float64
	for _, v := range vals {
		if !math.IsNaN(v) {
			known = append(known, v)
		}
	}
	switch len(known) {
	case 0:
		return "-"
	case 1:
		return fmt.Sprintf("%.1f%%", known[0])
	}
	first, last := known[0], known[len(known)-1]
	delta := last - first
	arrow := "→"
	switch {
	case delta >= 0.05:
		arrow = "↑"
	case delta <= -0.05:
		arrow = "↓"
	}
	return fmt.Sprintf("%.1f%% → %.1f%%  %s %+.1f", first, last, arrow, delta)
}

// cleanCell makes stored text safe for one table cell on a terminal: no
// newlines, tabs or control characters (an escape sequence in an object's
// annotation must not reach the terminal).
func cleanCell(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return '?'
		}
		return r
	}, s)
}

// AuditDiff writes the findings new, resolved and unchanged between two
// stored audits, as policy diff shows them.
func AuditDiff(w io.Writer, from, to store.Summary, d store.Diff) error {
	describe := func(s store.Summary) string {
		return fmt.Sprintf("audit %d (%s UTC, %s)", s.ID, s.Started.UTC().Format(time.DateTime), cleanCell(s.Source))
	}
	fmt.Fprintf(w, "From %s\nto   %s:\n", describe(from), describe(to))
	fmt.Fprintf(w, "%d new, %d resolved, %d unchanged", len(d.New), len(d.Resolved), len(d.Unchanged))
	if len(d.Unassessed) > 0 {
		fmt.Fprintf(w, ", %d unassessed (in clusters audit %d did not reach)", len(d.Unassessed), to.ID)
	}
	fmt.Fprintln(w)
	sections := []struct {
		title string
		fs    []engine.Finding
	}{
		{"NEW", d.New},
		{"RESOLVED", d.Resolved},
		{"UNCHANGED", d.Unchanged},
		{"UNASSESSED", d.Unassessed},
	}
	for _, sec := range sections {
		if len(sec.fs) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s (%d)\n", sec.title, len(sec.fs))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  SEVERITY\tCLUSTER\tPOLICY\tRESOURCE\tMESSAGE")
		for _, f := range sec.fs {
			sev := f.Severity.String()
			if f.Excepted != nil {
				sev += " (excepted)"
			}
			cluster := f.Cluster
			if cluster == "" {
				cluster = "-"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", sev, cleanCell(cluster), cleanCell(f.PolicyID),
				cleanCell(f.Resource.String()), cleanCell(strings.TrimSpace(f.Message)))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
