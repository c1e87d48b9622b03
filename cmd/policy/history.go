package main

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/reports"
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
			return reports.AuditList(out, st.Where(), audits, frameworks, trends)
		},
	}
	f := cmd.Flags()
	storeFlag(f, &where)
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
