package reports

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fleetguard/fleetguard/engine"
)

// pdfToText extracts the text of a PDF with poppler's pdftotext, in content
// order (-raw), and fails the test (never skips) when it is missing.
func pdfToText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext is not installed: run `make deps` (Debian package poppler-utils): %v", err)
	}
	file := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	// The deadline only guards against a hung tool; nothing asserts on time.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "-raw", "-enc", "UTF-8", file, "-")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext %s: %v\n%s", file, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("pdftotext complained about the PDF: %s", stderr.String())
	}
	return string(out)
}

// squash removes all whitespace, so text wrapped across lines still
// matches.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

func TestPDFText(t *testing.T) {
	r := auditFixture()
	withHistory := render(t, PDF{History: auditHistory(r)}, r)
	if !bytes.HasPrefix(withHistory, []byte("%PDF-")) {
		t.Fatalf("output is not a PDF: %q", withHistory[:min(len(withHistory), 16)])
	}
	text := pdfToText(t, withHistory)
	plain := pdfToText(t, render(t, PDF{}, r))
	tests := []struct {
		name string
		text string
		want []string
		not  []string
	}{
		{"clusters", text, []string{"eu-prod", "us-staging", "ap-edge", "Kinds not read: NetworkPolicy",
			"Unreachable: the cluster could not be read and was not assessed", "dial tcp 10.0.3.4:6443: connect: connection refused"}, nil},
		{"scores", text, []string{"Whole fleet", "50.0%", "33.3%", "25.0%", "0.0%", "not assessed", "cluster unreachable", "partial data",
			"CIS Kubernetes Benchmark v1.10", "NSA/CISA Kubernetes Hardening Guide v1.2", "Kubernetes Pod Security Standards"}, nil},
		{"controls with evidence", text, []string{"5.1.1", "5.2.2", "5.2.12", "5.7.4", "rbac/least-privilege",
			"pod-security/non-root-and-unprivileged", "baseline/privileged-containers", "baseline/windows-host-process",
			"Manual check", "Not applicable", "Fail", "Pass", "Pod/batch/job-a", "and 4 more failing resource(s) not listed.",
			`volume "root" mounts host path "/" which exposes the whole node filesystem to the container`}, nil},
		{"hostile names are plain text", text, []string{hostileScript, "evil" + hostileImg}, nil},
		{"text outside cp1252 is shown, not lost", text, []string{"café-[U+6771][U+4EAC]", "ünïcode [U+2713]", "– owner"}, nil},
		{"exceptions", text, []string{"legacy CNI daemon", "OPS-7", "2025-01-31", "Expired: no longer applied",
			"Active, but matched nothing", "alice@example.com", "SEC-42"}, nil},
		{"changes", text, []string{"Compared with the audit of 2025-03-07 09:26 UTC.", "New findings: 2", "Resolved findings: 1",
			"Deployment/web/frontend"}, []string{"No previous audit"}},
		{"trend", text, []string{"6. Score trend", "2025-02-21 09:26 UTC", "37.5%", "45.0%"}, nil},
		{"provenance", text, []string{"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "git:4c1e9a7", "0.3.0",
			"sha256:0e2c5b8f4a1d9c7e6b3a2f1e0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170"}, nil},
		{"no history", plain, []string{"No previous audit is stored, so there is nothing to compare with yet.",
			"only this one is stored so far", "none stored"}, []string{"New findings:"}},
	}
	sq := map[string]string{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if sq[tc.text] == "" {
				sq[tc.text] = squash(tc.text)
			}
			for _, w := range tc.want {
				if !strings.Contains(sq[tc.text], squash(w)) {
					t.Errorf("PDF text lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(sq[tc.text], squash(n)) {
					t.Errorf("PDF text has %q", n)
				}
			}
		})
	}
	if *update {
		if err := os.WriteFile(filepath.Join("testdata", "pdf", "report.pdf"), withHistory, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPDFLong checks that long text wraps and long tables break across
// pages with nothing lost: every one of many findings is in the text.
func TestPDFLong(t *testing.T) {
	r := auditFixture()
	h := auditHistory(r)
	long := strings.Repeat("a-very-long-unbroken-token-", 12)
	for i := range changesCap {
		h.New = append(h.New, engine.Finding{
			PolicyID: "K8S-LONG", Title: "Long message", Cluster: "eu-prod",
			Resource: engine.Resource{Kind: "ConfigMap", Namespace: "ns", Name: "cm-" + strings.Repeat("x", i%7) + string(rune('A'+i%26))},
			Message:  strings.Repeat("This message is long enough to wrap over several lines of the details column. ", 3) + long,
		})
	}
	text := pdfToText(t, render(t, PDF{History: h}, r))
	if got := strings.Count(text, "Page 1 of "); got != 1 {
		t.Errorf("found %d first-page footers, want 1", got)
	}
	pages := strings.Count(text, "\f")
	if pages < 5 {
		t.Errorf("the long report has %d pages, want several", pages)
	}
	sq := squash(text)
	if !strings.Contains(sq, squash(long)) {
		t.Errorf("a long unbroken token was lost when wrapped")
	}
	if n := strings.Count(text, "Long message"); n != changesCap-2 {
		// Two of the 52 new findings fall beyond the cap and are counted instead.
		t.Errorf("found %d long findings in the text, want %d", n, changesCap-2)
	}
	if !strings.Contains(sq, squash("and 2 more not listed.")) {
		t.Errorf("the findings beyond the cap are not counted")
	}
}

func TestPDFText1252(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain ascii", "plain ascii"},
		{"café – “quoted” €5", "caf\xe9 \x96 \x93quoted\x94 \x805"},
		{"東京", "[U+6771][U+4EAC]"},
		{"tab\there\nnext\x01", "tab here\nnext[U+0001]"},
		{"bad \xff byte", "bad [U+FFFD] byte"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := pdfText(tc.in); got != tc.want {
				t.Errorf("pdfText(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestPDFEmpty renders a Result with no audit sections.
func TestPDFEmpty(t *testing.T) {
	text := squash(pdfToText(t, render(t, PDF{}, &engine.Result{})))
	for _, w := range []string{"No compliance framework was evaluated in this audit.", "No cluster was part of this audit.",
		"No exceptions are in force.", "none is stored", "Page 1 of"} {
		if !strings.Contains(text, squash(w)) {
			t.Errorf("empty PDF lacks %q", w)
		}
	}
}
