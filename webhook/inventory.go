package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/cache"

	"github.com/fleetguard/fleetguard/gatekeeper"
)

// DefaultInventoryMaxObjects is the default cap on the objects the
// inventory keeps, across all its kinds.
const DefaultInventoryMaxObjects = 50_000

// listPageSize is how many objects one list page brings: the most raw
// (untrimmed) objects held at once while listing.
const listPageSize = 500

// ParseInventoryKinds parses kinds written GROUP/VERSION/KIND or
// VERSION/KIND for the core group, e.g. "v1/Service" or
// "networking.k8s.io/v1/Ingress". Entries may hold several kinds separated
// by commas.
func ParseInventoryKinds(list []string) ([]schema.GroupVersionKind, error) {
	var out []schema.GroupVersionKind
	seen := map[schema.GroupVersionKind]bool{}
	for _, entry := range list {
		for _, s := range strings.Split(entry, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			i := strings.LastIndex(s, "/")
			if i <= 0 || i == len(s)-1 {
				return nil, fmt.Errorf("inventory kind %q: want [GROUP/]VERSION/KIND, e.g. v1/Service or networking.k8s.io/v1/Ingress", s)
			}
			gv, err := schema.ParseGroupVersion(s[:i])
			if err != nil || gv.Version == "" {
				return nil, fmt.Errorf("inventory kind %q: bad group/version %q: want [GROUP/]VERSION", s, s[:i])
			}
			gvk := gv.WithKind(s[i+1:])
			if !seen[gvk] {
				seen[gvk] = true
				out = append(out, gvk)
			}
		}
	}
	return out, nil
}

// InventoryOptions configures an Inventory.
type InventoryOptions struct {
	// Kinds are the kinds to keep (see ParseInventoryKinds). Required.
	Kinds []schema.GroupVersionKind
	// MaxObjects caps the objects kept across all kinds (default
	// DefaultInventoryMaxObjects). Past it, new objects are not kept.
	MaxObjects int
	// Interval is the least time between two snapshots (default 1 s):
	// changes arriving meanwhile are folded into the next one.
	Interval time.Duration
	// Logger receives operational messages; nil means slog's default.
	Logger *slog.Logger
}

// Inventory keeps data.inventory for referential Gatekeeper templates
// current from watches on the configured kinds. Every object is trimmed
// before it is kept (no managedFields, no last-applied-configuration
// annotation, no status; Secrets are listed and watched as metadata only,
// so their values are never fetched), and at most MaxObjects objects are
// kept. Evaluations read immutable snapshots that are swapped whole, so
// they never see a half-applied change; a snapshot follows the cluster
// within about Interval. The watches run only while the bundle in service
// has a template that reads data.inventory. All methods are safe for
// concurrent use.
type Inventory struct {
	parent   context.Context
	dyn      dynamic.Interface
	md       metadata.Interface
	kinds    []watchedKind
	max      int
	interval time.Duration
	log      *slog.Logger

	mu        sync.Mutex
	run       uint64 // incremented on every start and stop; stale watches are ignored
	cancel    context.CancelFunc
	wanted    bool
	reason    string                                                   // why the watches are not running
	objs      map[schema.GroupVersionKind]map[string]*gatekeeper.Entry // by namespace/name
	count     int
	synced    map[schema.GroupVersionKind]bool
	truncated map[schema.GroupVersionKind]bool
	cut       map[schema.GroupVersionKind]bool // the last list stopped at the limit
	listErr   map[schema.GroupVersionKind]string
	dropped   uint64
	overLog   bool   // the over-limit message was logged for the current episode
	gen       uint64 // incremented on every change
	syncedGen uint64 // gen when every kind had synced; 0 before
	kick      chan struct{}

	snap atomic.Pointer[invSnapshot]
}

type watchedKind struct {
	gvk      schema.GroupVersionKind
	gvr      schema.GroupVersionResource
	metaOnly bool // Secrets: metadata only
}

type invSnapshot struct {
	inv *gatekeeper.Inventory
	gen uint64
	at  time.Time
}

// NewInventory resolves the kinds to resources with mapper (an error names
// a kind the cluster does not serve) and returns an Inventory that has not
// started watching. Watches use dyn, and md for Secrets; they stop with ctx.
func NewInventory(ctx context.Context, dyn dynamic.Interface, md metadata.Interface, mapper meta.RESTMapper, o InventoryOptions) (*Inventory, error) {
	if len(o.Kinds) == 0 {
		return nil, errors.New("inventory: no kinds to watch")
	}
	if o.MaxObjects <= 0 {
		o.MaxObjects = DefaultInventoryMaxObjects
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	inv := &Inventory{
		parent: ctx, dyn: dyn, md: md, max: o.MaxObjects, interval: o.Interval, log: o.Logger,
		reason: "no bundle loaded yet",
	}
	for _, gvk := range o.Kinds {
		m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return nil, fmt.Errorf("inventory kind %s: %w", kindString(gvk), err)
		}
		inv.kinds = append(inv.kinds, watchedKind{
			gvk: gvk, gvr: m.Resource, metaOnly: gvk.Group == "" && gvk.Kind == "Secret",
		})
	}
	inv.reset()
	return inv, nil
}

// NewInventoryForConfig is NewInventory with clients for cfg and a
// discovery-backed mapper.
func NewInventoryForConfig(ctx context.Context, cfg *rest.Config, o InventoryOptions) (*Inventory, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	return NewInventory(ctx, dyn, md, mapper, o)
}

// kindString writes a kind as the --inventory flag takes it.
func kindString(gvk schema.GroupVersionKind) string {
	return gvk.GroupVersion().String() + "/" + gvk.Kind
}

// reset empties the kept objects; mu is held or the Inventory is new.
func (inv *Inventory) reset() {
	inv.objs = map[schema.GroupVersionKind]map[string]*gatekeeper.Entry{}
	inv.synced = map[schema.GroupVersionKind]bool{}
	inv.truncated = map[schema.GroupVersionKind]bool{}
	inv.cut = map[schema.GroupVersionKind]bool{}
	inv.listErr = map[schema.GroupVersionKind]string{}
	inv.count, inv.syncedGen, inv.overLog = 0, 0, false
	inv.gen++
}

// Use starts the watches when on is true and they are not running, and
// stops them (dropping every kept object) when on is false. why is logged
// and reported in Status when the watches are not running. The server calls
// it on every bundle swap with whether the bundle reads data.inventory.
func (inv *Inventory) Use(on bool, why string) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if !on {
		if inv.wanted {
			inv.cancel()
			inv.run++
			inv.reset()
			inv.snap.Store(nil)
			inv.log.Info("inventory: watches stopped", "reason", why)
		} else if inv.reason != why {
			inv.log.Info("inventory: watches not started", "reason", why)
		}
		inv.wanted, inv.reason = false, why
		return
	}
	if inv.wanted {
		return
	}
	inv.wanted, inv.reason = true, ""
	inv.run++
	ctx, cancel := context.WithCancel(inv.parent)
	inv.cancel = cancel
	inv.kick = make(chan struct{}, 1)
	names := make([]string, len(inv.kinds))
	for i, k := range inv.kinds {
		names[i] = kindString(k.gvk)
		st := &kindStore{inv: inv, kind: k, run: inv.run}
		r := cache.NewReflectorWithOptions(&kindWatcher{inv: inv, kind: k, run: inv.run}, &unstructured.Unstructured{}, st,
			cache.ReflectorOptions{Name: "inventory " + names[i], TypeDescription: names[i]})
		go r.RunWithContext(ctx)
	}
	go inv.snapshots(ctx, inv.kick, inv.run)
	inv.log.Info("inventory: watching", "kinds", names, "maxObjects", inv.max)
}

// Snapshot returns the current data.inventory, or nil before the first
// snapshot (an empty inventory). The snapshot is never modified.
func (inv *Inventory) Snapshot() *gatekeeper.Inventory {
	if s := inv.snap.Load(); s != nil {
		return s.inv
	}
	return nil
}

// current returns the snapshot for an evaluation by a bundle that reads
// data.inventory, and false while the watches are not running or not synced.
func (inv *Inventory) current() (*gatekeeper.Inventory, bool) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if !inv.wanted || !inv.readyLocked() {
		return nil, false
	}
	return inv.snap.Load().inv, true
}

// Ready reports whether evaluations can rely on the inventory: the watches
// are not wanted, or every kind has synced and a snapshot taken since holds
// the synced objects.
func (inv *Inventory) Ready() bool {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	return inv.readyLocked()
}

func (inv *Inventory) readyLocked() bool {
	if !inv.wanted {
		return true
	}
	s := inv.snap.Load()
	return inv.syncedGen != 0 && s != nil && s.gen >= inv.syncedGen
}

// InventoryStatus is the inventory's part of /readyz.
type InventoryStatus struct {
	// Watching is true while the watches run (the bundle reads data.inventory).
	Watching bool `json:"watching"`
	// Reason says why the watches do not run.
	Reason string `json:"reason,omitempty"`
	// Synced is true once every kind has been listed and a snapshot holds them.
	Synced     bool `json:"synced"`
	Objects    int  `json:"objects"`
	MaxObjects int  `json:"maxObjects"`
	// OverLimit is true when objects were left out to stay within
	// MaxObjects: referential constraints see an incomplete inventory.
	OverLimit bool         `json:"overLimit,omitempty"`
	Dropped   uint64       `json:"droppedObjects,omitempty"`
	Snapshot  *time.Time   `json:"snapshotAt,omitempty"`
	Kinds     []KindStatus `json:"kinds"`
}

// KindStatus is one watched kind in InventoryStatus.
type KindStatus struct {
	Kind      string `json:"kind"`
	Synced    bool   `json:"synced"`
	Objects   int    `json:"objects"`
	Truncated bool   `json:"truncated,omitempty"`
	// Error is the last list error, until a list succeeds (the list is
	// retried with backoff).
	Error string `json:"error,omitempty"`
}

// Status reports the watches, the object counts and the limit.
func (inv *Inventory) Status() InventoryStatus {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	st := InventoryStatus{Watching: inv.wanted, Reason: inv.reason, Synced: inv.wanted && inv.readyLocked(),
		Objects: inv.count, MaxObjects: inv.max, Dropped: inv.dropped}
	if s := inv.snap.Load(); s != nil {
		t := s.at
		st.Snapshot = &t
	}
	for _, k := range inv.kinds {
		ks := KindStatus{Kind: kindString(k.gvk), Synced: inv.synced[k.gvk], Objects: len(inv.objs[k.gvk]), Truncated: inv.truncated[k.gvk], Error: inv.listErr[k.gvk]}
		st.OverLimit = st.OverLimit || ks.Truncated
		st.Kinds = append(st.Kinds, ks)
	}
	return st
}

// snapshots builds a new snapshot after changes, at most once per interval.
func (inv *Inventory) snapshots(ctx context.Context, kick <-chan struct{}, run uint64) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		}
		inv.rebuild(run)
		t.Reset(inv.interval)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// rebuild swaps in a snapshot of the kept entries. Entries are immutable
// and already converted, so the snapshot shares them and costs only the
// tree of their keys.
func (inv *Inventory) rebuild(run uint64) {
	inv.mu.Lock()
	if run != inv.run {
		inv.mu.Unlock()
		return
	}
	gen := inv.gen
	list := make([]*gatekeeper.Entry, 0, inv.count)
	for _, byKey := range inv.objs {
		for _, e := range byKey {
			list = append(list, e)
		}
	}
	inv.mu.Unlock()
	g := gatekeeper.Snapshot(list)
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if run != inv.run {
		return
	}
	if s := inv.snap.Load(); s == nil || s.gen < gen {
		inv.snap.Store(&invSnapshot{inv: g, gen: gen, at: time.Now()})
	}
}

// changed records a change; mu is held.
func (inv *Inventory) changed() {
	inv.gen++
	select {
	case inv.kick <- struct{}{}:
	default:
	}
}

// room returns how many objects of kind k can be kept; mu is held.
func (inv *Inventory) room(k schema.GroupVersionKind) int {
	return inv.max - (inv.count - len(inv.objs[k]))
}

// overLimit records that an object of kind k was not kept; mu is held.
func (inv *Inventory) overLimit(k schema.GroupVersionKind, n int) {
	inv.truncated[k] = true
	inv.dropped += uint64(n)
	if !inv.overLog {
		inv.overLog = true
		inv.log.Warn("inventory: object limit reached; new objects are not kept and referential constraints see an incomplete inventory",
			"maxObjects", inv.max, "kind", kindString(k))
	}
}

// kindStore receives one kind's objects from its reflector.
type kindStore struct {
	inv  *Inventory
	kind watchedKind
	run  uint64
}

// entryOf converts a trimmed object from the reflector, outside any lock.
func entryOf(obj any) (string, *gatekeeper.Entry, error) {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return "", nil, fmt.Errorf("inventory: unexpected object type %T", obj)
	}
	e, err := gatekeeper.NewEntry(u.Object)
	if err != nil {
		return "", nil, err
	}
	return u.GetNamespace() + "/" + u.GetName(), e, nil
}

func (s *kindStore) Add(obj any) error    { return s.put(obj) }
func (s *kindStore) Update(obj any) error { return s.put(obj) }

func (s *kindStore) put(obj any) error {
	k, e, err := entryOf(obj)
	if err != nil {
		return err
	}
	inv := s.inv
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if s.run != inv.run {
		return nil
	}
	byKey := inv.objs[s.kind.gvk]
	if _, ok := byKey[k]; !ok {
		if inv.count >= inv.max {
			inv.overLimit(s.kind.gvk, 1)
			return nil
		}
		if byKey == nil {
			byKey = map[string]*gatekeeper.Entry{}
			inv.objs[s.kind.gvk] = byKey
		}
		inv.count++
	}
	byKey[k] = e
	inv.changed()
	return nil
}

func (s *kindStore) Delete(obj any) error {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return fmt.Errorf("inventory: unexpected object type %T", obj)
	}
	k := u.GetNamespace() + "/" + u.GetName()
	inv := s.inv
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if s.run != inv.run {
		return nil
	}
	if _, ok := inv.objs[s.kind.gvk][k]; ok {
		delete(inv.objs[s.kind.gvk], k)
		inv.count--
		inv.changed()
	}
	return nil
}

// Replace takes a fresh list of the kind: it is then synced, and no longer
// truncated if the whole list fits.
func (s *kindStore) Replace(list []any, _ string) error {
	inv := s.inv
	inv.mu.Lock()
	room := max(inv.room(s.kind.gvk), 0)
	inv.mu.Unlock()
	// Convert outside the lock, no more than can be kept.
	byKey := make(map[string]*gatekeeper.Entry, min(len(list), room))
	dropped := 0
	for _, obj := range list {
		k, e, err := entryOf(obj)
		if err != nil {
			return err
		}
		if _, ok := byKey[k]; !ok && len(byKey) >= room {
			dropped++
			continue
		}
		byKey[k] = e
	}
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if s.run != inv.run {
		return nil
	}
	if room = max(inv.room(s.kind.gvk), 0); len(byKey) > room {
		// Other kinds grew meanwhile: keep what fits.
		for k := range byKey {
			if len(byKey) <= room {
				break
			}
			delete(byKey, k)
			dropped++
		}
	}
	inv.count += len(byKey) - len(inv.objs[s.kind.gvk])
	inv.objs[s.kind.gvk] = byKey
	inv.truncated[s.kind.gvk] = false
	if dropped > 0 || inv.cut[s.kind.gvk] {
		inv.overLimit(s.kind.gvk, dropped)
	}
	delete(inv.cut, s.kind.gvk)
	if !inv.anyTruncated() {
		inv.overLog = false
	}
	inv.synced[s.kind.gvk] = true
	inv.changed()
	if inv.syncedGen == 0 && len(inv.synced) == len(inv.kinds) {
		inv.syncedGen = inv.gen
	}
	return nil
}

func (inv *Inventory) anyTruncated() bool {
	for _, t := range inv.truncated {
		if t {
			return true
		}
	}
	return false
}

func (s *kindStore) Resync() error { return nil }

// kindWatcher lists and watches one kind, trimming every object as it
// arrives. It lists page by page and stops at the inventory's free room, so
// no more than a page of untrimmed objects is held at once.
type kindWatcher struct {
	inv  *Inventory
	kind watchedKind
	run  uint64
}

// IsWatchListSemanticsUnSupported makes the reflector list with
// ListWithContext (paged, trimmed, capped) rather than stream the whole
// kind into a store of its own.
func (w *kindWatcher) IsWatchListSemanticsUnSupported() bool { return true }

// List is the plain ListerWatcher form of ListWithContext.
func (w *kindWatcher) List(opts metav1.ListOptions) (runtime.Object, error) {
	return w.ListWithContext(context.Background(), opts)
}

// Watch is the plain ListerWatcher form of WatchWithContext.
func (w *kindWatcher) Watch(opts metav1.ListOptions) (watch.Interface, error) {
	return w.WatchWithContext(context.Background(), opts)
}

// ListWithContext lists the kind, consistently and in pages, whatever the
// reflector asked for, and records the outcome for Status.
func (w *kindWatcher) ListWithContext(ctx context.Context, _ metav1.ListOptions) (runtime.Object, error) {
	l, err := w.list(ctx)
	w.inv.mu.Lock()
	defer w.inv.mu.Unlock()
	if w.run == w.inv.run {
		if err != nil {
			w.inv.listErr[w.kind.gvk] = err.Error()
		} else {
			delete(w.inv.listErr, w.kind.gvk)
		}
	}
	return l, err
}

func (w *kindWatcher) list(ctx context.Context) (runtime.Object, error) {
	w.inv.mu.Lock()
	room := w.inv.room(w.kind.gvk)
	w.inv.mu.Unlock()
	out := &unstructured.UnstructuredList{}
	opts := metav1.ListOptions{Limit: listPageSize}
	for {
		var items []map[string]any
		var lm metav1.ListMeta
		if w.kind.metaOnly {
			l, err := w.inv.md.Resource(w.kind.gvr).List(ctx, opts)
			if err != nil {
				return nil, fmt.Errorf("listing %s: %w", w.kind.gvr.Resource, err)
			}
			lm = l.ListMeta
			for i := range l.Items {
				items = append(items, metaObject(w.kind.gvk, &l.Items[i].ObjectMeta))
			}
		} else {
			l, err := w.inv.dyn.Resource(w.kind.gvr).List(ctx, opts)
			if err != nil {
				return nil, fmt.Errorf("listing %s: %w", w.kind.gvr.Resource, err)
			}
			lm.ResourceVersion, lm.Continue = l.GetResourceVersion(), l.GetContinue()
			for i := range l.Items {
				items = append(items, l.Items[i].Object)
			}
		}
		if out.GetResourceVersion() == "" {
			out.SetResourceVersion(lm.ResourceVersion)
		}
		for _, o := range items {
			if len(out.Items) >= room {
				// The rest would not be kept: stop listing; Replace reports it.
				w.inv.mu.Lock()
				if w.run == w.inv.run {
					w.inv.cut[w.kind.gvk] = true
				}
				w.inv.mu.Unlock()
				return out, nil
			}
			out.Items = append(out.Items, unstructured.Unstructured{Object: Trim(w.kind.gvk, o)})
		}
		if lm.Continue == "" {
			return out, nil
		}
		opts.Continue = lm.Continue
	}
}

// WatchWithContext watches the kind from the reflector's resource version,
// trimming every object.
func (w *kindWatcher) WatchWithContext(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	var wi watch.Interface
	var err error
	if w.kind.metaOnly {
		wi, err = w.inv.md.Resource(w.kind.gvr).Watch(ctx, opts)
	} else {
		wi, err = w.inv.dyn.Resource(w.kind.gvr).Watch(ctx, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("watching %s: %w", w.kind.gvr.Resource, err)
	}
	return watch.Filter(wi, func(ev watch.Event) (watch.Event, bool) {
		switch o := ev.Object.(type) {
		case *unstructured.Unstructured:
			if ev.Type != watch.Bookmark {
				ev.Object = &unstructured.Unstructured{Object: Trim(w.kind.gvk, o.Object)}
			}
		case *metav1.PartialObjectMetadata:
			ev.Object = &unstructured.Unstructured{Object: metaObject(w.kind.gvk, &o.ObjectMeta)}
		}
		return ev, true
	}), nil
}

// metaObject is a metadata-only object (a Secret) in map form.
func metaObject(gvk schema.GroupVersionKind, om *metav1.ObjectMeta) map[string]any {
	md, err := runtime.DefaultUnstructuredConverter.ToUnstructured(om)
	if err != nil {
		md = map[string]any{"name": om.Name, "namespace": om.Namespace, "resourceVersion": om.ResourceVersion}
	}
	apiVersion, kind := gvk.ToAPIVersionAndKind()
	return Trim(gvk, map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": md})
}

// Trim returns what the inventory keeps of an object of kind gvk: every
// field but status, and metadata without managedFields and without the
// kubectl.kubernetes.io/last-applied-configuration annotation. A Secret
// keeps its metadata only, never its data. It builds new top-level and
// metadata maps and shares the rest with o.
func Trim(gvk schema.GroupVersionKind, o map[string]any) map[string]any {
	out := make(map[string]any, len(o))
	secret := gvk.Group == "" && gvk.Kind == "Secret"
	for k, v := range o {
		switch {
		case k == "status", k == "metadata":
		case secret && k != "apiVersion" && k != "kind":
		default:
			out[k] = v
		}
	}
	apiVersion, kind := gvk.ToAPIVersionAndKind()
	out["apiVersion"], out["kind"] = apiVersion, kind
	md, _ := o["metadata"].(map[string]any)
	m := make(map[string]any, len(md))
	for k, v := range md {
		if k != "managedFields" {
			m[k] = v
		}
	}
	if ann, ok := md["annotations"].(map[string]any); ok {
		if _, has := ann[corev1.LastAppliedConfigAnnotation]; has {
			a := make(map[string]any, len(ann))
			for k, v := range ann {
				if k != corev1.LastAppliedConfigAnnotation {
					a[k] = v
				}
			}
			m["annotations"] = a
		}
	}
	out["metadata"] = m
	return out
}

// inventoryCollector exposes the inventory's state as Prometheus metrics.
type inventoryCollector struct {
	inv                            *Inventory
	objects, over, synced, dropped *prometheus.Desc
}

func newInventoryCollector(inv *Inventory) *inventoryCollector {
	return &inventoryCollector{
		inv: inv,
		objects: prometheus.NewDesc("fleetguard_webhook_inventory_objects",
			"Objects kept in data.inventory, by kind.", []string{"kind"}, nil),
		over: prometheus.NewDesc("fleetguard_webhook_inventory_over_limit",
			"1 when objects were left out of data.inventory to stay within --inventory-max-objects.", nil, nil),
		synced: prometheus.NewDesc("fleetguard_webhook_inventory_synced",
			"1 when every inventory kind is listed and in the snapshot evaluations read (or no watch is needed).", nil, nil),
		dropped: prometheus.NewDesc("fleetguard_webhook_inventory_dropped_objects_total",
			"Objects not kept in data.inventory because of the object limit.", nil, nil),
	}
}

func (c *inventoryCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.objects
	ch <- c.over
	ch <- c.synced
	ch <- c.dropped
}

func (c *inventoryCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.inv.Status()
	for _, k := range st.Kinds {
		ch <- prometheus.MustNewConstMetric(c.objects, prometheus.GaugeValue, float64(k.Objects), k.Kind)
	}
	ch <- prometheus.MustNewConstMetric(c.over, prometheus.GaugeValue, b2f(st.OverLimit))
	ch <- prometheus.MustNewConstMetric(c.synced, prometheus.GaugeValue, b2f(!st.Watching || st.Synced))
	ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(st.Dropped))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
