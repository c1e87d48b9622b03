package seed

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/fleetguard/fleetguard/internal/testfleet"
)

func TestParallel(t *testing.T) {
	var calls atomic.Int64
	boom := errors.New("boom")
	err := Parallel(100, 8, func(i int) error {
		calls.Add(1)
		if i == 42 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("Parallel() = %v, want %v", err, boom)
	}
	if calls.Load() != 100 {
		t.Errorf("create called %d times, want 100", calls.Load())
	}
	if err := Parallel(10, 3, func(int) error { return nil }); err != nil {
		t.Errorf("Parallel() = %v, want nil", err)
	}
}

func TestNamespace(t *testing.T) {
	if got := Namespace(7); got != "bench-07" {
		t.Errorf("Namespace(7) = %q, want bench-07", got)
	}
}

func TestFleet(t *testing.T) {
	a, b, c := &testfleet.Cluster{Name: "a"}, &testfleet.Cluster{Name: "b"}, &testfleet.Cluster{Name: "c"}
	var calls atomic.Int64
	errB, errC := errors.New("b failed"), errors.New("c failed")
	err := Fleet([]*testfleet.Cluster{a, b, c}, func(cl *testfleet.Cluster) error {
		calls.Add(1)
		switch cl {
		case b:
			return errB
		case c:
			return errC
		}
		return nil
	})
	if !errors.Is(err, errB) || !errors.Is(err, errC) {
		t.Errorf("Fleet() = %v, want both clusters' errors", err)
	}
	if calls.Load() != 3 {
		t.Errorf("fill called %d times, want 3", calls.Load())
	}
	if err := Fleet([]*testfleet.Cluster{a}, func(*testfleet.Cluster) error { return nil }); err != nil {
		t.Errorf("Fleet() = %v, want nil", err)
	}
}
