package main

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestFaultRunShort is the fault run in small: bundle swaps and certificate
// rotations under load, with no failed request and no wrong decision.
func TestFaultRunShort(t *testing.T) {
	rep, err := run(context.Background(), config{rate: 100, duration: 2 * time.Second, conns: 8, fault: true, swapEvery: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f := rep.Fault
	if f.Requests != 200 || f.Failed != 0 || f.Wrong != 0 {
		t.Fatalf("fault run: %d requests, %d failed, %d wrong (first error %q); want 200, 0, 0", f.Requests, f.Failed, f.Wrong, f.FirstError)
	}
	if f.Swaps != 3 || f.Rotations != 3 {
		t.Fatalf("fault run: %d swaps, %d rotations; want 3 and 3", f.Swaps, f.Rotations)
	}
	if !slices.Contains(f.Revisions, "fault-3") {
		t.Errorf("revisions served %v, want fault-3 among them", f.Revisions)
	}
	if !slices.Contains(f.Serials, "100") || len(f.Serials) < 2 {
		t.Errorf("certificate serials served %v, want the first (100) and at least one rotated", f.Serials)
	}
}

// TestOpenLoopShort checks the load generator and the floor against the
// real webhook and default bundle: every answer has the right uid and the
// right decision.
func TestOpenLoopShort(t *testing.T) {
	rep, err := run(context.Background(), config{rate: 100, duration: time.Second, conns: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Stats{rep.Floor, rep.Webhook} {
		if s.Requests != 100 || s.Failed != 0 || s.Wrong != 0 || s.P99ms <= 0 {
			t.Errorf("%s: %+v; want 100 requests, none failed or wrong", s.Name, *s)
		}
	}
	if rep.Policies == 0 {
		t.Error("no policies in the default bundle")
	}
}
