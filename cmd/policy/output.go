package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/reports"
)

// output is one -o FORMAT[=FILE] flag value.
type output struct {
	format string
	file   string // empty: stdout
}

func parseOutputs(specs []string, def string) ([]output, error) {
	if len(specs) == 0 {
		specs = []string{def}
	}
	var outs []output
	stdout := 0
	for _, s := range specs {
		format, file, _ := strings.Cut(s, "=")
		if file == "-" {
			file = "" // FORMAT=- is stdout
		}
		if _, err := reports.New(format, reports.Options{}); err != nil {
			return nil, usageErr("-o %s: %w", s, err)
		}
		if file == "" {
			stdout++
		}
		outs = append(outs, output{format: format, file: file})
	}
	if stdout > 1 {
		return nil, usageErr("-o: only one format can go to stdout; give the others a file (FORMAT=FILE)")
	}
	return outs, nil
}

// writeOutputs renders the result in every requested format. Files are
// written whole, through a temporary file and a rename.
func writeOutputs(outs []output, r *engine.Result, stdout io.Writer) error {
	return writeOutputsWith(outs, r, stdout, nil)
}

// writeOutputsWith is writeOutputs with the audit history the HTML and PDF
// reports show (nil when there is none).
func writeOutputsWith(outs []output, r *engine.Result, stdout io.Writer, h *reports.History) error {
	for _, o := range outs {
		opts := reports.Options{ToolName: "fleetguard", ToolURI: "https://github.com/fleetguard/fleetguard", History: h}
		if o.file == "" {
			if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == "" {
				opts.Color = true
			}
		}
		w, err := reports.New(o.format, opts)
		if err != nil {
			return usageErr("%w", err)
		}
		if o.file == "" {
			if err := w.Write(stdout, r); err != nil {
				return fmt.Errorf("writing %s report: %w", o.format, err)
			}
			continue
		}
		// Written as it is rendered: a fleet's JSON report can be
		// gigabytes, and holding it whole would double the audit's memory.
		if err := writeAtomic(o.file, func(f io.Writer) error { return w.Write(f, r) }); err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("writing %s report to %s: %w", o.format, o.file, err)}
		}
	}
	return nil
}

// writeFileAtomic writes data whole, through a temporary file and a rename,
// so readers never see half a report. A path that exists and is not a
// regular file (/dev/null, a named pipe) is written to directly.
func writeFileAtomic(path string, data []byte) error {
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeAtomic is writeFileAtomic with the content written by render, through
// a buffer, as it is produced. When render fails, the target is untouched.
func writeAtomic(path string, render func(io.Writer) error) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		return renderClose(f, render)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := renderClose(tmp, render); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// renderClose writes render's output to f through a buffer, then closes f;
// it returns the first error.
func renderClose(f *os.File, render func(io.Writer) error) error {
	bw := bufio.NewWriterSize(f, 1<<16)
	err := render(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func tableOnStdout(outs []output) bool {
	for _, o := range outs {
		if o.format == "table" && o.file == "" {
			return true
		}
	}
	return false
}

// listsPasses reports whether a requested format lists every passing
// resource (JUnit test cases, report objects' pass results).
func listsPasses(outs []output) bool {
	for _, o := range outs {
		switch o.format {
		case "junit", "openreports", "policyreport":
			return true
		}
	}
	return false
}
