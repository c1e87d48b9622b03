// Package fetchers collects snapshots of live clusters with client-go: every
// kind the policies read, paginated, all clusters concurrently with a bound
// on workers, each cluster within its own timeout, transient errors retried
// with a bounded backoff. A failure (unreachable cluster, timeout, 403 on a
// kind) is recorded in that cluster's snapshot status and never stops the
// other clusters.
//
// Nothing is ever stored or logged that a snapshot must not hold: every
// object is sanitised (snapshot.Sanitize) as soon as it is decoded, Secrets
// are listed as metadata only (see secrets.go) and ConfigMaps by name only.
// See README.md.
package fetchers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/pager"

	"github.com/fleetguard/fleetguard/snapshot"
)

// Options tune collection. The zero value is usable: every field has a
// default, applied by Collect and Fleet.
type Options struct {
	// Timeout bounds the collection of one cluster; 2 minutes when zero.
	Timeout time.Duration
	// Workers bounds how many clusters are collected at once; 4 when zero.
	Workers int
	// Parallel bounds how many kinds of one cluster are listed at once; 4
	// when zero.
	Parallel int
	// PageSize is the list page size; 500 when zero.
	PageSize int64
	// Retry is the backoff for transient errors (5xx, 429, timeouts,
	// refused or reset connections), per request. When zero: 200 ms doubling,
	// 3 retries, so an unreachable cluster is declared so in under 2 s.
	Retry wait.Backoff
	// Log receives one line per cluster and per failure; never an object.
	// Discarded when nil.
	Log *slog.Logger
	// Now is the clock of collectedAt; time.Now when nil.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.Parallel <= 0 {
		o.Parallel = 4
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.Retry.Steps == 0 {
		o.Retry = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 3, Cap: 2 * time.Second}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Fleet collects every target, at most opts.Workers at a time, and calls
// done with each snapshot as soon as it is taken, from the collecting
// goroutine (so done may run concurrently with itself). It returns when all
// are done. Each snapshot's status says whether it is complete; when ctx is
// cancelled the remaining snapshots are partial or unreachable.
func Fleet(ctx context.Context, targets []Target, opts Options, done func(*snapshot.Snapshot)) {
	opts = opts.withDefaults()
	sem := make(chan struct{}, opts.Workers)
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
			}
			defer func() {
				select {
				case <-sem:
				default:
				}
			}()
			done(Collect(ctx, t, opts))
		})
	}
	wg.Wait()
}

// Collect takes one cluster's snapshot within opts.Timeout. It always
// returns a snapshot: failures are recorded in its status (unreachable when
// the apiserver cannot be reached at all, partial when some kinds could not
// be read) with the errors and the missing kinds.
func Collect(ctx context.Context, t Target, opts Options) *snapshot.Snapshot {
	opts = opts.withDefaults()
	start := opts.Now()
	s := snapshot.New(t.Cluster, start)
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	log := opts.Log.With("cluster", t.Cluster.Name)

	c, err := newCollector(t, opts)
	if err == nil {
		s.ServerVersion, err = c.version(ctx)
	}
	if err != nil {
		s.Status = snapshot.Status{
			State:        snapshot.StateUnreachable,
			Errors:       []snapshot.Error{{Message: describe(ctx, opts, err)}},
			MissingKinds: allKinds(),
		}
		log.Warn("unreachable", "context", t.Cluster.Context, "server", t.Cluster.Server, "error", s.Status.Errors[0].Message)
		return s
	}

	type result struct {
		objs []map[string]any
		err  error
	}
	kinds := kinds()
	results := make([]result, len(kinds))
	var nodesErr, apisErr error
	sem := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	run := func(fn func()) {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			fn()
		})
	}
	run(func() { s.APIs, apisErr = c.discover(ctx) })
	run(func() { s.Nodes, nodesErr = c.nodes(ctx) })
	for i, k := range kinds {
		run(func() { results[i].objs, results[i].err = c.list(ctx, k) })
	}
	wg.Wait()

	var errs []snapshot.Error
	var missing []string
	fail := func(kind string, err error) {
		msg := describe(ctx, opts, err)
		errs = append(errs, snapshot.Error{Kind: kind, Message: msg})
		if kind != "" {
			missing = append(missing, kind)
		}
		log.Warn("cannot read", "kind", kind, "error", msg)
	}
	if apisErr != nil {
		fail("", fmt.Errorf("discovery: %w", apisErr))
	}
	if nodesErr != nil {
		fail("Node", nodesErr)
	}
	n := 0
	for i, k := range kinds {
		if results[i].err != nil {
			fail(k.kind, results[i].err)
			continue
		}
		if len(results[i].objs) > 0 {
			s.Objects[k.kind] = results[i].objs
			n += len(results[i].objs)
		}
	}
	if len(errs) > 0 {
		sort.Strings(missing)
		s.Status = snapshot.Status{State: snapshot.StatePartial, Errors: errs, MissingKinds: missing}
	}
	log.Info("collected", "state", s.Status.State, "objects", n, "nodes", len(s.Nodes), "took", opts.Now().Sub(start).Round(time.Millisecond).String())
	return s
}

// collector reads one cluster.
type collector struct {
	t    Target
	opts Options
	cfg  *rest.Config
	meta metadata.Interface
	core rest.Interface
}

func newCollector(t Target, opts Options) (*collector, error) {
	if t.Config == nil {
		return nil, fmt.Errorf("cluster %q: no client config", t.Cluster.Name)
	}
	cfg := ClientConfig(t.Config, opts.Timeout)
	c := &collector{t: t, opts: opts, cfg: cfg}
	var err error
	if c.meta, err = metadata.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("cluster %q: metadata client: %w", t.Cluster.Name, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %q: client: %w", t.Cluster.Name, err)
	}
	c.core = cs.CoreV1().RESTClient()
	return c, nil
}

// ClientConfig returns a copy of cfg tuned for collection: a client-side
// rate limit of 50 QPS (burst 100) unless cfg sets one, a dial timeout of
// at most 10 s (and at most timeout), a fleetguard user agent, and API
// warnings dropped (they would only add noise to stderr). The benchmark
// uses it for its baseline too, so both sides get the same client.
func ClientConfig(cfg *rest.Config, timeout time.Duration) *rest.Config {
	c := rest.CopyConfig(cfg)
	if c.QPS == 0 {
		c.QPS, c.Burst = 50, 100
	}
	if c.UserAgent == "" {
		c.UserAgent = "fleetguard-fetcher"
	}
	c.WarningHandler = rest.NoWarnings{}
	if c.Dial == nil {
		d := &net.Dialer{Timeout: min(10*time.Second, max(timeout, time.Second)), KeepAlive: 30 * time.Second}
		c.Dial = d.DialContext
	}
	return c
}

// kind is one kind to collect. page lists one page; nil means rawPage with
// gvr.
type kind struct {
	kind string
	gvr  schema.GroupVersionResource
	page func(c *collector, ctx context.Context, opts metav1.ListOptions) (runtime.Object, error)
}

// kinds returns every kind collected into snapshot.Objects, from the files
// of each concern.
func kinds() []kind {
	var out []kind
	for _, ks := range [][]kind{coreKinds, rbacKinds, workloadKinds, networkKinds, webhookKinds, secretKinds} {
		out = append(out, ks...)
	}
	return out
}

// allKinds is every kind an unreachable cluster misses, sorted.
func allKinds() []string {
	out := []string{"Node"}
	for _, k := range kinds() {
		out = append(out, k.kind)
	}
	sort.Strings(out)
	return out
}

// coreKinds are the core kinds of no particular concern.
var coreKinds = []kind{
	{kind: "Namespace", gvr: schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}},
}

// list reads every object of kind k across all namespaces, page by page,
// sanitising each as it is decoded.
func (c *collector) list(ctx context.Context, k kind) ([]map[string]any, error) {
	page := k.page
	if page == nil {
		page = func(c *collector, ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			return c.rawPage(ctx, k.gvr, opts)
		}
	}
	var out []map[string]any
	err := c.each(ctx, func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		return page(c, ctx, opts)
	}, func(obj map[string]any) {
		if _, ok := obj["kind"]; !ok {
			obj["kind"] = k.kind
		}
		if _, ok := obj["apiVersion"]; !ok {
			obj["apiVersion"] = k.gvr.GroupVersion().String()
		}
		out = append(out, snapshot.Sanitize(obj))
	})
	if err != nil {
		return nil, fmt.Errorf("listing %s in cluster %q: %w", k.gvr.Resource, c.t.Cluster.Name, err)
	}
	return out, nil
}

// rawPage lists one page of gvr across all namespaces as JSON and decodes
// it in one pass into plain maps, numbers as json.Number (as snapshot.Load
// decodes them). The dynamic client would scan every page three times
// (list, then each item again); on large clusters decoding is most of the
// fetch time.
func (c *collector) rawPage(ctx context.Context, gvr schema.GroupVersionResource, opts metav1.ListOptions) (runtime.Object, error) {
	path := "/apis/" + gvr.Group + "/" + gvr.Version + "/" + gvr.Resource
	if gvr.Group == "" {
		path = "/api/" + gvr.Version + "/" + gvr.Resource
	}
	req := c.core.Get().AbsPath(path).Param("limit", strconv.FormatInt(opts.Limit, 10)).SetHeader("Accept", "application/json")
	if opts.Continue != "" {
		req = req.Param("continue", opts.Continue)
	}
	if opts.ResourceVersion != "" {
		req = req.Param("resourceVersion", opts.ResourceVersion)
	}
	raw, err := req.Do(ctx).Raw()
	if err != nil {
		return nil, err
	}
	var page struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Continue        string `json:"continue"`
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Items []map[string]any `json:"items"`
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&page); err != nil {
		return nil, fmt.Errorf("decoding a page of %s: %w", gvr.Resource, err)
	}
	if !strings.HasSuffix(page.Kind, "List") {
		return nil, fmt.Errorf("listing %s: got kind %q, not a list", gvr.Resource, page.Kind)
	}
	l := newList(page.Kind, page.Metadata.Continue, page.Metadata.ResourceVersion)
	l.Items = make([]unstructured.Unstructured, len(page.Items))
	for i, it := range page.Items {
		// Items of a typed list carry no apiVersion and kind: set them.
		if _, ok := it["kind"]; !ok {
			it["kind"] = strings.TrimSuffix(page.Kind, "List")
		}
		if _, ok := it["apiVersion"]; !ok {
			it["apiVersion"] = page.APIVersion
		}
		l.Items[i].Object = it
	}
	return l, nil
}

// each pages through a list with the client-go pager, retrying each page on
// transient errors, and calls fn with every item's object map.
func (c *collector) each(ctx context.Context, page pager.ListPageFunc, fn func(map[string]any)) error {
	p := pager.New(func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		var obj runtime.Object
		err := c.retry(ctx, func(ctx context.Context) error {
			var err error
			obj, err = page(ctx, opts)
			return err
		})
		return obj, err
	})
	p.PageSize = c.opts.PageSize
	return p.EachListItem(ctx, metav1.ListOptions{}, func(obj runtime.Object) error {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return fmt.Errorf("unexpected list item %T", obj)
		}
		fn(u.Object)
		return nil
	})
}

// retry runs fn until it succeeds, fails with a non-transient error, the
// backoff is exhausted or ctx ends; it returns fn's last error.
func (c *collector) retry(ctx context.Context, fn func(context.Context) error) error {
	b := c.opts.Retry
	for {
		err := fn(ctx)
		if err == nil || !transient(err) || b.Steps <= 0 || ctx.Err() != nil {
			return err
		}
		t := time.NewTimer(b.Step())
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return err
		}
	}
}

// transient reports whether err may go away on retry: server errors,
// throttling, timeouts and refused or reset connections.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var se apierrors.APIStatus
	if errors.As(err, &se) {
		code := se.Status().Code
		return code >= 500 || code == 429 || apierrors.IsServerTimeout(err) || apierrors.IsTimeout(err)
	}
	if utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// describe turns a collection error into the message recorded in the
// snapshot, naming a timeout or an interruption for what it is.
func describe(ctx context.Context, opts Options, err error) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf("timed out after %s: %v", opts.Timeout, err)
	case ctx.Err() != nil:
		return fmt.Sprintf("interrupted: %v", err)
	}
	return err.Error()
}

// version asks /version; it is the reachability probe.
func (c *collector) version(ctx context.Context) (*snapshot.ServerVersion, error) {
	var v struct {
		GitVersion string `json:"gitVersion"`
		Major      string `json:"major"`
		Minor      string `json:"minor"`
	}
	err := c.retry(ctx, func(ctx context.Context) error {
		raw, err := c.core.Get().AbsPath("/version").Do(ctx).Raw()
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("decoding /version: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cluster %q at %s: %w", c.t.Cluster.Name, c.cfg.Host, err)
	}
	return &snapshot.ServerVersion{GitVersion: v.GitVersion, Major: v.Major, Minor: v.Minor}, nil
}
