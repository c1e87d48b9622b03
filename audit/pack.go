package audit

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/internal/readall"
)

// packed holds one cluster's findings, encoded and gzip-compressed, until
// the audit merges every cluster into the Result. A fleet's clusters make
// millions of findings: as Go values they are a gigabyte of pointers that
// every garbage collection of the rest of the audit would scan again;
// packed they are a few megabytes that it does not scan at all.
type packed struct {
	data []byte
	n    int
	size int // the encoded findings' length, before compression
	// The findings' own strings (resource names, messages) and details, in
	// bytes: unpack gives each its one allocation, which those of the
	// cluster's findings share.
	strBytes, detailBytes int
}

// codec encodes findings field by field (TestPackRoundTripEveryField fails
// when Finding gains a field the codec does not carry). Controls equal to
// their policy's are written as a reference to it, so unpacked findings
// share the policy's map as evaluated ones do.
type codec struct {
	policies map[string]*engine.Policy
}

func newCodec(policies []engine.Policy) *codec {
	c := &codec{policies: map[string]*engine.Policy{}}
	for i := range policies {
		c.policies[policies[i].ID] = &policies[i]
	}
	return c
}

const (
	flagNone = iota
	flagPolicyControls
	flagSet
)

// packChunk is how much encoded data pack buffers before compressing it.
const packChunk = 64 << 10

// pack encodes findings; they can be dropped once it returns. They are
// compressed a chunk at a time, not encoded whole first.
func (c *codec) pack(findings []engine.Finding) (packed, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return packed{}, err
	}
	raw := make([]byte, 0, 2*packChunk)
	size, strBytes, detailBytes := 0, 0, 0
	for i := range findings {
		strBytes += len(findings[i].Resource.Name) + len(findings[i].Message)
		detailBytes += len(findings[i].Details)
		if raw = c.appendFinding(raw, &findings[i]); len(raw) >= packChunk || i == len(findings)-1 {
			if _, err := zw.Write(raw); err != nil {
				return packed{}, err
			}
			size += len(raw)
			raw = raw[:0]
		}
	}
	if err := zw.Close(); err != nil {
		return packed{}, err
	}
	return packed{data: bytes.Clone(buf.Bytes()), n: len(findings), size: size, strBytes: strBytes, detailBytes: detailBytes}, nil
}

func (c *codec) appendFinding(b []byte, f *engine.Finding) []byte {
	for _, s := range [...]string{f.PolicyID, f.Title, f.Resource.APIVersion, f.Resource.Kind, f.Resource.Namespace, f.Resource.Name, f.Message, f.Cluster, f.Scope, f.Enforcement} {
		b = appendString(b, s)
	}
	b = binary.AppendVarint(b, int64(f.Severity))
	b = appendString(b, string(f.Details))
	switch p := c.policies[f.PolicyID]; {
	case f.Controls == nil:
		b = append(b, flagNone)
	case p != nil && maps.EqualFunc(f.Controls, p.Controls, slices.Equal):
		b = append(b, flagPolicyControls)
	default:
		b = append(b, flagSet)
		b = binary.AppendUvarint(b, uint64(len(f.Controls)))
		for _, fw := range slices.Sorted(maps.Keys(f.Controls)) {
			b = appendString(b, fw)
			b = binary.AppendUvarint(b, uint64(len(f.Controls[fw])))
			for _, id := range f.Controls[fw] {
				b = appendString(b, id)
			}
		}
	}
	if f.Source == nil {
		b = append(b, flagNone)
	} else {
		b = append(b, flagSet)
		b = appendString(b, f.Source.File)
		b = binary.AppendVarint(b, int64(f.Source.Line))
	}
	if x := f.Excepted; x == nil {
		b = append(b, flagNone)
	} else {
		b = append(b, flagSet)
		for _, s := range [...]string{x.Reason, x.Ticket, x.Approver, x.Expires} {
			b = appendString(b, s)
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errCorrupt = errors.New("packed findings are corrupt")

// unpack decodes the packed findings into dst, which has room for exactly
// p.n of them. Repeated strings (policy ids, titles, kinds, namespaces,
// clusters) come from in, so the merged Result holds each of them once; the
// findings' own strings and details are cut from two allocations, one of
// each, rather than made three allocations a finding (millions of objects
// for the garbage collector to track, and a third of unpacking).
func (c *codec) unpack(p packed, dst []engine.Finding, in *interner) error {
	if p.n == 0 {
		return nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(p.data))
	if err != nil {
		return fmt.Errorf("unpacking findings: %w", err)
	}
	raw, err := readall.Sized(zr, int64(p.size)) // one allocation of the size packed
	if err != nil {
		return fmt.Errorf("unpacking findings: %w", err)
	}
	d := decoder{b: raw, in: in, details: make([]byte, 0, p.detailBytes)}
	d.strs.Grow(p.strBytes)
	for i := range dst {
		c.readFinding(&d, &dst[i])
		if d.err != nil {
			return fmt.Errorf("unpacking finding %d of %d: %w", i+1, p.n, d.err)
		}
	}
	if len(d.b) != 0 {
		return fmt.Errorf("unpacking findings: %d bytes after the last of %d: %w", len(d.b), p.n, errCorrupt)
	}
	return nil
}

func (c *codec) readFinding(d *decoder, f *engine.Finding) {
	f.PolicyID, f.Title = d.interned(), d.interned()
	f.Resource.APIVersion, f.Resource.Kind, f.Resource.Namespace = d.interned(), d.interned(), d.interned()
	f.Resource.Name, f.Message = d.string(), d.string()
	f.Cluster, f.Scope, f.Enforcement = d.interned(), d.interned(), d.interned()
	f.Severity = engine.Severity(d.varint())
	if details := d.bytes(); len(details) > 0 {
		f.Details = d.detailsOf(details)
	}
	switch d.flag() {
	case flagPolicyControls:
		if p := c.policies[f.PolicyID]; p != nil {
			f.Controls = p.Controls
		} else {
			d.fail()
		}
	case flagSet:
		n := d.uvarint() // bounded by the bytes left, as every count is
		f.Controls = make(map[string][]string, n)
		for range n {
			fw := d.interned()
			ids := make([]string, d.uvarint())
			for j := range ids {
				ids[j] = d.interned()
			}
			f.Controls[fw] = ids
		}
	}
	if d.flag() == flagSet {
		f.Source = &engine.Source{File: d.interned(), Line: int(d.varint())}
	}
	if d.flag() == flagSet {
		f.Excepted = &engine.AppliedException{Reason: d.interned(), Ticket: d.interned(), Approver: d.interned(), Expires: d.interned()}
	}
}

// decoder reads what appendFinding wrote; the first problem sticks in err
// and every later read returns a zero value.
type decoder struct {
	b   []byte
	in  *interner
	err error
	// strs and details are where string and detailsOf copy to: sized by
	// pack, they are never reallocated, and were they, what was cut from
	// them before would stay valid, as Go strings and slices do.
	strs    strings.Builder
	details []byte
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errCorrupt
	}
	d.b = nil
}

func (d *decoder) uvarint() int {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > uint64(len(d.b)) { // every counted element takes a byte at least
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) flag() byte {
	if len(d.b) == 0 {
		d.fail()
		return flagNone
	}
	f := d.b[0]
	d.b = d.b[1:]
	if f > flagSet {
		d.fail()
		return flagNone
	}
	return f
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > len(d.b) {
		d.fail()
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

// string is the next string, cut from strs.
func (d *decoder) string() string {
	b := d.bytes()
	start := d.strs.Len()
	d.strs.Write(b)
	return d.strs.String()[start:]
}

// detailsOf is a copy of b cut from details: its capacity ends where it
// does, so appending to it copies.
func (d *decoder) detailsOf(b []byte) engine.Details {
	start := len(d.details)
	d.details = append(d.details, b...)
	return engine.Details(d.details[start:len(d.details):len(d.details)])
}

func (d *decoder) interned() string { return d.in.string(d.bytes()) }

// interner hands out one copy of each repeated string.
type interner struct {
	strings map[string]string
}

func newInterner() *interner { return &interner{strings: map[string]string{}} }

func (in *interner) string(b []byte) string {
	if s, ok := in.strings[string(b)]; ok {
		return s
	}
	s := string(b)
	in.strings[s] = s
	return s
}
