package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/engine"
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
			return writeDiff(out, sums[0], sums[1], d)
		},
	}
	f := cmd.Flags()
	f.StringVar(&where, "store", "", "audit history: a SQLite file or a postgres:// URL (default: "+defaultStoreHelp()+")")
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

func writeDiff(w io.Writer, from, to store.Summary, d store.Diff) error {
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
