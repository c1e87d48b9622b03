package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/audit"
	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/reports"
	"github.com/fleetguard/fleetguard/snapshot"
)

// auditFlags are the flags of `policy audit`.
type auditFlags struct {
	bundle     string
	snapshots  []string
	outputs    []string
	failOn     string
	exceptions string
	include    []string
	skip       []string
	sign       string
	store      string
	noStore    bool
	apply      bool
	reportAPI  string
	memLimit   int64
	fleet      fleetFlags
}

func newAudit() *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Audit clusters (live or from snapshots) against the bundle, with framework scores",
		Long: `audit evaluates every cluster at three scopes: object policies over every
object, cluster policies over each cluster's derived views (effective RBAC,
NetworkPolicy coverage, secret references, versions), and fleet policies that
compare clusters with each other. It applies exceptions, scores the CIS
Kubernetes Benchmark, NSA/CISA and Pod Security Standards controls per cluster
and for the fleet, and writes reports.

Clusters come from kubeconfig contexts (fetched first, as "policy snapshot"
does) or from snapshot files written earlier (--snapshot), which makes an
audit reproducible offline.

Exit codes: 0 no finding at or above --fail-on; 1 some; 2 usage or input
error; 3 some cluster was partial or unreachable (its status is in the
report; the other clusters are still audited).`,
		Example: `  policy audit --all-contexts -o html=out/report.html -o json=out/audit.json
  policy audit --context prod-us --context prod-eu --exceptions exceptions.yaml
  policy audit --snapshot snaps/dev.json --snapshot snaps/prod-us.json.gz -o table`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAudit(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.bundle, "bundle", "", "policy bundle: a directory, an OPA bundle .tar.gz or an http(s) URL (default: the embedded bundle)")
	fl.StringArrayVar(&f.snapshots, "snapshot", nil, "audit this snapshot file instead of live clusters (repeatable)")
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, "output FORMAT[=FILE], repeatable; formats: "+strings.Join(reports.Formats(), ", ")+" (default table)")
	fl.StringVar(&f.failOn, "fail-on", "high", "exit 1 when a non-excepted finding is at or above this severity")
	fl.StringVar(&f.exceptions, "exceptions", "", "exceptions YAML file (kind: ExceptionList)")
	fl.StringArrayVar(&f.include, "policy", nil, "evaluate only this policy id (repeatable)")
	fl.StringArrayVar(&f.skip, "skip-policy", nil, "do not evaluate this policy id (repeatable)")
	fl.StringVar(&f.sign, "sign", "", "sign the report files and the bundle and snapshot digests with this ed25519 private key (PEM); writes evidence.json and evidence.json.sig beside the reports")
	storeFlag(fl, &f.store)
	fl.BoolVar(&f.noStore, "no-store", false, "do not record this audit in the history")
	fl.BoolVar(&f.apply, "apply-reports", false, "write report objects into each audited cluster (needs the report CRDs and write access: deploy/crds/openreports.yaml)")
	fl.StringVar(&f.reportAPI, "report-api", "openreports", "report objects for --apply-reports: openreports (openreports.io/v1alpha1) or policyreport (wgpolicyk8s.io/v1alpha2)")
	auditMemoryFlag(fl, &f.memLimit)
	f.fleet.register(cmd)
	cmd.AddCommand(newAuditVerify(), newAuditKeygen())
	return cmd
}

func runAudit(cmd *cobra.Command, f *auditFlags) error {
	min, ok := engine.ParseSeverity(f.failOn)
	if !ok {
		return usageErr("--fail-on %q: want critical, high, medium, low or info", f.failOn)
	}
	outs, err := parseOutputs(f.outputs, "table")
	if err != nil {
		return err
	}
	live := f.fleet.selected()
	if len(f.snapshots) > 0 && live {
		return usageErr("audit: give either --snapshot files or live clusters (--context, --all-contexts, --config), not both")
	}
	if f.apply && len(f.snapshots) > 0 {
		return usageErr("--apply-reports writes into live clusters; it cannot be used with --snapshot")
	}
	if f.reportAPI != "openreports" && f.reportAPI != "policyreport" {
		return usageErr("--report-api %q: want openreports or policyreport", f.reportAPI)
	}
	var xs *engine.Exceptions
	if f.exceptions != "" {
		if xs, err = engine.LoadExceptions(f.exceptions); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
	}
	tuneGC(400, f.memLimit)
	ctx := cmd.Context()
	eng, err := engine.New(ctx, engine.WithBundleSource(f.bundle), engine.WithPolicies(f.include...), engine.WithoutPolicies(f.skip...))
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	prog := newProgress(cmd.ErrOrStderr())
	var srcs []audit.Source
	workers := 0 // GOMAXPROCS
	evalCtx, stop := ctx, func() {}
	if len(f.snapshots) == 0 {
		// Live clusters are read as the audit reaches them, --workers at a
		// time; Ctrl-C stops reading and evaluating, and nothing is kept.
		evalCtx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		if srcs, err = f.fleet.sources(evalCtx, prog); err != nil {
			return err
		}
		workers = f.fleet.workers
	} else {
		// Snapshot files are loaded as the audit reaches them, so a fleet
		// larger than memory is audited a few clusters at a time.
		srcs = audit.FromFiles(f.snapshots)
	}
	r, err := audit.RunSources(evalCtx, eng, srcs, audit.Options{Exceptions: xs, SystemNamespaces: f.fleet.systemNamespaces(), Progress: prog.set, KeepPasses: listsPasses(outs) || f.apply, Workers: workers})
	interrupted := evalCtx.Err() != nil
	stop() // from here on Ctrl-C ends the process as usual
	if interrupted {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("interrupted while reading and evaluating clusters; nothing was stored or written")}
	}
	if err != nil {
		return &exitError{code: exitUsage, err: err}
	}
	var history *reports.History
	if !f.noStore {
		if history, err = recordAudit(ctx, f.store, r); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
	}
	if err := writeOutputsWith(outs, r, cmd.OutOrStdout(), history); err != nil {
		return err
	}
	if f.apply {
		if err := applyReports(ctx, f.reportAPI, f.fleet.configs, r); err != nil {
			return &exitError{code: exitUsage, err: err}
		}
	}
	if f.sign != "" {
		manifest, err := signOutputs(f.sign, outs, r)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "signed evidence: %s\n", manifest)
	}
	incomplete := false
	for _, c := range r.Clusters {
		if c.State != snapshot.StateComplete {
			incomplete = true
			fmt.Fprintf(cmd.ErrOrStderr(), "cluster %q is %s: %s\n", c.Name, c.State, strings.Join(c.Errors, "; "))
		}
	}
	switch {
	case r.HasErrors():
		return &exitError{code: exitUsage}
	case incomplete:
		return &exitError{code: exitIncomplete}
	case r.Count(min) > 0:
		return &exitError{code: exitFindings}
	}
	return nil
}
