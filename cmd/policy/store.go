package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/fleetguard/fleetguard/audit"
	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/reports"
	"github.com/fleetguard/fleetguard/store"
)

// storeFlag registers --store, the audit history, for the commands that
// read or write it.
func storeFlag(fl *pflag.FlagSet, dsn *string) {
	fl.StringVar(dsn, "store", "", "audit history: a SQLite file or a postgres:// URL (default: "+defaultStoreHelp()+")")
}

func defaultStoreHelp() string {
	if p, err := store.DefaultPath(); err == nil {
		return p
	}
	return "$XDG_DATA_HOME/fleetguard/history.db"
}

// recordAudit saves the audit in the history and returns what the reports
// show of the history beside it.
func recordAudit(ctx context.Context, dsn string, r *engine.Result) (*reports.History, error) {
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("opening the audit history: %w", err)
	}
	defer st.Close()
	id, err := st.SaveAudit(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("saving the audit: %w", err)
	}
	return audit.History(ctx, st, id)
}
