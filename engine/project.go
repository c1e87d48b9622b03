package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"sync"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/fleetguard/fleetguard/snapshot"
)

// Projected inputs. A policy can read only the input paths its read set
// names (memo.go), so evaluating it on the projection of its input onto
// those paths gives the verdict it gives on the whole input. The engine so
// converts only what a query's policies can read, from the object as
// decoded, and computes memo keys from the decoded object too: a memo hit
// converts nothing. Most of an object is what no policy reads (a Pod's
// status, a workload's metadata beside its name and labels).

// doc is the policy input (policies/README.md, "Object input") as Go
// values that share the object's subtrees: what ObjectInput.value converts.
func (in *ObjectInput) doc() map[string]any {
	cluster := in.clusterDoc
	if cluster == nil {
		cluster = clusterDoc(in.Cluster)
	}
	d := map[string]any{"object": in.Object, "operation": in.Operation, "cluster": cluster}
	if in.OldObject != nil {
		d["oldObject"] = in.OldObject
	}
	if in.UserInfo != nil {
		d["userInfo"] = in.UserInfo
	}
	if in.Namespace != nil {
		d["namespace"] = in.Namespace
	}
	containers := []any{}
	if ps, ok := snapshot.PodSpecOf(in.Object); ok {
		// ps.Metadata is nil when the template has none: null, as in value.
		d["pod"] = map[string]any{"spec": ps.Spec, "metadata": nilMap(ps.Metadata), "path": ps.Path}
		containers = make([]any, len(ps.Containers))
		for i, c := range ps.Containers {
			containers[i] = map[string]any{"type": c.Type, "path": c.Path, "container": c.Container}
		}
	}
	d["containers"] = containers
	return d
}

// nilMap is m, or an untyped nil (null) when m is nil.
func nilMap(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// projectValue converts the projection of x onto rs: a subtree rs reads
// whole is converted whole, and of any other object only the keys rs names.
func projectValue(x any, rs *readSet) (ast.Value, error) {
	m, ok := x.(map[string]any)
	if rs.all || !ok {
		return ast.InterfaceToValue(x)
	}
	obj := ast.NewObject()
	for i, k := range rs.keys {
		v, ok := m[k]
		if !ok {
			continue
		}
		pv, err := projectValue(v, rs.children[k])
		if err != nil {
			return nil, err
		}
		obj.Insert(rs.terms[i], ast.NewTerm(pv))
	}
	return obj, nil
}

// memoKey hashes the projection of doc onto rs, with the query's key, so
// that two inputs with the same key give the memoised policies the same
// values to read. It is false when doc holds a type the key cannot encode
// (decoded objects hold only maps, slices, strings, numbers, booleans and
// nulls); such an input is evaluated without the memo.
func memoKey(query string, doc map[string]any, rs *readSet) ([sha256.Size]byte, bool) {
	enc := keyEncoders.Get().(*keyEncoder)
	enc.b = appendString(enc.b[:0], query)
	ok := enc.projection(doc, rs)
	var k [sha256.Size]byte
	if ok {
		k = sha256.Sum256(enc.b)
	}
	clear(enc.seen)
	keyEncoders.Put(enc)
	return k, ok
}

// keyEncoder encodes memo keys. The input shares subtrees (the pod spec is
// also the object's, each container also the pod spec's): seen numbers the
// maps encoded so far, so that a map met again is encoded by its number.
type keyEncoder struct {
	b    []byte
	seen map[unsafe.Pointer]int
}

// keyEncoders recycle encoders: memoKey runs once per object.
var keyEncoders = sync.Pool{New: func() any {
	return &keyEncoder{b: make([]byte, 0, 4096), seen: map[unsafe.Pointer]int{}}
}}

func (enc *keyEncoder) projection(x any, rs *readSet) bool {
	m, isMap := x.(map[string]any)
	if rs.all || !isMap {
		return enc.value(x)
	}
	enc.b = append(enc.b, 'p')
	for _, k := range rs.keys {
		enc.b = appendString(enc.b, k)
		v, ok := m[k]
		if !ok {
			enc.b = append(enc.b, 0)
			continue
		}
		enc.b = append(enc.b, 1)
		if !enc.projection(v, rs.children[k]) {
			return false
		}
	}
	return true
}

// value appends a self-delimiting encoding of a decoded value in which
// every Go type has its own tag, and a map met before is its number: equal
// encodings are equal values, which convert to equal OPA values. Map keys
// are encoded in sorted order.
func (enc *keyEncoder) value(x any) bool {
	b := enc.b
	switch v := x.(type) {
	case nil:
		b = append(b, 'n')
	case bool:
		if v {
			b = append(b, 't')
		} else {
			b = append(b, 'f')
		}
	case string:
		b = appendString(append(b, 's'), v)
	case json.Number:
		b = appendString(append(b, '#'), string(v))
	case float64:
		b = binary.BigEndian.AppendUint64(append(b, 'F'), math.Float64bits(v))
	case int:
		b = binary.AppendVarint(append(b, 'i'), int64(v))
	case int64:
		b = binary.AppendVarint(append(b, 'I'), v)
	case []any:
		enc.b = binary.AppendUvarint(append(b, '['), uint64(len(v)))
		for _, e := range v {
			if !enc.value(e) {
				return false
			}
		}
		return true
	case map[string]any:
		return enc.object(v)
	default:
		return false
	}
	enc.b = b
	return true
}

func (enc *keyEncoder) object(m map[string]any) bool {
	p := reflect.ValueOf(m).UnsafePointer()
	if n, ok := enc.seen[p]; ok {
		enc.b = binary.AppendUvarint(append(enc.b, 'r'), uint64(n))
		return true
	}
	enc.seen[p] = len(enc.seen)
	var buf [16]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	enc.b = binary.AppendUvarint(append(enc.b, 'o'), uint64(len(keys)))
	for _, k := range keys {
		enc.b = appendString(enc.b, k)
		if !enc.value(m[k]) {
			return false
		}
	}
	return true
}
