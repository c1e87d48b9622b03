package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/reports"
	"github.com/fleetguard/fleetguard/store"
)

func newDiff() *cobra.Command {
	var (
		where  string
		format string
	)
	cmd := &cobra.Command{
		Use:   "diff [A B]",
		Short: "Show findings new, resolved and unchanged between two stored audits",
		Long: `diff compares the findings of audit A (the older) with those of audit B. A
finding is the same in both when its cluster, policy, resource and message
are the same. A and B are audit ids as "policy history" lists them, or
"latest" and "previous" (the audit before the latest); without them diff
compares previous with latest.

Findings of A in a cluster that B did not cover or could not reach are
listed as unassessed, not as resolved.

Exit codes: 0 ok; 2 usage error, an unknown audit, or the store cannot be
read.`,
		Example: `  policy diff
  policy diff previous latest
  policy diff 41 42 --store ./history.db -o json`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 0 && len(args) != 2 {
				return usageErr("diff: give two audits (ids, latest or previous), or none to compare previous with latest")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return usageErr("-o %q: want table or json", format)
			}
			if len(args) == 0 {
				args = []string{"previous", "latest"}
			}
			ctx := cmd.Context()
			st, err := openHistory(ctx, where)
			if err != nil {
				return err
			}
			defer st.Close()
			var ids [2]int64
			var sums [2]store.Summary
			for i, ref := range args {
				if ids[i], err = resolveAudit(ctx, st, ref); err != nil {
					return err
				}
				if sums[i], err = st.Audit(ctx, ids[i]); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
			}
			d, err := st.Diff(ctx, ids[0], ids[1])
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					FromAudit store.Summary `json:"fromAudit"`
					ToAudit   store.Summary `json:"toAudit"`
					store.Diff
				}{sums[0], sums[1], emptyLists(d)})
			}
			return reports.AuditDiff(out, sums[0], sums[1], d)
		},
	}
	f := cmd.Flags()
	storeFlag(f, &where)
	f.StringVarP(&format, "output", "o", "table", "output format: table or json")
	return cmd
}

// resolveAudit turns an audit reference (an id, latest or previous) into an id.
func resolveAudit(ctx context.Context, st *store.Store, ref string) (int64, error) {
	switch ref {
	case "latest", "previous":
		id, err := st.Latest(ctx)
		if err != nil {
			return 0, &exitError{code: exitUsage, err: err}
		}
		if ref == "latest" {
			return id, nil
		}
		prev, err := st.Previous(ctx, id)
		if err != nil {
			return 0, &exitError{code: exitUsage, err: fmt.Errorf("previous: %w", err)}
		}
		return prev, nil
	}
	id, err := strconv.ParseInt(ref, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErr("audit %q: want an id as policy history lists them, latest or previous", ref)
	}
	return id, nil
}

// emptyLists makes the JSON show [] rather than null for empty lists.
func emptyLists(d store.Diff) store.Diff {
	for _, l := range []*[]engine.Finding{&d.New, &d.Resolved, &d.Unchanged} {
		if *l == nil {
			*l = []engine.Finding{}
		}
	}
	return d
}
