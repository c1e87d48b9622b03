package readall

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestSizedReadsEverything(t *testing.T) {
	data := strings.Repeat("fleetguard ", 10_000)
	for _, hint := range []int64{-1, 0, 1, int64(len(data)) - 1, int64(len(data)), int64(len(data)) * 2} {
		got, err := Sized(iotest.HalfReader(strings.NewReader(data)), hint)
		if err != nil || string(got) != data {
			t.Errorf("hint %d: %d bytes, %v; want %d bytes", hint, len(got), err, len(data))
		}
	}
}

// With the right hint the data is read into one buffer: one allocation
// for the bytes (with the reader and the Buffer, three at most), where
// io.ReadAll grows its buffer two dozen times for a megabyte.
func TestSizedAllocatesOnceWithTheRightHint(t *testing.T) {
	data := bytes.Repeat([]byte("x"), 1<<20)
	sized := testing.AllocsPerRun(5, func() { Sized(bytes.NewReader(data), int64(len(data))) })
	all := testing.AllocsPerRun(5, func() { io.ReadAll(bytes.NewReader(data)) })
	if sized > 3 || sized >= all {
		t.Errorf("Sized: %.0f allocations, io.ReadAll: %.0f; want at most 3 and fewer", sized, all)
	}
}

func TestSizedReturnsTheError(t *testing.T) {
	boom := errors.New("boom")
	got, err := Sized(io.MultiReader(strings.NewReader("abc"), iotest.ErrReader(boom)), 3)
	if !errors.Is(err, boom) || string(got) != "abc" {
		t.Errorf("got %q, %v; want \"abc\", boom", got, err)
	}
}
