package engine

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fleetguard/fleetguard/internal/yamlsafe"
	"github.com/fleetguard/fleetguard/internal/yamlsafe/yamltest"
)

// FuzzExceptions holds ParseExceptions to its contract on any input: it never
// panics; it returns a validated document or an error, never both and never
// neither; every error names the file, says something and holds no stack
// trace; every exception it accepts has the required fields, an expiry date
// that parsed and a cluster selector, and the document applies to findings;
// and parsing the same bytes twice gives the same result or the same error.
func FuzzExceptions(f *testing.F) {
	f.Add([]byte(exceptionsDoc))
	for _, r := range [][2]string{
		{"  approver: alice@example.com\n", ""},
		{`"2027-01-31"`, `"31/01/2027"`},
		{`"2027-01-31"`, `"2027-02-30"`},
		{"  ticket: SEC-101\n", "  tickt: SEC-101\n"},
		{"{matchLabels: {env: dev}}", "{matchExpressions: [{key: env, operator: Like}]}"},
		{"{matchLabels: {env: dev}}", "{matchExpressions: [{key: env, operator: In}]}"},
		{"{matchLabels: {env: dev}}", "{matchLabels: {'bad key!': dev}}"},
		{`["monitoring-*"]`, `["monitoring-["]`},
	} {
		f.Add([]byte(strings.Replace(exceptionsDoc, r[0], r[1], 1)))
	}
	f.Add([]byte(`{"apiVersion":"fleetguard.dev/v1alpha1","kind":"ExceptionList","exceptions":[]}`))
	f.Add([]byte("apiVersion: fleetguard.dev/v1alpha1\nkind: ExceptionList\nexceptions:\n- policy: p\n  reason: &r long enough reason\n  approver: *r\n  expires: '2030-01-01'\n"))
	for _, seed := range yamltest.Hostile() {
		f.Add(seed)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		xs, err := ParseExceptions("fuzz.yaml", raw)
		xs2, err2 := ParseExceptions("fuzz.yaml", raw)
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("two parses of the same bytes differ:\n%v\n%v", err, err2)
		}
		if err != nil {
			if xs != nil {
				t.Fatalf("both a result and an error: %v", err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "exceptions fuzz.yaml: ") || len(msg) == len("exceptions fuzz.yaml: ") {
				t.Fatalf("error does not name the file, or says nothing: %q", msg)
			}
			if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic") {
				t.Fatalf("error holds a stack trace: %q", msg)
			}
			return
		}
		if xs == nil {
			t.Fatal("neither a result nor an error")
		}
		if !reflect.DeepEqual(xs, xs2) {
			t.Fatalf("two parses of the same bytes differ:\n%+v\n%+v", xs, xs2)
		}
		if xs.File != "fuzz.yaml" {
			t.Fatalf("File = %q", xs.File)
		}
		findings := &Result{Findings: []Finding{{PolicyID: "p", Cluster: "c", Resource: Resource{Kind: "Pod", Namespace: "n", Name: "x"}}}}
		for i, x := range xs.Items {
			if x == nil {
				t.Fatalf("item %d is nil", i)
			}
			if x.Policy == "" || x.Approver == "" || utf8.RuneCountInString(x.Reason) < 10 {
				t.Fatalf("item %d lacks a required field: %+v", i, x)
			}
			if got := x.expires.Format("2006-01-02"); got != x.Expires {
				t.Fatalf("item %d expires %q, parsed as %s", i, x.Expires, got)
			}
			if x.clusters == nil {
				t.Fatalf("item %d has no cluster selector", i)
			}
			findings.Findings = append(findings.Findings, Finding{PolicyID: x.Policy, Cluster: "c", Resource: Resource{Kind: "Pod", Namespace: "n", Name: "x"}})
		}
		xs.Apply(findings, map[string]map[string]string{"c": {"env": "dev"}}, now)
		if len(findings.Exceptions) != len(xs.Items) {
			t.Fatalf("%d statuses for %d exceptions", len(findings.Exceptions), len(xs.Items))
		}
	})
}

// A document whose aliases expand a long string a thousand-fold is refused
// with the line where it outgrows its size, instead of being turned into
// tens of megabytes of JSON first (gigabytes for a file of a megabyte).
func TestExceptionsAliasBomb(t *testing.T) {
	_, err := ParseExceptions("x.yaml", yamltest.LongStringBomb("", 16<<10))
	if err == nil || !strings.HasPrefix(err.Error(), "exceptions x.yaml: line ") || !strings.Contains(err.Error(), "alias") {
		t.Fatalf("error = %.200v, want one naming x.yaml, a line and the aliases", err)
	}
	doc := strings.Replace(exceptionsDoc, "  reason: node-exporter needs host access to read metrics\n", "  reason: &r node-exporter needs host access to read metrics\n", 1)
	doc = strings.Replace(doc, "  reason: nothing matches this one at all\n", "  reason: *r\n", 1)
	if xs, err := ParseExceptions("x.yaml", []byte(doc)); err != nil || xs.Items[2].Reason != xs.Items[0].Reason {
		t.Fatalf("an honest alias: %v", err)
	}
}

// A key JSON cannot hold gives yamlsafe.ErrMapKey, the same on every run,
// not sigs.k8s.io/yaml's error, which names whichever such key it meets first.
func TestExceptionsMapKeyErrorIsStable(t *testing.T) {
	if _, err := ParseExceptions("x.yaml", []byte("a: {~: 1}\nb: {~: 2}\n")); !errors.Is(err, yamlsafe.ErrMapKey) || !strings.HasPrefix(err.Error(), "exceptions x.yaml: ") {
		t.Fatalf("error = %v, want yamlsafe.ErrMapKey after \"exceptions x.yaml: \"", err)
	}
}
