package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/audit"
	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/serve"
	"github.com/fleetguard/fleetguard/store"
)

func newServe() *cobra.Command {
	var (
		listen, schedule, dsn, bundle, bundleFile, exceptions string
		runNow                                                bool
		memLimit                                              int64
		fleet                                                 fleetFlags
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run audits on a schedule and serve reports, history, diffs and metrics",
		Long: `serve runs "policy audit" on a cron schedule over the selected clusters,
stores every audit in the history, and serves over HTTP:

  /                          the latest fleet report (each cluster's newest audit,
                             including audits pushed by in-cluster agents)
  /report.pdf                the same as PDF
  /audits/ID/report.html     one stored audit
  /api/audits, /api/audits/ID, /api/diff?from=A&to=B
  /bundle.tar.gz             the central bundle, for webhooks to poll (--bundle-file)
  /metrics, /healthz

An audit that fails is counted and shown in /healthz; the previous report
stays in place and is never replaced by a failed run.`,
		Example: `  policy serve --all-contexts --schedule "0 */6 * * *" --store postgres://fleetguard@db/fleetguard
  policy serve --store /var/lib/fleetguard/history.db     # only show what agents push`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tuneGC(400, memLimit)
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			st, err := store.Open(ctx, dsn)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			defer st.Close()
			var xs *engine.Exceptions
			if exceptions != "" {
				if xs, err = engine.LoadExceptions(exceptions); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
			}
			cfg := serve.Config{Store: st, Schedule: schedule, BundleFile: bundleFile, Log: cmd.ErrOrStderr()}
			if fleet.selected() {
				cfg.Audit = func(ctx context.Context) (*engine.Result, error) {
					// The bundle is loaded for every run, so a new bundle is picked up.
					eng, err := engine.New(ctx, engine.WithBundleSource(bundle))
					if err != nil {
						return nil, err
					}
					srcs, err := fleet.sources(ctx, nil)
					if err != nil {
						return nil, err
					}
					return audit.RunSources(ctx, eng, srcs, audit.Options{Exceptions: xs, SystemNamespaces: fleet.systemNamespaces(), Workers: fleet.workers})
				}
			} else if schedule != "" || runNow {
				return usageErr("serve: --schedule and --run-now need clusters (--context, --all-contexts or --config)")
			}
			s, err := serve.New(cfg)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			srv := &http.Server{Addr: listen, Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
			errc := make(chan error, 1)
			go func() { errc <- srv.ListenAndServe() }()
			fmt.Fprintf(cmd.ErrOrStderr(), "serving on http://%s\n", listen)
			if runNow {
				go s.RunOnce(ctx)
			}
			go s.Run(ctx)
			select {
			case err := <-errc:
				return &exitError{code: exitUsage, err: err}
			case <-ctx.Done():
			}
			shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&listen, "listen", "127.0.0.1:8080", "HTTP listen address")
	fl.StringVar(&schedule, "schedule", "", `cron schedule of audits, e.g. "0 */6 * * *" (five fields)`)
	storeFlag(fl, &dsn)
	fl.StringVar(&bundle, "bundle", "", "policy bundle for scheduled audits (default: the embedded bundle)")
	fl.StringVar(&bundleFile, "bundle-file", "", "an OPA bundle .tar.gz to serve at /bundle.tar.gz for webhooks")
	fl.StringVar(&exceptions, "exceptions", "", "exceptions YAML file for scheduled audits")
	fl.BoolVar(&runNow, "run-now", false, "run one audit at start as well as on the schedule")
	auditMemoryFlag(fl, &memLimit)
	fleet.register(cmd)
	return cmd
}
