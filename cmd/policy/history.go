package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/store"
)

func newHistory() *cobra.Command {
	var (
		where  string
		limit  int
		format string
	)
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List stored audits and the trend of their scores",
		Long: `history lists the audits kept in the history store, newest first: when each
ran, where it came from (cli, serve, or an in-cluster agent), its clusters
and their state, its findings, and its score per framework. Below, the
trend of each framework's score over those audits, fleet-wide and per
cluster, as a sparkline (▁ 0% … █ 100%) and an arrow.

Exit codes: 0 ok; 2 usage error, or the store cannot be read.`,
		Example: `  policy history
  policy history --store ./history.db --limit 10
  policy history --store postgres://fleetguard@db.internal/fleetguard -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "table" && format != "json" {
				return usageErr("-o %q: want table or json", format)
			}
			if limit < 0 {
				return usageErr("--limit %d: want 0 (all) or more", limit)
			}
			ctx := cmd.Context()
			st, err := openHistory(ctx, where)
			if err != nil {
				return err
			}
			defer st.Close()
			audits, err := st.ListAudits(ctx, limit)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			frameworks := auditFrameworks(audits)
			trends := map[string][]store.TrendPoint{}
			for _, fw := range frameworks {
				if trends[fw], err = st.Trend(ctx, fw, limit); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				if audits == nil {
					audits = []store.Summary{}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Store  string                        `json:"store"`
					Audits []store.Summary               `json:"audits"`
					Trends map[string][]store.TrendPoint `json:"trends"`
				}{st.Where(), audits, trends})
			}
			return writeHistory(out, st.Where(), audits, frameworks, trends)
		},
	}
	f := cmd.Flags()
	f.StringVar(&where, "store", "", "audit history: a SQLite file or a postgres:// URL (default: "+defaultStoreHelp()+")")
	f.IntVar(&limit, "limit", 20, "show the newest N audits (0: all)")
	f.StringVarP(&format, "output", "o", "table", "output format: table or json")
	return cmd
}

// openHistory opens an existing history; a missing SQLite file is an
// error, not an empty history created as a side effect of reading.
func openHistory(ctx context.Context, where string) (*store.Store, error) {
	st, err := store.Open(ctx, where, store.MustExist())
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return st, nil
}

func auditFrameworks(audits []store.Summary) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range audits {
		for _, fw := range a.Frameworks() {
			if !seen[fw] {
				seen[fw] = true
				out = append(out, fw)
			}
		}
	}
	slices.Sort(out)
	return out
}

func writeHistory(w io.Writer, where string, audits []store.Summary, frameworks []string, trends map[string][]store.TrendPoint) error {
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
