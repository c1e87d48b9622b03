package proc

import (
	"os"
	"path/filepath"
	"runtime/pprof"
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

func TestStartCPUProfile(t *testing.T) {
	if err := StartCPUProfile(""); err != nil {
		t.Fatalf("StartCPUProfile(\"\") = %v, want nil", err)
	}
	path := filepath.Join(t.TempDir(), "cpu.prof")
	if err := StartCPUProfile(path); err != nil {
		t.Fatal(err)
	}
	pprof.StopCPUProfile()
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		t.Errorf("profile %s: %v, want a non-empty file", path, err)
	}
	if err := StartCPUProfile(filepath.Join(t.TempDir(), "no", "such", "dir", "cpu.prof")); err == nil {
		t.Error("StartCPUProfile into a missing directory succeeded")
	}
}
