package seed

import (
	"errors"
	"sync/atomic"
	"testing"
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
