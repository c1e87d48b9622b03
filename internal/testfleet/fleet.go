package testfleet

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
)

// Versions the binaries are built for by hack/fleet-binaries.sh.
const (
	// EtcdVersion is the etcd every cluster runs.
	EtcdVersion = "v3.6.16"
	// Current is the newer, supported kube-apiserver minor.
	Current = "v1.36.3"
	// Old is an older kube-apiserver minor past its end of life.
	Old = "v1.33.13"
)

// User names of the token users every cluster knows.
const (
	// Admin is in system:masters.
	Admin = "admin"
	// Auditor is in the group fleetguard:auditors, bound to exactly the
	// ClusterRole of deploy/fetcher/clusterrole.yaml.
	Auditor = "auditor"
	// Restricted is authenticated and holds no role of its own.
	Restricted = "restricted"
	// NoSecrets holds the fetcher role minus secrets, to test partial audits.
	NoSecrets = "no-secrets"
)

// ClusterSpec describes one cluster to start.
type ClusterSpec struct {
	// Name is the cluster, context and directory name, like "prod-us".
	Name string
	// Version is the kube-apiserver version, like "v1.36.3"; the binary
	// kube-apiserver-<Version> must be in the binary directory.
	Version string
	// Labels go to the fleet config; env, region and tier by convention.
	Labels map[string]string
}

// User is an extra token user, with its groups.
type User struct {
	Name   string
	Groups []string
}

// Options configure a fleet. The zero value starts DefaultClusters, unseeded.
type Options struct {
	// Clusters to start; DefaultClusters when empty.
	Clusters []ClusterSpec
	// Seed applies the fixtures of testdata/fleet (common/ and <cluster>/).
	Seed bool
	// FixtureDirs are applied to every cluster after the built-in fixtures.
	FixtureDirs []string
	// Users are extra token users, on top of admin, auditor, restricted and
	// no-secrets. They hold no role until a test binds one.
	Users []User
	// Dir holds the kubeconfig, fleet.yaml, logs and data. When empty a
	// temporary directory is used and removed by Stop.
	Dir string
	// Root is the repository root; found from the working directory when empty.
	Root string
	// BinDir holds the binaries; <Root>/.cache/fleet/bin when empty.
	BinDir string
	// ReadyTimeout bounds each process start; 90 s when zero.
	ReadyTimeout time.Duration
	// Detach starts every process in its own session, so the fleet outlives
	// the calling process (the fleet command). Otherwise processes die with
	// the caller.
	Detach bool
}

// DefaultClusters is the fleet of `make fleet-up`: two clusters on the
// current minor and one on an end-of-life minor, all different on purpose
// (see testdata/fleet/README.md).
func DefaultClusters() []ClusterSpec {
	return []ClusterSpec{
		{Name: "dev", Version: Current, Labels: map[string]string{"env": "dev", "region": "eu-west-1", "tier": "low"}},
		{Name: "staging-eu", Version: Current, Labels: map[string]string{"env": "staging", "region": "eu-central-1", "tier": "medium"}},
		{Name: "prod-us", Version: Old, Labels: map[string]string{"env": "prod", "region": "us-east-1", "tier": "critical"}},
	}
}

// Fleet is a set of running clusters. Its methods are safe for concurrent
// use once Up or Start has returned, except Stop.
type Fleet struct {
	// Dir holds everything the fleet wrote.
	Dir string
	// Kubeconfig is the path of the kubeconfig: contexts <name> (admin) and
	// <name>-auditor for every cluster.
	Kubeconfig string
	// Config is the path of the fleet config (fleet.yaml), see the package doc.
	Config string
	// Clusters in the order of Options.Clusters.
	Clusters []*Cluster
	// Ready is how long the processes took to answer /readyz, all clusters
	// started concurrently; Seeded is the time spent on RBAC and fixtures.
	Ready, Seeded time.Duration

	ownDir bool
	once   sync.Once
}

// Cluster is one running etcd and kube-apiserver pair.
type Cluster struct {
	// Name is also the admin context name.
	Name string
	// Context is the admin context in the kubeconfig.
	Context string
	// AuditorContext is the auditor context in the kubeconfig.
	AuditorContext string
	// Version is the kube-apiserver version, like "v1.33.13".
	Version string
	// Labels are the fleet config labels (env, region, tier).
	Labels map[string]string
	// Server is the https URL of the apiserver.
	Server string
	// CAData is the PEM of the apiserver's self-signed serving CA.
	CAData []byte
	// Config is an admin (system:masters) client config.
	Config *rest.Config
	// AuditorConfig is the auditor user's client config.
	AuditorConfig *rest.Config

	tokens    map[string]string
	etcd, api *proc
}

// UserConfig returns a client config that authenticates as the named token
// user (admin, auditor, restricted, no-secrets or an Options.Users name).
func (c *Cluster) UserConfig(user string) (*rest.Config, error) {
	tok, ok := c.tokens[user]
	if !ok {
		return nil, fmt.Errorf("cluster %q: no token user %q", c.Name, user)
	}
	return &rest.Config{
		Host:            c.Server,
		BearerToken:     tok,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.CAData},
		QPS:             200,
		Burst:           400,
	}, nil
}

// PIDs returns the process group ids of etcd and kube-apiserver.
func (c *Cluster) PIDs() (etcd, apiserver int) {
	return c.etcd.pid, c.api.pid
}

// RSS returns the resident memory of etcd plus kube-apiserver, in bytes.
func (c *Cluster) RSS() (int64, error) {
	a, err := rss(c.etcd.pid)
	if err != nil {
		return 0, fmt.Errorf("cluster %q etcd: %w", c.Name, err)
	}
	b, err := rss(c.api.pid)
	if err != nil {
		return 0, fmt.Errorf("cluster %q kube-apiserver: %w", c.Name, err)
	}
	return a + b, nil
}

// Cluster returns the named cluster, or nil.
func (f *Fleet) Cluster(name string) *Cluster {
	for _, c := range f.Clusters {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Start starts a fleet for a test and stops it when the test and its
// subtests end, even after a failure or a panic. It fails the test when the
// fleet cannot start.
func Start(t testing.TB, opts Options) *Fleet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	opts.Detach = false
	f, err := Up(ctx, opts)
	if err != nil {
		t.Fatalf("starting the local fleet: %v", err)
	}
	t.Cleanup(f.Stop)
	return f
}

// Up starts the clusters concurrently, waits for /readyz, writes the
// kubeconfig and fleet config, and seeds the fixtures when asked. On error
// every process already started is killed.
func Up(ctx context.Context, opts Options) (_ *Fleet, err error) {
	if len(opts.Clusters) == 0 {
		opts.Clusters = DefaultClusters()
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = 90 * time.Second
	}
	if opts.Root == "" {
		if opts.Root, err = RepoRoot(); err != nil {
			return nil, err
		}
	}
	if opts.BinDir == "" {
		opts.BinDir = filepath.Join(opts.Root, ".cache", "fleet", "bin")
	}
	if err := checkSpecs(opts); err != nil {
		return nil, err
	}
	f := &Fleet{Dir: opts.Dir}
	if f.Dir == "" {
		if f.Dir, err = os.MkdirTemp("", "testfleet-"); err != nil {
			return nil, fmt.Errorf("creating the fleet directory: %w", err)
		}
		f.ownDir = true
	} else if err := os.MkdirAll(f.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the fleet directory: %w", err)
	}
	if f.Dir, err = filepath.Abs(f.Dir); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.Stop()
		}
	}()
	began := time.Now()
	f.Clusters = make([]*Cluster, len(opts.Clusters))
	errs := make([]error, len(opts.Clusters))
	var wg sync.WaitGroup
	for i, spec := range opts.Clusters {
		c := &Cluster{Name: spec.Name, Context: spec.Name, AuditorContext: spec.Name + "-auditor", Version: spec.Version, Labels: spec.Labels}
		f.Clusters[i] = c
		wg.Go(func() { errs[i] = c.start(ctx, f.Dir, opts, freePorts) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	f.Ready = time.Since(began)
	f.Kubeconfig = filepath.Join(f.Dir, "kubeconfig")
	f.Config = filepath.Join(f.Dir, "fleet.yaml")
	if err := f.writeKubeconfig(); err != nil {
		return nil, err
	}
	if err := f.writeConfig(); err != nil {
		return nil, err
	}
	began = time.Now()
	for i, c := range f.Clusters {
		wg.Go(func() { errs[i] = c.prepare(ctx, opts) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	f.Seeded = time.Since(began)
	return f, nil
}

// Stop kills every process group of the fleet, waits for them to end and
// removes the fleet directory when Up created it. It is idempotent.
func (f *Fleet) Stop() {
	f.once.Do(func() {
		var wg sync.WaitGroup
		for _, c := range f.Clusters {
			if c == nil {
				continue
			}
			wg.Go(func() {
				c.api.kill()
				c.etcd.kill()
			})
		}
		wg.Wait()
		if f.ownDir {
			os.RemoveAll(f.Dir)
		}
	})
}

// checkSpecs rejects duplicate or empty names and missing binaries early,
// with the command that builds them.
func checkSpecs(opts Options) error {
	seen := map[string]bool{}
	need := []string{"etcd-" + EtcdVersion}
	for i, s := range opts.Clusters {
		if s.Name == "" || strings.ContainsAny(s.Name, "/ \t") {
			return fmt.Errorf("cluster %d: invalid name %q", i, s.Name)
		}
		if seen[s.Name] {
			return fmt.Errorf("cluster %q: listed twice", s.Name)
		}
		seen[s.Name] = true
		if s.Version == "" {
			return fmt.Errorf("cluster %q: no kube-apiserver version", s.Name)
		}
		need = append(need, "kube-apiserver-"+s.Version)
	}
	for _, b := range need {
		if _, err := os.Stat(filepath.Join(opts.BinDir, b)); err != nil {
			return fmt.Errorf("binary %s missing in %s: run `make fleet-binaries` (or hack/fleet-binaries.sh %s): %w",
				b, opts.BinDir, filepath.Dir(opts.BinDir), err)
		}
	}
	return nil
}

// RepoRoot walks up from the working directory to the fleetguard module root.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/fleetguard/fleetguard\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no fleetguard go.mod above %s: run from the repository", dir)
		}
	}
}

// attempts is how many times a process is restarted on a port conflict.
const attempts = 5

// start runs etcd, then kube-apiserver, each on fresh ports and retried when
// a port was taken between choosing and binding.
func (c *Cluster) start(ctx context.Context, root string, opts Options, ports portsFunc) error {
	dir := filepath.Join(root, c.Name)
	logs := filepath.Join(root, "logs")
	for _, d := range []string{dir, logs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("cluster %q: %w", c.Name, err)
		}
	}
	etcdURL, err := c.startEtcd(ctx, dir, logs, opts, ports)
	if err != nil {
		return err
	}
	if err := c.writeAuth(dir, opts.Users); err != nil {
		return err
	}
	return c.startAPIServer(ctx, dir, logs, etcdURL, opts, ports)
}

// startEtcd starts a single-member etcd and waits for /health.
func (c *Cluster) startEtcd(ctx context.Context, dir, logs string, opts Options, ports portsFunc) (string, error) {
	bin := filepath.Join(opts.BinDir, "etcd-"+EtcdVersion)
	logPath := filepath.Join(logs, c.Name+"-etcd.log")
	for try := 1; ; try++ {
		p, err := ports(2)
		if err != nil {
			return "", fmt.Errorf("cluster %q: %w", c.Name, err)
		}
		client := "http://127.0.0.1:" + strconv.Itoa(p[0])
		peer := "http://127.0.0.1:" + strconv.Itoa(p[1])
		data := filepath.Join(dir, "etcd")
		os.RemoveAll(data)
		args := []string{
			"--name=" + c.Name,
			"--data-dir=" + data,
			"--listen-client-urls=" + client, "--advertise-client-urls=" + client,
			"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
			"--initial-cluster=" + c.Name + "=" + peer,
			"--unsafe-no-fsync", "--quota-backend-bytes=268435456",
			"--log-level=warn",
		}
		proc, err := start("etcd", bin, args, logPath, opts.Detach)
		if err != nil {
			return "", fmt.Errorf("cluster %q: %w", c.Name, err)
		}
		c.etcd = proc
		rctx, cancel := context.WithTimeout(ctx, opts.ReadyTimeout)
		err = waitReady(rctx, proc, client+"/health", "")
		cancel()
		if err == nil {
			return client, nil
		}
		proc.kill()
		if try < attempts && proc.addrInUse() {
			continue
		}
		return "", fmt.Errorf("cluster %q: etcd %s not ready within %s (%v); last 20 lines of %s:\n%s",
			c.Name, EtcdVersion, opts.ReadyTimeout, err, logPath, tail(logPath, 20))
	}
}

// writeAuth writes the service-account key and the token file.
func (c *Cluster) writeAuth(dir string, extra []User) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("cluster %q: generating the service-account key: %w", c.Name, err)
	}
	der := x509.MarshalPKCS1PrivateKey(key)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(filepath.Join(dir, "sa.key"), pemKey, 0o600); err != nil {
		return fmt.Errorf("cluster %q: %w", c.Name, err)
	}
	users := append([]User{
		{Name: Admin, Groups: []string{"system:masters"}},
		{Name: Auditor, Groups: []string{"fleetguard:auditors"}},
		{Name: Restricted},
		{Name: NoSecrets},
	}, extra...)
	c.tokens = map[string]string{}
	var b strings.Builder
	for i, u := range users {
		if _, dup := c.tokens[u.Name]; dup || u.Name == "" || strings.ContainsAny(u.Name, ",\"\n") {
			return fmt.Errorf("cluster %q: invalid or duplicate user %q", c.Name, u.Name)
		}
		raw := make([]byte, 16)
		rand.Read(raw)
		tok := hex.EncodeToString(raw)
		c.tokens[u.Name] = tok
		fmt.Fprintf(&b, "%s,%s,uid-%d,\"%s\"\n", tok, u.Name, i, strings.Join(u.Groups, ","))
	}
	if err := os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("cluster %q: %w", c.Name, err)
	}
	return nil
}

// startAPIServer starts kube-apiserver against etcdURL and waits for /readyz.
func (c *Cluster) startAPIServer(ctx context.Context, dir, logs, etcdURL string, opts Options, ports portsFunc) error {
	bin := filepath.Join(opts.BinDir, "kube-apiserver-"+c.Version)
	logPath := filepath.Join(logs, c.Name+"-apiserver.log")
	certs := filepath.Join(dir, "certs")
	key := filepath.Join(dir, "sa.key")
	for try := 1; ; try++ {
		p, err := ports(1)
		if err != nil {
			return fmt.Errorf("cluster %q: %w", c.Name, err)
		}
		c.Server = "https://127.0.0.1:" + strconv.Itoa(p[0])
		args := []string{
			"--etcd-servers=" + etcdURL,
			"--etcd-prefix=/registry",
			"--bind-address=127.0.0.1",
			"--secure-port=" + strconv.Itoa(p[0]),
			"--cert-dir=" + certs,
			"--service-account-issuer=https://kubernetes.default.svc",
			"--service-account-key-file=" + key,
			"--service-account-signing-key-file=" + key,
			"--token-auth-file=" + filepath.Join(dir, "tokens.csv"),
			"--authorization-mode=Node,RBAC",
			"--allow-privileged=true", // fixtures hold privileged pods, as real clusters do
			"--service-cluster-ip-range=10.96.0.0/16",
			"--profiling=false",
		}
		proc, err := start("kube-apiserver", bin, args, logPath, opts.Detach)
		if err != nil {
			return fmt.Errorf("cluster %q: %w", c.Name, err)
		}
		c.api = proc
		rctx, cancel := context.WithTimeout(ctx, opts.ReadyTimeout)
		err = waitReady(rctx, proc, c.Server+"/readyz", c.tokens[Admin])
		cancel()
		if err == nil {
			break
		}
		proc.kill()
		if try < attempts && proc.addrInUse() {
			continue
		}
		return fmt.Errorf("cluster %q: kube-apiserver %s not ready within %s (%v); last 20 lines of %s:\n%s",
			c.Name, c.Version, opts.ReadyTimeout, err, logPath, tail(logPath, 20))
	}
	ca, err := os.ReadFile(filepath.Join(certs, "apiserver.crt"))
	if err != nil {
		return fmt.Errorf("cluster %q: reading the serving certificate: %w", c.Name, err)
	}
	c.CAData = ca
	c.Config, _ = c.UserConfig(Admin)
	c.AuditorConfig, _ = c.UserConfig(Auditor)
	return nil
}
