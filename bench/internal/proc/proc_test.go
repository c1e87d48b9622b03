package proc

import (
	"strings"
	"testing"
)

func TestPeakRSS(t *testing.T) {
	rss, err := PeakRSS()
	if err != nil {
		t.Fatal(err)
	}
	if rss < 1<<20 {
		t.Errorf("PeakRSS() = %d bytes, want at least 1 MiB for a Go test binary", rss)
	}
}

func TestLoadAvg(t *testing.T) {
	for n := 1; n <= 3; n++ {
		if got := len(strings.Fields(LoadAvg(n))); got != n {
			t.Errorf("LoadAvg(%d) has %d fields, want %d", n, got, n)
		}
	}
}

func TestCPU(t *testing.T) {
	before := CPU()
	x := 0
	for i := range 50_000_000 {
		x ^= i
	}
	_ = x
	if after := CPU(); after <= before {
		t.Errorf("CPU() did not grow over a busy loop: %v then %v", before, after)
	}
}
