package audit

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/fleetguard/fleetguard/engine"
)

// filled sets every field of v, recursively, to a value derived from seed,
// so a field the codec forgets shows up as a difference.
func filled(t *testing.T, v reflect.Value, seed string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(seed)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(len(seed)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		for i := range v.NumField() {
			filled(t, v.Field(i), fmt.Sprintf("%s.%s", seed, v.Type().Field(i).Name))
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		filled(t, v.Elem(), seed)
	case reflect.Slice:
		if v.Type() == reflect.TypeOf(engine.Details(nil)) {
			v.SetBytes([]byte(fmt.Sprintf(`{"at":%q}`, seed)))
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		filled(t, s.Index(0), seed+"[0]")
		filled(t, s.Index(1), seed+"[1]")
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		val := reflect.New(v.Type().Elem()).Elem()
		filled(t, val, seed+"[v]")
		m.SetMapIndex(reflect.ValueOf(seed+"[k]"), val)
		v.Set(m)
	default:
		t.Fatalf("filled: no rule for %s (%s): teach the codec and this test the new field", seed, v.Kind())
	}
}

func TestPackRoundTripEveryField(t *testing.T) {
	pol := []engine.Policy{{ID: "FG-POD-001", Title: "Privileged containers", Controls: map[string][]string{"cis-k8s-v1.10": {"5.2.2"}, "pss": {"baseline/privileged-containers"}}}}
	var full engine.Finding
	filled(t, reflect.ValueOf(&full).Elem(), "f")
	full.Severity = engine.SeverityHigh
	in := []engine.Finding{
		full,
		{
			PolicyID: "FG-POD-001", Title: "Privileged containers", Severity: engine.SeverityCritical,
			Controls: map[string][]string{"pss": {"baseline/privileged-containers"}, "cis-k8s-v1.10": {"5.2.2"}},
			Resource: engine.Resource{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"},
			Message:  `container "app" is privileged <script>`, Details: engine.Details(`{"container":"app","path":"spec.template.spec.containers[0]"}`),
			Cluster: "prod-us", Scope: "object", Enforcement: "deny",
		},
		{PolicyID: "FG-RBAC-101", Resource: engine.Resource{Kind: "ClusterRoleBinding", Name: "ops"}, Message: "m", Cluster: "prod-us", Scope: "cluster"},
		{}, // every field empty
	}
	c := newCodec(pol)
	p, err := c.pack(in)
	if err != nil {
		t.Fatal(err)
	}
	if p.n != len(in) || len(p.data) == 0 {
		t.Fatalf("packed %d findings in %d bytes", p.n, len(p.data))
	}
	out := make([]engine.Finding, len(in))
	if err := c.unpack(p, out, newInterner()); err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if !reflect.DeepEqual(out[i], in[i]) {
			t.Errorf("finding %d:\n got %+v\nwant %+v", i, out[i], in[i])
		}
	}
	if reflect.ValueOf(out[1].Controls).UnsafePointer() != reflect.ValueOf(pol[0].Controls).UnsafePointer() {
		t.Error("a finding with its policy's controls does not share the policy's map after unpacking")
	}
	if out[1].Cluster != out[2].Cluster || reflect.ValueOf(out[1].Cluster).String() != "prod-us" {
		t.Error("cluster names differ")
	}

	if err := c.unpack(packed{}, nil, newInterner()); err != nil {
		t.Fatalf("unpacking nothing: %v", err)
	}
	for name, bad := range map[string]packed{
		"more than were packed":  {data: p.data, n: len(in) + 1},
		"fewer than were packed": {data: p.data, n: len(in) - 1},
		"not gzip":               {data: []byte("not gzip"), n: 1},
	} {
		if err := c.unpack(bad, make([]engine.Finding, bad.n), newInterner()); err == nil {
			t.Errorf("unpacking %s: no error", name)
		}
	}
}

// FuzzReadFinding feeds the decoder arbitrary bytes: it must stop with an
// error, never panic or allocate beyond what the input can hold.
func FuzzReadFinding(f *testing.F) {
	c := newCodec(nil)
	f.Add(c.appendFinding(nil, &engine.Finding{PolicyID: "P", Message: "m", Controls: map[string][]string{"a": {"b", "c"}}, Source: &engine.Source{File: "f", Line: 3}}))
	f.Add(c.appendFinding(nil, &engine.Finding{Excepted: &engine.AppliedException{Reason: "r"}}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		d := decoder{b: raw, in: newInterner()}
		for d.err == nil && len(d.b) > 0 {
			var x engine.Finding
			c.readFinding(&d, &x)
		}
	})
}

// Findings that encode to more than one chunk round-trip in order.
func TestPackManyChunks(t *testing.T) {
	in := make([]engine.Finding, 5000)
	for i := range in {
		in[i] = engine.Finding{PolicyID: "FG-SEC-001", Message: fmt.Sprintf("finding %d %s", i, strings.Repeat("x", i%97)), Cluster: "c", Scope: "cluster"}
	}
	c := newCodec(nil)
	if n := len(c.appendFinding(nil, &in[0])) * len(in); n < 2*packChunk {
		t.Fatalf("the findings encode to about %d bytes, fewer than two chunks", n)
	}
	p, err := c.pack(in)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]engine.Finding, len(in))
	if err := c.unpack(p, out, newInterner()); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(out, in) {
		t.Error("findings packed in several chunks do not unpack to the same findings")
	}
}

// Unpacking makes a few allocations a cluster, not some a finding: the
// findings' names, messages and details are cut from two, and appending to
// one finding's details does not write into the next one's.
func TestUnpackAllocations(t *testing.T) {
	in := make([]engine.Finding, 2000)
	for i := range in {
		in[i] = engine.Finding{PolicyID: "FG-SEC-001", Resource: engine.Resource{Kind: "Pod", Name: fmt.Sprintf("pod-%d", i)},
			Message: fmt.Sprintf("finding %d", i), Details: engine.Details(fmt.Sprintf(`{"i":%d}`, i)), Cluster: "c", Scope: "cluster"}
	}
	c := newCodec(nil)
	p, err := c.pack(in)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]engine.Finding, len(in))
	allocs := testing.AllocsPerRun(5, func() {
		if err := c.unpack(p, out, newInterner()); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 100 {
		t.Errorf("unpacking %d findings made %.0f allocations", len(in), allocs)
	}
	if !reflect.DeepEqual(out, in) {
		t.Fatal("the findings do not round-trip")
	}
	grown := append(out[0].Details, 'x')
	if string(out[1].Details) != `{"i":1}` || string(grown) != `{"i":0}x` {
		t.Errorf("appending to a finding's details wrote into the next one's: %s", out[1].Details)
	}
}
