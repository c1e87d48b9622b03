// Package proc reads the figures the benchmarks record about a process: its
// CPU time, its peak RSS and the machine's load average; and profiles it.
package proc

import (
	"errors"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// CPU is the user plus system CPU time this process has used, in seconds:
// on a shared machine it varies less than wall time. It is 0 when unknown.
func CPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// PeakRSS is VmHWM of this process in bytes, not getrusage: Linux keeps
// ru_maxrss across execve, so a child would report its parent's peak.
func PeakRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/self/status")
}

// LoadAvg is the first n load averages (1, 5 and 15 minutes) joined by
// spaces, or "?" when unknown.
func LoadAvg(n int) string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(n, len(f))], " ")
}

// StartCPUProfile profiles this process's CPU into the file at path until
// pprof.StopCPUProfile; an empty path profiles nothing.
func StartCPUProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return pprof.StartCPUProfile(f)
}
