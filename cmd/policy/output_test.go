package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A report written to a device or a pipe (-o json=/dev/null) must be
// written into it, never renamed over it.
func TestWriteFileAtomicKeepsSpecialFiles(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	if err := writeFileAtomic(fifo, []byte(`{"findings":[]}`)); err != nil {
		t.Fatal(err)
	}
	if b := <-got; string(b) != `{"findings":[]}` {
		t.Errorf("pipe received %q", b)
	}
	st, err := os.Lstat(fifo)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: mode %v, err %v", st.Mode(), err)
	}
}

func TestWriteFileAtomicRegularFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "r.json")
	if err := writeFileAtomic(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	entries, _ := os.ReadDir(filepath.Dir(p))
	if string(b) != "two" || len(entries) != 1 {
		t.Errorf("content %q, %d entries (temp files left?)", b, len(entries))
	}
}

// A report that fails half-way leaves the previous one whole.
func TestWriteAtomicRenderFailure(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r.json")
	if err := writeFileAtomic(p, []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := writeAtomic(p, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("writeAtomic() = %v, want %v", err, boom)
	}
	b, _ := os.ReadFile(p)
	entries, _ := os.ReadDir(filepath.Dir(p))
	if string(b) != "old" || len(entries) != 1 {
		t.Errorf("content %q, %d entries, want the old report alone", b, len(entries))
	}
}
