package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"sync"

	"golang.org/x/term"
)

// progress shows each cluster's state (fetching, evaluating, done, failed)
// on a terminal, redrawing in place. It prints nothing when its writer is
// not a TTY, so logs and CI output stay clean.
type progress struct {
	mu     sync.Mutex
	w      io.Writer
	on     bool
	states map[string]string
	drawn  int
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, states: map[string]string{}}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.on = true
	}
	return p
}

var stateMarks = map[string]string{
	"fetching":   "\x1b[36m…\x1b[0m",
	"evaluating": "\x1b[33m…\x1b[0m",
	"done":       "\x1b[32m✓\x1b[0m",
	"failed":     "\x1b[31m✗\x1b[0m",
}

// set records a cluster's state and redraws. Safe for concurrent use.
func (p *progress) set(cluster, state string) {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.states[cluster] = state
	names := make([]string, 0, len(p.states))
	for n := range p.states {
		names = append(names, n)
	}
	sort.Strings(names)
	if p.drawn > 0 {
		fmt.Fprintf(p.w, "\x1b[%dA", p.drawn)
	}
	for _, n := range names {
		fmt.Fprintf(p.w, "\r\x1b[K  %s %-24s %s\n", stateMarks[p.states[n]], n, p.states[n])
	}
	p.drawn = len(names)
}
