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
	pool(ctx, targets, opts, func(t Target) { done(Collect(ctx, t, opts)) })
}

// SaveFleet is Fleet writing files: it saves every target's snapshot to
// path(t) as it is read (see Save), at most opts.Workers clusters at a time,
// and calls done with each snapshot's header, its number of objects and the
// error of writing it, from the collecting goroutine.
func SaveFleet(ctx context.Context, targets []Target, opts Options, path func(Target) string, done func(s *snapshot.Snapshot, objects int, err error)) {
	pool(ctx, targets, opts, func(t Target) {
		s, n, err := Save(ctx, t, opts, path(t))
		done(s, n, err)
	})
}

// pool runs fn for every target, at most opts.Workers at a time.
func pool(ctx context.Context, targets []Target, opts Options, fn func(Target)) {
	opts = opts.withDefaults()
	sem := make(chan struct{}, opts.Workers)
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Go(func() {
			// Once ctx is done, fn runs without a slot: it returns at once.
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
			}
			fn(t)
		})
	}
	wg.Wait()
}

// Collect takes one cluster's snapshot within opts.Timeout, in memory. It
// always returns a snapshot: failures are recorded in its status (unreachable
// when the apiserver cannot be reached at all, partial when some kinds could
// not be read) with the errors and the missing kinds.
func Collect(ctx context.Context, t Target, opts Options) *snapshot.Snapshot {
	var mu sync.Mutex
	objs := map[string][]map[string]any{}
	s := collect(ctx, t, opts, func(kind string) func() batch {
		return func() batch {
			return &memBatch{keep: func(page []map[string]any) {
				mu.Lock()
				defer mu.Unlock()
				objs[kind] = append(objs[kind], page...)
			}}
		}
	}, func(kind string) {
		mu.Lock()
		defer mu.Unlock()
		delete(objs, kind)
	})
	for k, o := range objs {
		if len(o) > 0 {
			s.Objects[k] = o
		}
	}
	return s
}

// Save takes one cluster's snapshot like Collect, but writes it to path as it
// is read, through a snapshot.Writer: each page of objects is sanitised,
// validated and encoded as it arrives and only its encoding is kept (in a
// spool file beside path), so memory holds a few pages rather than the
// cluster. The file is what snapshot.Save writes for the snapshot Collect
// would return, and appears atomically; a cluster that is partial or
// unreachable is written too, with its status.
//
// Save returns the snapshot's header (its Objects are in the file, not in
// memory) and the number of objects written. When ctx is cancelled nothing is
// written and the error is ctx's; otherwise the error is about writing.
func Save(ctx context.Context, t Target, opts Options, path string) (*snapshot.Snapshot, int, error) {
	w, err := snapshot.Create(path)
	if err != nil {
		opts = opts.withDefaults()
		return snapshot.New(t.Cluster, opts.Now()), 0, err
	}
	s := collect(ctx, t, opts, func(kind string) func() batch {
		return func() batch { return fileBatch{w.Batch(kind)} }
	}, w.Drop)
	if err := ctx.Err(); err != nil {
		w.Abort()
		return s, 0, err
	}
	n := w.Len()
	if err := w.Commit(s); err != nil {
		return s, 0, err
	}
	return s, n, nil
}

// batch takes the objects of one page. They count only once the whole page
// is read (commit), so a page that fails half way and is read again never
// adds its objects twice.
type batch interface {
	add(obj map[string]any) error
	commit() error
}

// memBatch keeps a page's sanitised objects in memory.
type memBatch struct {
	objs []map[string]any
	keep func([]map[string]any)
}

func (b *memBatch) add(obj map[string]any) error {
	b.objs = append(b.objs, snapshot.Sanitize(obj))
	return nil
}

func (b *memBatch) commit() error {
	b.keep(b.objs)
	return nil
}

// fileBatch hands a page's objects to a snapshot.Writer, which sanitises
// them, validates them and keeps only their encoding.
type fileBatch struct{ b *snapshot.Batch }

func (b fileBatch) add(obj map[string]any) error { return b.b.Add(obj) }
func (b fileBatch) commit() error                { return b.b.Commit() }

// collect reads one cluster within opts.Timeout into a snapshot holding
// everything but the objects, which go, page by page, to the batches of
// sink(kind). A kind that fails is dropped (drop) and listed as missing.
func collect(ctx context.Context, t Target, opts Options, sink func(kind string) func() batch, drop func(kind string)) *snapshot.Snapshot {
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
		n   int
		err error
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
		run(func() { results[i].n, results[i].err = c.list(ctx, k, sink(k.kind)) })
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
			drop(k.kind)
			fail(k.kind, results[i].err)
			continue
		}
		n += results[i].n
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

// kind is one kind to collect. page reads one page; nil means rawPage with
// gvr.
type kind struct {
	kind string
	gvr  schema.GroupVersionResource
	page pageFunc
}

// pageFunc reads one page of a list, passes each of its objects to add as it
// is decoded, and returns the page's list metadata (the continue token).
type pageFunc func(c *collector, ctx context.Context, opts metav1.ListOptions, add func(map[string]any) error) (metav1.ListMeta, error)

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
// into the batches of newBatch, and returns how many it read.
func (c *collector) list(ctx context.Context, k kind, newBatch func() batch) (int, error) {
	page := k.page
	if page == nil {
		page = func(c *collector, ctx context.Context, opts metav1.ListOptions, add func(map[string]any) error) (metav1.ListMeta, error) {
			return c.rawPage(ctx, k.gvr, k.kind, opts, add)
		}
	}
	n := 0
	err := c.each(ctx, func(ctx context.Context, opts metav1.ListOptions, add func(map[string]any) error) (metav1.ListMeta, error) {
		return page(c, ctx, opts, add)
	}, func() batch {
		b := newBatch()
		return &counted{b: b, n: &n}
	})
	if err != nil {
		return 0, fmt.Errorf("listing %s in cluster %q: %w", k.gvr.Resource, c.t.Cluster.Name, err)
	}
	return n, nil
}

// counted counts the objects of committed batches.
type counted struct {
	b       batch
	n       *int
	pending int
}

func (c *counted) add(obj map[string]any) error {
	c.pending++
	return c.b.add(obj)
}

func (c *counted) commit() error {
	if err := c.b.commit(); err != nil {
		return err
	}
	*c.n += c.pending
	return nil
}

// rawPage lists one page of gvr across all namespaces as JSON and decodes its
// items one at a time from the response stream, into plain maps with numbers
// as json.Number (as snapshot.Load decodes them), so that neither the page's
// bytes nor all its decoded items are ever held at once. Items of a typed
// list carry no kind and apiVersion: they are set from the list (kind is the
// fallback when the list does not say).
func (c *collector) rawPage(ctx context.Context, gvr schema.GroupVersionResource, kind string, opts metav1.ListOptions, add func(map[string]any) error) (metav1.ListMeta, error) {
	path := "/apis/" + gvr.Group + "/" + gvr.Version + "/" + gvr.Resource
	if gvr.Group == "" {
		path = "/api/" + gvr.Version + "/" + gvr.Resource
	}
	req := withListOptions(c.core.Get().AbsPath(path), opts).SetHeader("Accept", "application/json")
	body, err := req.Stream(ctx)
	if err != nil {
		return metav1.ListMeta{}, err
	}
	defer body.Close()
	lm, err := decodeList(body, gvr.GroupVersion().String(), kind, add)
	if err != nil {
		return lm, fmt.Errorf("decoding a page of %s: %w", gvr.Resource, err)
	}
	return lm, nil
}

// withListOptions sets the paging parameters of opts on a list request.
func withListOptions(req *rest.Request, opts metav1.ListOptions) *rest.Request {
	req = req.Param("limit", strconv.FormatInt(opts.Limit, 10))
	if opts.Continue != "" {
		req = req.Param("continue", opts.Continue)
	}
	if opts.ResourceVersion != "" {
		req = req.Param("resourceVersion", opts.ResourceVersion)
	}
	return req
}

// decodeList reads one JSON list from r, calling add with each item as soon
// as it is decoded. apiVersion and kind are what items get when neither they
// nor the list say.
func decodeList(r io.Reader, apiVersion, kind string, add func(map[string]any) error) (metav1.ListMeta, error) {
	var lm metav1.ListMeta
	d := json.NewDecoder(r)
	d.UseNumber()
	if err := delim(d, '{'); err != nil {
		return lm, err
	}
	listKind := ""
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return lm, err
		}
		switch key, _ := tok.(string); key {
		case "kind":
			if err := d.Decode(&listKind); err != nil {
				return lm, err
			}
			if !strings.HasSuffix(listKind, "List") {
				return lm, fmt.Errorf("got kind %q, not a list", listKind)
			}
			kind = strings.TrimSuffix(listKind, "List")
		case "apiVersion":
			if err := d.Decode(&apiVersion); err != nil {
				return lm, err
			}
		case "metadata":
			if err := d.Decode(&lm); err != nil {
				return lm, err
			}
		case "items":
			if err := items(d, func(it map[string]any) error {
				if _, ok := it["kind"]; !ok {
					it["kind"] = kind
				}
				if _, ok := it["apiVersion"]; !ok {
					it["apiVersion"] = apiVersion
				}
				return add(it)
			}); err != nil {
				return lm, err
			}
		default:
			var skip json.RawMessage
			if err := d.Decode(&skip); err != nil {
				return lm, err
			}
		}
	}
	if err := delim(d, '}'); err != nil {
		return lm, err
	}
	if !strings.HasSuffix(listKind, "List") {
		return lm, fmt.Errorf("got kind %q, not a list", listKind)
	}
	return lm, nil
}

// items decodes a JSON array of objects (or null) one element at a time.
func items(d *json.Decoder, fn func(map[string]any) error) error {
	tok, err := d.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("items: got %v, not an array", tok)
	}
	for d.More() {
		var it map[string]any
		if err := d.Decode(&it); err != nil {
			return err
		}
		if it == nil {
			continue
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return delim(d, ']')
}

func delim(d *json.Decoder, want json.Delim) error {
	tok, err := d.Token()
	if err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if tok != want {
		return fmt.Errorf("got %v, want %v", tok, want)
	}
	return nil
}

// each pages through a list with the client-go pager, page reading one page
// and handing its objects to a fresh batch from newBatch. A page that fails
// with a transient error is read again into a new batch; a batch is
// committed only when its whole page was read. Pages are consumed as they
// are read, so the pager buffers nothing.
func (c *collector) each(ctx context.Context, page func(ctx context.Context, opts metav1.ListOptions, add func(map[string]any) error) (metav1.ListMeta, error), newBatch func() batch) error {
	p := pager.New(func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
		list := &metav1.List{}
		err := c.retry(ctx, func(ctx context.Context) error {
			b := newBatch()
			lm, err := page(ctx, opts, b.add)
			if err != nil {
				return err
			}
			if err := b.commit(); err != nil {
				return err
			}
			list.ListMeta = lm
			return nil
		})
		return list, err
	})
	p.PageSize = c.opts.PageSize
	p.PageBufferSize = 0
	return p.EachListItem(ctx, metav1.ListOptions{}, func(runtime.Object) error { return nil })
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
	var v snapshot.ServerVersion
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
	return &v, nil
}
