package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/fleetguard/fleetguard/fetchers"
	"github.com/fleetguard/fleetguard/snapshot"
)

func newSnapshot() *cobra.Command {
	var (
		clusters    clusterFlags
		out         string
		gz, verbose bool
	)
	cmd := &cobra.Command{
		Use:   "snapshot -o DIR [--context NAME]... [--all-contexts] [--config FILE]",
		Short: "Write one snapshot file per cluster, read live from kubeconfig contexts",
		Long: `snapshot reads every cluster it is given, concurrently, and writes one
snapshot file per cluster: RBAC, NetworkPolicies, workloads, Secrets as
metadata only, ConfigMaps by name, webhook configurations, nodes, served APIs
and the server version. Snapshots are what "policy audit" evaluates, now or
later, offline.

Clusters are the current context by default, the --context names, every
context with --all-contexts, or the clusters of the fleet config (--config),
which also gives them names and labels (env, region, tier).

-o DIR writes DIR/<cluster>.json (.json.gz with --gzip). A path holding
{name}, like out/{name}.json.gz, is a pattern instead: gzip when it ends in .gz.
Files are written atomically (temp file, then rename). Each cluster streams
to its file as it is read (a hidden spool file beside it holds the encoded
objects until the document is complete), so memory stays small however large
the cluster.

A cluster that cannot be read completely is still written, with its status
(partial or unreachable, the errors and the missing kinds); the exit code is
then 3 and stderr names each such cluster and why. Ctrl-C stops collection
and writes nothing more.`,
		Example: `  policy snapshot -o snaps/                                  # the current context
  policy snapshot --all-contexts -o snaps/ --gzip
  policy snapshot --context prod-us --context staging-eu -o snaps/
  policy snapshot --config fleet.yaml -o 'snaps/{name}.json' --timeout 1m --workers 8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErr("snapshot: -o DIR is required")
			}
			if clusters.workers < 1 {
				return usageErr("snapshot: --workers must be at least 1")
			}
			if clusters.timeout <= 0 {
				return usageErr("snapshot: --timeout must be positive")
			}
			targets, err := clusters.targets()
			if err != nil {
				return err
			}
			paths, err := fetchers.Paths(targets, out, gz)
			if err != nil {
				return usageErr("snapshot: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// The collectors' log lines and the per-cluster reports below
			// come from several goroutines: one lock keeps each whole.
			stderr := &lockedWriter{w: cmd.ErrOrStderr()}
			opts := fetchers.Options{Timeout: clusters.timeout, Workers: clusters.workers}
			if verbose {
				opts.Log = slog.New(slog.NewTextHandler(stderr, nil))
			}
			var (
				mu         sync.Mutex
				incomplete []string
				skipped    int
				writeErrs  []error
			)
			// Snapshots stream to their files, so the live heap stays at a
			// few pages per cluster: the GC percent main raises for the
			// other commands would only multiply that peak.
			defer debug.SetGCPercent(debug.SetGCPercent(100))
			path := func(t fetchers.Target) string { return paths[t.Cluster.Name] }
			fetchers.SaveFleet(ctx, targets, opts, path, func(s *snapshot.Snapshot, n int, err error) {
				mu.Lock()
				defer mu.Unlock()
				var msg bytes.Buffer // written to stderr in one piece
				defer func() { stderr.Write(msg.Bytes()) }()
				name := s.Cluster.Name
				if ctx.Err() != nil {
					skipped++
					return
				}
				if err != nil {
					writeErrs = append(writeErrs, fmt.Errorf("cluster %q: %w", name, err))
					fmt.Fprintf(&msg, "policy: snapshot %s: not written: %v\n", name, err)
					return
				}
				fmt.Fprintln(cmd.OutOrStdout(), paths[name])
				switch s.Status.State {
				case snapshot.StateComplete:
					fmt.Fprintf(&msg, "policy: snapshot %s: complete, %d objects, %d nodes\n", name, n, len(s.Nodes))
				default:
					incomplete = append(incomplete, name)
					fmt.Fprintf(&msg, "policy: snapshot %s (context %q, %s): %s", name, s.Cluster.Context, s.Cluster.Server, s.Status.State)
					if len(s.Status.MissingKinds) > 0 && s.Status.State == snapshot.StatePartial {
						fmt.Fprintf(&msg, ", missing %s", strings.Join(s.Status.MissingKinds, ", "))
					}
					fmt.Fprintln(&msg)
					for _, e := range s.Status.Errors {
						if e.Kind != "" {
							fmt.Fprintf(&msg, "  %s: %s\n", e.Kind, e.Message)
						} else {
							fmt.Fprintf(&msg, "  %s\n", e.Message)
						}
					}
				}
			})
			if ctx.Err() != nil {
				return &exitError{code: exitIncomplete, err: fmt.Errorf("snapshot: interrupted; %d of %d clusters not written", skipped, len(targets))}
			}
			if err := errors.Join(writeErrs...); err != nil {
				return err
			}
			if len(incomplete) > 0 {
				return &exitError{code: exitIncomplete, err: fmt.Errorf("snapshot: %d of %d clusters incomplete: %s", len(incomplete), len(targets), strings.Join(incomplete, ", "))}
			}
			return nil
		},
	}
	clusters.register(cmd)
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "directory for <cluster>.json files, or a path pattern holding {name}")
	f.BoolVar(&gz, "gzip", false, "write <cluster>.json.gz in the output directory")
	f.BoolVarP(&verbose, "verbose", "v", false, "log progress per cluster to stderr")
	return cmd
}

// lockedWriter serialises writes from several goroutines to one writer.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
