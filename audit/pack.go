package audit

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/fleetguard/fleetguard/engine"
)

// packed holds one cluster's findings as gzip-compressed JSON until the
// audit merges every cluster into the Result. A fleet's clusters make
// millions of findings: as Go values they are a gigabyte of pointers that
// every garbage collection of the rest of the audit would scan again;
// packed they are a few megabytes that it does not scan at all.
type packed struct {
	data []byte
	n    int
}

// pack encodes findings; they can be dropped once it returns.
func pack(findings []engine.Finding) (packed, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return packed{}, err
	}
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	for i := range findings {
		if err := enc.Encode(&findings[i]); err != nil {
			return packed{}, fmt.Errorf("packing finding %s on %s: %w", findings[i].PolicyID, findings[i].Resource, err)
		}
	}
	if err := zw.Close(); err != nil {
		return packed{}, err
	}
	return packed{data: bytes.Clone(buf.Bytes()), n: len(findings)}, nil
}

// unpack appends the packed findings to dst. Strings and maps every
// finding of a policy shares (its id, title, controls, scope, enforcement,
// the resource's apiVersion and kind, the cluster) come from in, so the
// merged Result holds each of them once, as it did before packing.
func (p packed) unpack(dst []engine.Finding, in *interner) ([]engine.Finding, error) {
	if p.n == 0 {
		return dst, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(p.data))
	if err != nil {
		return dst, err
	}
	dec := json.NewDecoder(zr)
	for range p.n {
		var f engine.Finding
		if err := dec.Decode(&f); err != nil {
			return dst, fmt.Errorf("unpacking findings: %w", err)
		}
		in.finding(&f)
		dst = append(dst, f)
	}
	if _, err := dec.Token(); err != io.EOF {
		return dst, fmt.Errorf("unpacking findings: data after the last of %d", p.n)
	}
	return dst, nil
}

// interner hands out one copy of each repeated string and policy map.
type interner struct {
	policies map[string]*engine.Policy
	strings  map[string]string
}

func newInterner(policies []engine.Policy) *interner {
	in := &interner{policies: map[string]*engine.Policy{}, strings: map[string]string{}}
	for i := range policies {
		in.policies[policies[i].ID] = &policies[i]
	}
	return in
}

func (in *interner) string(s string) string {
	if v, ok := in.strings[s]; ok {
		return v
	}
	in.strings[s] = s
	return s
}

func (in *interner) finding(f *engine.Finding) {
	if p := in.policies[f.PolicyID]; p != nil && f.Controls != nil && maps.EqualFunc(f.Controls, p.Controls, slices.Equal) {
		f.Controls = p.Controls
	}
	for _, s := range []*string{&f.PolicyID, &f.Title, &f.Scope, &f.Enforcement, &f.Cluster, &f.Resource.APIVersion, &f.Resource.Kind} {
		*s = in.string(*s)
	}
}
