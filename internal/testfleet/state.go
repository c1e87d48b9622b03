package testfleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// State records a detached fleet (state.json in its directory), so that a
// later process can report on it and stop it.
type State struct {
	Dir        string         `json:"dir"`
	Kubeconfig string         `json:"kubeconfig"`
	Config     string         `json:"config"`
	Started    time.Time      `json:"started"`
	Clusters   []StateCluster `json:"clusters"`
}

// StateCluster is one cluster of a recorded fleet. The pids are also the
// process group ids.
type StateCluster struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	Server       string `json:"server"`
	EtcdPID      int    `json:"etcdPid"`
	APIServerPID int    `json:"apiserverPid"`
}

// RSS returns the resident memory of the cluster's etcd plus kube-apiserver,
// in bytes, read from /proc.
func (c StateCluster) RSS() (int64, error) {
	a, err := rss(c.EtcdPID)
	if err != nil {
		return 0, fmt.Errorf("cluster %q etcd: %w", c.Name, err)
	}
	b, err := rss(c.APIServerPID)
	if err != nil {
		return 0, fmt.Errorf("cluster %q kube-apiserver: %w", c.Name, err)
	}
	return a + b, nil
}

// stateFile is the name of the state file in the fleet directory.
const stateFile = "state.json"

// Save writes the fleet's state.json.
func (f *Fleet) Save() error {
	s := State{Dir: f.Dir, Kubeconfig: f.Kubeconfig, Config: f.Config, Started: time.Now().UTC()}
	for _, c := range f.Clusters {
		s.Clusters = append(s.Clusters, StateCluster{Name: c.Name, Version: c.Version, Server: c.Server, EtcdPID: c.etcd.pid, APIServerPID: c.api.pid})
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(f.Dir, stateFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing fleet state: %w", err)
	}
	return nil
}

// LoadState reads the state of the fleet in dir. It returns an error
// satisfying errors.Is(err, os.ErrNotExist) when no fleet was recorded.
func LoadState(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", filepath.Join(dir, stateFile), err)
	}
	return &s, nil
}

// Check returns nil when every recorded process runs and every cluster
// answers /readyz through its kubeconfig context; otherwise it names the
// first cluster that does not.
func (s *State) Check(ctx context.Context) error {
	for _, c := range s.Clusters {
		for _, pid := range []int{c.EtcdPID, c.APIServerPID} {
			if !ours(pid, s.Dir) {
				return fmt.Errorf("cluster %q: process %d is gone", c.Name, pid)
			}
		}
		cfg, err := ContextConfig(s.Kubeconfig, c.Name)
		if err != nil {
			return err
		}
		dc, err := discovery.NewDiscoveryClientForConfig(cfg)
		if err != nil {
			return fmt.Errorf("cluster %q: %w", c.Name, err)
		}
		body, err := dc.RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err != nil {
			return fmt.Errorf("cluster %q: /readyz: %w", c.Name, err)
		}
		if strings.TrimSpace(string(body)) != "ok" {
			return fmt.Errorf("cluster %q: /readyz said %q", c.Name, body)
		}
	}
	return nil
}

// ContextConfig loads one context of a kubeconfig file as a client config.
func ContextConfig(kubeconfig, context string) (*rest.Config, error) {
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: context}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("context %q of %s: %w", context, kubeconfig, err)
	}
	return cfg, nil
}

// Down stops the fleet recorded in dir: it sends SIGTERM to every recorded
// process group and to any stray fleet process whose command line names
// dir, then SIGKILL to what remains after grace. It verifies that none is
// left, and removes the state, kubeconfig, fleet config and cluster data
// (logs stay). It returns the pids it stopped.
func Down(dir string, grace time.Duration) ([]int, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	pids := strays(dir)
	if s, err := LoadState(dir); err == nil {
		for _, c := range s.Clusters {
			for _, pid := range []int{c.APIServerPID, c.EtcdPID} {
				if ours(pid, dir) && !slices.Contains(pids, pid) {
					pids = append(pids, pid)
				}
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, pid := range pids {
		_ = syscall.Kill(-pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) && anyAlive(pids) {
		time.Sleep(100 * time.Millisecond)
	}
	for _, pid := range pids {
		if alive(pid) {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
	}
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end) && anyAlive(pids); {
		time.Sleep(100 * time.Millisecond)
	}
	if left := strays(dir); len(left) > 0 {
		return pids, fmt.Errorf("fleet processes still running after SIGKILL: %v", left)
	}
	// Remove only what Up wrote, so a mistaken --dir loses nothing else.
	for _, name := range []string{stateFile, "kubeconfig", "fleet.yaml"} {
		os.Remove(filepath.Join(dir, name))
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		sub := filepath.Join(dir, e.Name())
		_, errTok := os.Stat(filepath.Join(sub, "tokens.csv"))
		_, errEtcd := os.Stat(filepath.Join(sub, "etcd"))
		if e.IsDir() && (errTok == nil || errEtcd == nil) {
			os.RemoveAll(sub)
		}
	}
	return pids, nil
}

func anyAlive(pids []int) bool {
	for _, p := range pids {
		if alive(p) {
			return true
		}
	}
	return false
}

// ours reports whether pid is a live etcd or kube-apiserver of the fleet in
// dir, so that a recycled pid is never signalled.
func ours(pid int, dir string) bool {
	if pid <= 0 || !alive(pid) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	args := strings.Split(string(b), "\x00")
	base := filepath.Base(args[0])
	if !strings.HasPrefix(base, "etcd-") && !strings.HasPrefix(base, "kube-apiserver-") {
		return false
	}
	return strings.Contains(string(b), dir+string(filepath.Separator))
}

// strays lists the live fleet processes whose command line names dir.
func strays(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err == nil && ours(pid, dir) {
			out = append(out, pid)
		}
	}
	return out
}

// Probe is what one kubeconfig context answered.
type Probe struct {
	Context string
	// Version is the apiserver's /version gitVersion.
	Version string
	// ClusterRoles is the number of ClusterRoles listed, or -1 when the
	// context may not list them.
	ClusterRoles int
	// Bootstrap reports whether cluster-admin, admin, edit and view exist.
	Bootstrap bool
}

// ProbeAll asks every context of a kubeconfig for its version and its
// ClusterRoles, in context name order. A context that cannot be reached is
// an error naming it.
func ProbeAll(ctx context.Context, kubeconfig string) ([]Probe, error) {
	raw, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("loading kubeconfig: %w", err)
	}
	var names []string
	for n := range raw.Contexts {
		names = append(names, n)
	}
	slices.Sort(names)
	var out []Probe
	for _, n := range names {
		cfg, err := ContextConfig(kubeconfig, n)
		if err != nil {
			return out, err
		}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return out, fmt.Errorf("context %q: %w", n, err)
		}
		v, err := cs.Discovery().ServerVersion()
		if err != nil {
			return out, fmt.Errorf("context %q: /version: %w", n, err)
		}
		p := Probe{Context: n, Version: v.GitVersion, ClusterRoles: -1}
		list, err := cs.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
		if err != nil && !apierrors.IsForbidden(err) {
			return out, fmt.Errorf("context %q: listing ClusterRoles: %w", n, err)
		}
		if err == nil {
			p.ClusterRoles = len(list.Items)
			found := 0
			for _, r := range list.Items {
				if slices.Contains([]string{"cluster-admin", "admin", "edit", "view"}, r.Name) {
					found++
				}
			}
			p.Bootstrap = found == 4
		}
		out = append(out, p)
	}
	return out, nil
}
