// Package reports renders an engine.Result in the formats users read: one
// Writer interface, one file per format. Writers never evaluate anything.
package reports

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/fleetguard/fleetguard/engine"
)

// Writer renders a Result to w. Implementations are safe for concurrent use
// as long as each call gets its own io.Writer.
type Writer interface {
	Write(w io.Writer, r *engine.Result) error
}

// Options tunes writers that have choices to make.
type Options struct {
	// Color enables ANSI colour in the table format (set it only for a TTY).
	Color bool
	// ToolName and ToolURI identify Fleetguard in SARIF and similar formats.
	ToolName string
	ToolURI  string
	// History feeds the trend and the changes since the previous audit to
	// the html and pdf formats. Nil means no previous audit is stored.
	History *History
}

// factories maps each format name to its constructor. Adding a format is a
// new file and one line here.
var factories = map[string]func(Options) Writer{
	"table":        func(o Options) Writer { return Table{Color: o.Color} },
	"json":         func(Options) Writer { return JSON{} },
	"yaml":         func(Options) Writer { return YAML{} },
	"sarif":        func(o Options) Writer { return SARIF{ToolName: o.ToolName, ToolURI: o.ToolURI} },
	"junit":        func(Options) Writer { return JUnit{} },
	"markdown":     func(Options) Writer { return Markdown{} },
	"csv":          func(Options) Writer { return CSV{} },
	"html":         func(o Options) Writer { return HTML{History: o.History} },
	"pdf":          func(o Options) Writer { return PDF{History: o.History} },
	"openreports":  func(Options) Writer { return OpenReports{APIVersion: OpenReportsAPI} },
	"policyreport": func(Options) Writer { return OpenReports{APIVersion: PolicyReportAPI} },
}

// New returns the writer for a format name.
func New(format string, o Options) (Writer, error) {
	f, ok := factories[format]
	if !ok {
		return nil, fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	return f(o), nil
}

// Formats lists the known format names, sorted.
func Formats() []string {
	out := make([]string, 0, len(factories))
	for k := range factories {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sortedFindings returns the findings ordered by severity (worst first),
// then policy, cluster and resource (kind/namespace/name), so every format
// lists them the same way. It sorts pointers into the Result: an audit of a
// large fleet holds millions of findings, too many to copy.
func sortedFindings(r *engine.Result) []*engine.Finding {
	fs := make([]*engine.Finding, len(r.Findings))
	for i := range r.Findings {
		fs[i] = &r.Findings[i]
	}
	slices.SortStableFunc(fs, func(a, b *engine.Finding) int {
		if a.Severity != b.Severity {
			return cmp.Compare(b.Severity, a.Severity)
		}
		if c := strings.Compare(a.PolicyID, b.PolicyID); c != 0 {
			return c
		}
		if c := strings.Compare(a.Cluster, b.Cluster); c != 0 {
			return c
		}
		return compareResources(&a.Resource, &b.Resource)
	})
	return fs
}

// compareResources orders resources as their String forms compare, without
// building the strings (a sort makes millions of comparisons).
func compareResources(a, b *engine.Resource) int {
	var bufA, bufB [256]byte
	return bytes.Compare(appendResource(bufA[:0], a), appendResource(bufB[:0], b))
}

func appendResource(dst []byte, r *engine.Resource) []byte {
	dst = append(append(dst, r.Kind...), '/')
	if r.Namespace != "" {
		dst = append(append(dst, r.Namespace...), '/')
	}
	return append(dst, r.Name...)
}
