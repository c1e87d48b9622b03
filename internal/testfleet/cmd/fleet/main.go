// Command fleet starts, reports on and stops the local fleet for people:
// three real etcd and kube-apiserver pairs on loopback (dev and staging-eu
// on the current minor, prod-us on an end-of-life one), seeded from
// testdata/fleet.
//
//	fleet up [--dir .fleet]      start (or report the running fleet), print export KUBECONFIG=...
//	fleet status [--dir .fleet]  show clusters, versions, pids and memory
//	fleet down [--dir .fleet]    stop every process and remove the state
//	fleet check [KUBECONFIG]     ask every context for its version and ClusterRoles
//
// Exit codes: 0 success, 1 failure, 2 usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fleetguard/fleetguard/internal/testfleet"
	"k8s.io/client-go/discovery"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	dir := fs.String("dir", ".fleet", "directory of the fleet: kubeconfig, fleet.yaml, state.json, logs/")
	fs.Parse(os.Args[2:])
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	switch os.Args[1] {
	case "up":
		err = up(ctx, abs)
	case "down":
		err = down(abs)
	case "status":
		err = status(ctx, abs)
	case "check":
		err = check(ctx, fs.Arg(0))
	default:
		usage()
	}
	if err != nil {
		fail(err)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: fleet up|down|status [--dir .fleet] | fleet check [KUBECONFIG]")
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fleet:", err)
	os.Exit(1)
}

func up(ctx context.Context, dir string) error {
	if s, err := testfleet.LoadState(dir); err == nil {
		if err := s.Check(ctx); err == nil {
			fmt.Fprintf(os.Stderr, "fleet: already running since %s (%d clusters)\n", s.Started.Format(time.RFC3339), len(s.Clusters))
			fmt.Printf("export KUBECONFIG=%s\n", s.Kubeconfig)
			return nil
		} else {
			fmt.Fprintf(os.Stderr, "fleet: recorded fleet is stale (%v); restarting\n", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "fleet: %v; restarting\n", err)
	}
	if _, err := testfleet.Down(dir, time.Second); err != nil {
		return err
	}
	began := time.Now()
	f, err := testfleet.Up(ctx, testfleet.Options{Dir: dir, Seed: true, Detach: true})
	if err != nil {
		return err
	}
	if err := f.Save(); err != nil {
		f.Stop()
		return err
	}
	fmt.Fprintf(os.Stderr, "fleet: %d clusters ready in %.1fs, seeded in %.1fs, %.1fs in all (logs in %s)\n",
		len(f.Clusters), f.Ready.Seconds(), f.Seeded.Seconds(), time.Since(began).Seconds(), filepath.Join(dir, "logs"))
	for _, c := range f.Clusters {
		fmt.Fprintf(os.Stderr, "  %-11s %-9s %s  contexts %s, %s\n", c.Name, c.Version, c.Server, c.Context, c.AuditorContext)
	}
	fmt.Printf("export KUBECONFIG=%s\n", f.Kubeconfig)
	return nil
}

func down(dir string) error {
	pids, err := testfleet.Down(dir, time.Second)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "fleet: stopped %d processes; none left\n", len(pids))
	return nil
}

func status(ctx context.Context, dir string) error {
	s, err := testfleet.LoadState(dir)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Println("no fleet recorded in", dir)
		return nil
	}
	if err != nil {
		return err
	}
	health := "healthy"
	if err := s.Check(ctx); err != nil {
		health = "unhealthy: " + err.Error()
	}
	fmt.Printf("fleet in %s, started %s, %s\nKUBECONFIG=%s\n", s.Dir, s.Started.Format(time.RFC3339), health, s.Kubeconfig)
	for _, c := range s.Clusters {
		served := "?"
		if cfg, err := testfleet.ContextConfig(s.Kubeconfig, c.Name); err == nil {
			if dc, err := discovery.NewDiscoveryClientForConfig(cfg); err == nil {
				if v, err := dc.ServerVersion(); err == nil {
					served = v.GitVersion
				}
			}
		}
		mem := "?"
		if n, err := c.RSS(); err == nil {
			mem = fmt.Sprintf("%d MiB", n>>20)
		}
		fmt.Printf("  %-11s want %-9s serves %-9s %s  etcd pid %d, kube-apiserver pid %d, RSS %s\n",
			c.Name, c.Version, served, c.Server, c.EtcdPID, c.APIServerPID, mem)
	}
	return nil
}

func check(ctx context.Context, kubeconfig string) error {
	if kubeconfig == "" {
		kubeconfig = os.Getenv("KUBECONFIG")
	}
	if kubeconfig == "" {
		return errors.New("check: no kubeconfig given and KUBECONFIG is empty")
	}
	probes, err := testfleet.ProbeAll(ctx, kubeconfig)
	for _, p := range probes {
		roles := "forbidden"
		if p.ClusterRoles >= 0 {
			roles = fmt.Sprintf("%d (bootstrap roles present: %t)", p.ClusterRoles, p.Bootstrap)
		}
		fmt.Printf("%-20s %-9s ClusterRoles %s\n", p.Context, p.Version, roles)
	}
	return err
}
