package gatekeeper

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Inventory is data.inventory for referential templates, in Gatekeeper's
// layout: cluster[groupVersion][kind][name] for cluster-scoped objects and
// namespace[ns][groupVersion][kind][name] for namespaced ones. It also
// serves the Namespace objects it holds to namespaceSelector matching, as
// Gatekeeper's namespace cache does. An Inventory is immutable once built
// and safe for concurrent use; build a new one to change it.
type Inventory struct {
	store      storage.Store
	namespaces map[string]*corev1.Namespace
	size       int
}

// NewInventory builds an inventory from objects (JSON-compatible maps, as
// decoded from YAML or JSON). It keeps references to the objects and never
// modifies them. Objects without apiVersion, kind or name are an error
// naming the object's position.
func NewInventory(objs []map[string]any) (*Inventory, error) {
	cluster := map[string]any{}
	namespaced := map[string]any{}
	inv := &Inventory{namespaces: map[string]*corev1.Namespace{}}
	for i, o := range objs {
		apiVersion, kind, ns, name := identity(o)
		if apiVersion == "" || kind == "" || name == "" {
			return nil, fmt.Errorf("inventory object %d (%s %q): apiVersion, kind and metadata.name are required", i+1, kind, name)
		}
		root := cluster
		if ns != "" {
			root = child(namespaced, ns)
		}
		child(child(root, apiVersion), kind)[name] = o
		inv.size++
		n, err := namespaceObject(apiVersion, kind, name, o)
		if err != nil {
			return nil, err
		}
		if n != nil {
			inv.namespaces[name] = n
		}
	}
	tree := map[string]any{}
	if len(cluster) > 0 {
		tree["cluster"] = cluster
	}
	if len(namespaced) > 0 {
		tree["namespace"] = namespaced
	}
	// AST values on read: templates that walk the inventory do not convert
	// the whole tree to AST on every evaluation.
	inv.store = inmem.NewFromObjectWithOpts(map[string]any{"inventory": tree},
		inmem.OptRoundTripOnWrite(false), inmem.OptReturnASTValuesOnRead(true))
	return inv, nil
}

// Collect builds an inventory from the objects that have apiVersion, kind
// and metadata.name, skipping the others (a scan's or a snapshot's objects,
// where such objects are reported elsewhere). It errors only on a Namespace
// object that cannot be read.
func Collect(objs []map[string]any) (*Inventory, error) {
	keep := make([]map[string]any, 0, len(objs))
	for _, o := range objs {
		if apiVersion, kind, _, name := identity(o); name != "" && kind != "" && apiVersion != "" {
			keep = append(keep, o)
		}
	}
	return NewInventory(keep)
}

// identity reads where an object sits in the inventory.
func identity(o map[string]any) (apiVersion, kind, ns, name string) {
	apiVersion, _ = o["apiVersion"].(string)
	kind, _ = o["kind"].(string)
	md, _ := o["metadata"].(map[string]any)
	name, _ = md["name"].(string)
	ns, _ = md["namespace"].(string)
	return apiVersion, kind, ns, name
}

// namespaceObject converts a v1 Namespace for namespaceSelector matching;
// it is nil for objects of other kinds.
func namespaceObject(apiVersion, kind, name string, o map[string]any) (*corev1.Namespace, error) {
	if kind != "Namespace" || apiVersion != "v1" {
		return nil, nil
	}
	var n corev1.Namespace
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o, &n); err != nil {
		return nil, fmt.Errorf("inventory Namespace %q: %w", name, err)
	}
	return &n, nil
}

// Entry is one object prepared for inventory snapshots: converted to an
// OPA value once, so that building a snapshot shares the conversion
// instead of redoing it for every object. An Entry is immutable.
type Entry struct {
	apiVersion, kind, ns, name string
	val                        ast.Value
	namespace                  *corev1.Namespace // for a v1 Namespace
}

// NewEntry prepares o (a JSON-compatible map, as decoded from YAML or JSON)
// for Snapshot. It does not keep o. An object without apiVersion, kind or
// metadata.name is an error naming it.
func NewEntry(o map[string]any) (*Entry, error) {
	e := &Entry{}
	e.apiVersion, e.kind, e.ns, e.name = identity(o)
	if e.apiVersion == "" || e.kind == "" || e.name == "" {
		return nil, fmt.Errorf("inventory object %s %q: apiVersion, kind and metadata.name are required", e.kind, e.name)
	}
	v, err := ast.InterfaceToValue(o)
	if err != nil {
		return nil, fmt.Errorf("inventory %s %q: %w", e.kind, e.name, err)
	}
	e.val = v
	if e.namespace, err = namespaceObject(e.apiVersion, e.kind, e.name, o); err != nil {
		return nil, err
	}
	return e, nil
}

// Object returns a copy of the entry's object in map form.
func (e *Entry) Object() (map[string]any, error) {
	v, err := ast.JSON(e.val)
	if err != nil {
		return nil, fmt.Errorf("inventory %s %q: %w", e.kind, e.name, err)
	}
	m, _ := v.(map[string]any)
	return m, nil
}

// Snapshot builds an immutable Inventory from entries, in the same layout
// as NewInventory. It shares the entries' converted values, so its cost is
// the tree of keys, not a conversion of the objects. A later entry with the
// same apiVersion, kind, namespace and name replaces an earlier one.
func Snapshot(entries []*Entry) *Inventory {
	cluster, namespaced := ast.NewObject(), ast.NewObject()
	inv := &Inventory{namespaces: map[string]*corev1.Namespace{}}
	for _, e := range entries {
		root := cluster
		if e.ns != "" {
			root = astChild(namespaced, e.ns)
		}
		leaf := astChild(astChild(root, e.apiVersion), e.kind)
		k := ast.StringTerm(e.name)
		if leaf.Get(k) == nil {
			inv.size++
		}
		leaf.Insert(k, ast.NewTerm(e.val))
		if e.namespace != nil {
			inv.namespaces[e.name] = e.namespace
		}
	}
	tree := ast.NewObject()
	if cluster.Len() > 0 {
		tree.Insert(ast.InternedTerm("cluster"), ast.NewTerm(cluster))
	}
	if namespaced.Len() > 0 {
		tree.Insert(ast.InternedTerm("namespace"), ast.NewTerm(namespaced))
	}
	inv.store = inmem.NewFromASTObject(ast.NewObject(ast.Item(ast.InternedTerm("inventory"), ast.NewTerm(tree))))
	return inv
}

func astChild(o ast.Object, key string) ast.Object {
	k := ast.StringTerm(key)
	if t := o.Get(k); t != nil {
		if c, ok := t.Value.(ast.Object); ok {
			return c
		}
	}
	c := ast.NewObject()
	o.Insert(k, ast.NewTerm(c))
	return c
}

func child(m map[string]any, key string) map[string]any {
	c, ok := m[key].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[key] = c
	}
	return c
}

// Len returns the number of objects in the inventory.
func (inv *Inventory) Len() int {
	if inv == nil {
		return 0
	}
	return inv.size
}

// Namespace returns the Namespace object named name, or nil.
func (inv *Inventory) Namespace(name string) *corev1.Namespace {
	if inv == nil {
		return nil
	}
	return inv.namespaces[name]
}

type inventoryKey struct{}

// WithInventory returns a context whose evaluations see inv as
// data.inventory. It is how the scan, the audit and the webhook give each
// evaluation its own inventory while the compiled templates are shared.
func WithInventory(ctx context.Context, inv *Inventory) context.Context {
	return context.WithValue(ctx, inventoryKey{}, inv)
}

// InventoryFrom returns the inventory set by WithInventory, or nil.
func InventoryFrom(ctx context.Context) *Inventory {
	inv, _ := ctx.Value(inventoryKey{}).(*Inventory)
	return inv
}

// routedStore is the driver's store: constraint parameters live in the base
// store, and reads under /inventory go to the context's Inventory when one
// is set. Transactions span both stores.
type routedStore struct {
	storage.Store
}

type routedTxn struct {
	base storage.Transaction
	inv  storage.Transaction
	st   storage.Store // the inventory's store, when inv is set
}

func (t *routedTxn) ID() uint64 { return t.base.ID() }

func newRoutedStore() *routedStore {
	base := inmem.NewFromObjectWithOpts(map[string]any{"inventory": map[string]any{}}, inmem.OptRoundTripOnWrite(false))
	return &routedStore{Store: base}
}

func unwrap(txn storage.Transaction) (*routedTxn, storage.Transaction) {
	if rt, ok := txn.(*routedTxn); ok {
		return rt, rt.base
	}
	return nil, txn
}

func (s *routedStore) NewTransaction(ctx context.Context, params ...storage.TransactionParams) (storage.Transaction, error) {
	bt, err := s.Store.NewTransaction(ctx, params...)
	if err != nil {
		return nil, err
	}
	rt := &routedTxn{base: bt}
	if inv := InventoryFrom(ctx); inv != nil {
		it, err := inv.store.NewTransaction(ctx)
		if err != nil {
			s.Store.Abort(ctx, bt)
			return nil, err
		}
		rt.inv, rt.st = it, inv.store
	}
	return rt, nil
}

func (s *routedStore) Read(ctx context.Context, txn storage.Transaction, path storage.Path) (any, error) {
	rt, bt := unwrap(txn)
	if rt != nil && rt.inv != nil {
		if len(path) > 0 && path[0] == "inventory" {
			return rt.st.Read(ctx, rt.inv, path)
		}
		if len(path) == 0 {
			v, err := s.Store.Read(ctx, bt, path)
			if err != nil {
				return nil, err
			}
			inv, err := rt.st.Read(ctx, rt.inv, storage.Path{"inventory"})
			if err != nil {
				return nil, err
			}
			m, _ := v.(map[string]any)
			out := make(map[string]any, len(m))
			for k, x := range m {
				out[k] = x
			}
			out["inventory"] = inv
			return out, nil
		}
	}
	return s.Store.Read(ctx, bt, path)
}

func (s *routedStore) Write(ctx context.Context, txn storage.Transaction, op storage.PatchOp, path storage.Path, v any) error {
	_, bt := unwrap(txn)
	return s.Store.Write(ctx, bt, op, path, v)
}

func (s *routedStore) Commit(ctx context.Context, txn storage.Transaction) error {
	rt, bt := unwrap(txn)
	if rt != nil && rt.inv != nil {
		rt.st.Abort(ctx, rt.inv)
	}
	return s.Store.Commit(ctx, bt)
}

func (s *routedStore) Abort(ctx context.Context, txn storage.Transaction) {
	rt, bt := unwrap(txn)
	if rt != nil && rt.inv != nil {
		rt.st.Abort(ctx, rt.inv)
	}
	s.Store.Abort(ctx, bt)
}

func (s *routedStore) Truncate(ctx context.Context, txn storage.Transaction, p storage.TransactionParams, it storage.Iterator) error {
	_, bt := unwrap(txn)
	return s.Store.Truncate(ctx, bt, p, it)
}

func (s *routedStore) Register(ctx context.Context, txn storage.Transaction, cfg storage.TriggerConfig) (storage.TriggerHandle, error) {
	_, bt := unwrap(txn)
	return s.Store.Register(ctx, bt, cfg)
}

func (s *routedStore) ListPolicies(ctx context.Context, txn storage.Transaction) ([]string, error) {
	_, bt := unwrap(txn)
	return s.Store.ListPolicies(ctx, bt)
}

func (s *routedStore) GetPolicy(ctx context.Context, txn storage.Transaction, id string) ([]byte, error) {
	_, bt := unwrap(txn)
	return s.Store.GetPolicy(ctx, bt, id)
}

func (s *routedStore) UpsertPolicy(ctx context.Context, txn storage.Transaction, id string, b []byte) error {
	_, bt := unwrap(txn)
	return s.Store.UpsertPolicy(ctx, bt, id, b)
}

func (s *routedStore) DeletePolicy(ctx context.Context, txn storage.Transaction, id string) error {
	_, bt := unwrap(txn)
	return s.Store.DeletePolicy(ctx, bt, id)
}
