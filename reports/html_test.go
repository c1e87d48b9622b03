package reports

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/fleetguard/fleetguard/engine"
	"github.com/fleetguard/fleetguard/internal/chromium"
)

func TestHTMLGolden(t *testing.T) {
	r := auditFixture()
	golden(t, "html/report.html", render(t, HTML{History: auditHistory(r)}, r))
}

// TestHTMLContent checks each section's values in the generated page.
func TestHTMLContent(t *testing.T) {
	r := auditFixture()
	withHistory := string(render(t, HTML{History: auditHistory(r)}, r))
	without := string(render(t, HTML{}, r))
	tests := []struct {
		name string
		page string
		want []string
		not  []string
	}{
		{"summary scores per framework and cluster", withHistory, []string{
			"CIS Kubernetes Benchmark v1.10", "NSA/CISA Kubernetes Hardening Guide v1.2", "Kubernetes Pod Security Standards",
			"<th class=\"num\">Whole fleet</th><th class=\"num\">eu-prod</th><th class=\"num\">us-staging</th><th class=\"num\">ap-edge</th>",
			"<b>50.0%</b>", "<b>33.3%</b>", "<b>25.0%</b>", "<b>not assessed</b><br><span class=\"sev\">cluster unreachable</span>",
			"partial data",
		}, nil},
		{"cluster status with reasons", withHistory, []string{
			`<span class="badge warn">partial</span>`, `<span class="badge bad">unreachable</span>`,
			"Kinds not read: NetworkPolicy", "dial tcp 10.0.3.4:6443: connect: connection refused",
			"<td class=\"num\">4812</td>",
		}, nil},
		{"controls of every status with evidence", withHistory, []string{
			`<b class="mono">5.2.12</b>`, `<span class="badge fail">Fail</span>`, `<span class="badge pass">Pass</span>`,
			`<span class="badge manual">Manual check</span>`, `<span class="badge not-applicable">Not applicable</span>`,
			"and 4 more failing resources not listed.", "mounts host path &#34;/&#34;",
			"Excepted: break-glass group for incidents (SEC-42)",
		}, nil},
		{"exceptions with expiry", withHistory, []string{
			"<td>SEC-42</td><td>alice@example.com</td><td class=\"nowrap\">2025-12-31</td>",
			`<span class="badge bad">Expired: no longer applied</span>`,
			`<td>OPS-9</td><td>carol</td><td class="nowrap">never</td><td><span class="badge warn">Active, but matched nothing</span>`,
		}, nil},
		{"changes since the previous audit", withHistory, []string{
			"Compared with the audit of 2025-03-07 09:26 UTC.", "New findings: 2", "Resolved findings: 1", "Deployment/web/frontend",
		}, []string{"No previous audit"}},
		{"trend chart and table", withHistory, []string{
			"<polyline", "<td class=\"nowrap\">2025-02-21 09:26 UTC</td><td>Whole fleet</td><td class=\"num\">25.0%</td><td class=\"num\">0.0%</td><td class=\"num\">0.0%</td>",
			"<td class=\"nowrap\">2025-03-14 09:26 UTC</td><td>us-staging</td>",
		}, nil},
		{"provenance", withHistory, []string{
			"sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "git:4c1e9a7", "<td class=\"mono digest\">0.3.0</td>",
			"sha256:7a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9", "<td class=\"mono digest\">2025-03-07 09:26 UTC</td>",
		}, nil},
		{"no history", without, []string{
			"No previous audit is stored, so there is nothing to compare with yet.",
			"The trend needs at least two audits of the whole fleet; only this one is stored so far.",
			"<th>Previous audit</th><td class=\"mono digest\">none stored</td>",
		}, []string{"<polyline", "New findings:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range tc.want {
				if !strings.Contains(tc.page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(tc.page, n) {
					t.Errorf("page has %q", n)
				}
			}
		})
	}
}

// TestHTMLEmpty renders a Result with no audit sections without failing.
func TestHTMLEmpty(t *testing.T) {
	page := string(render(t, HTML{}, &engine.Result{}))
	for _, w := range []string{"No compliance framework was evaluated", "No cluster was part of this audit.", "No exceptions are in force."} {
		if !strings.Contains(page, w) {
			t.Errorf("empty report lacks %q", w)
		}
	}
}

// TestHTMLSelfContained parses the page and checks it can fetch nothing
// and run nothing: no scripts, images, frames or links, no event handlers,
// no URLs in attributes or CSS, and a CSP that forbids fetching.
func TestHTMLSelfContained(t *testing.T) {
	r := auditFixture()
	page := render(t, HTML{History: auditHistory(r)}, r)
	if !bytes.Contains(page, []byte(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`)) {
		t.Errorf("page lacks the strict Content-Security-Policy")
	}
	if m := regexp.MustCompile(`(?i)(src|href|action|xlink:href)\s*=\s*["']?\s*(https?:)?//`).Find(page); m != nil {
		t.Errorf("page has a network URL in an attribute: %s", m)
	}
	if m := regexp.MustCompile(`(?i)url\(|@import`).Find(page); m != nil {
		t.Errorf("page CSS may fetch: %s", m)
	}
	assertInert(t, bytes.NewReader(page))
	for _, escaped := range []string{
		"&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;",
		"evil&#34;&gt;&lt;img src=x onerror=&#34;document.title=&#39;pwned&#39;&#34;&gt;",
	} {
		if !bytes.Contains(page, []byte(escaped)) {
			t.Errorf("page lacks the escaped hostile text %s", escaped)
		}
	}
}

// assertInert fails if the document has an element that runs code or
// fetches something, or an event-handler attribute.
func assertInert(t *testing.T, doc io.Reader) {
	t.Helper()
	z := html.NewTokenizer(doc)
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				t.Fatalf("parsing the page: %v", z.Err())
			}
			return
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "img", "iframe", "object", "embed", "link", "image", "use", "foreignobject", "a", "form", "base":
				t.Errorf("page has a <%s> element: %s", tok.Data, tok)
			}
			for _, a := range tok.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") || a.Key == "src" || a.Key == "href" {
					t.Errorf("page has attribute %s=%q on <%s>", a.Key, a.Val, tok.Data)
				}
			}
		}
	}
}

// TestHTMLChromium renders the report in headless Chromium: the page draws
// and the DOM after loading shows the clusters, scores and controls, with
// the hostile names as text and the title untouched.
func TestHTMLChromium(t *testing.T) {
	b, err := chromium.New()
	if err != nil {
		t.Fatalf("the HTML report is tested in a real browser: %v", err)
	}
	r := auditFixture()
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, render(t, HTML{History: auditHistory(r)}, r), 0o644); err != nil {
		t.Fatal(err)
	}
	u, err := chromium.FileURL(file)
	if err != nil {
		t.Fatal(err)
	}
	// The deadline only guards against a hung browser; nothing asserts on time.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	t.Run("screenshot", func(t *testing.T) {
		png := filepath.Join(dir, "report.png")
		if err := b.Screenshot(ctx, u, png, 1280, 2000); err != nil {
			t.Fatal(err)
		}
		img, err := os.ReadFile(png)
		if err != nil {
			t.Fatal(err)
		}
		if len(img) < 24 || !bytes.HasPrefix(img, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("screenshot is not a PNG (%d bytes)", len(img))
		}
		w, h := binary.BigEndian.Uint32(img[16:20]), binary.BigEndian.Uint32(img[20:24])
		if w != 1280 || h != 2000 {
			t.Errorf("screenshot is %dx%d, want 1280x2000", w, h)
		}
		// A blank or error page compresses to a few kilobytes; the report,
		// with text, tables and charts, does not.
		if len(img) < 60_000 {
			t.Errorf("screenshot is only %d bytes: the page looks empty", len(img))
		}
		if *update {
			if err := os.WriteFile(filepath.Join("testdata", "html", "report.png"), img, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("rendered DOM", func(t *testing.T) {
		dom, err := b.DumpDOM(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		wantTitle := "<title>Fleet compliance report – 2025-03-14 09:26 UTC</title>"
		for _, w := range []string{
			wantTitle,
			"eu-prod", "us-staging", "ap-edge",
			"<b>50.0%</b>", "<b>33.3%</b>", "<b>25.0%</b>", "<b>0.0%</b>",
			`<b class="mono">5.1.1</b>`, `<b class="mono">5.2.12</b>`, `<b class="mono">rbac/least-privilege</b>`,
			`<b class="mono">baseline/windows-host-process</b>`,
			// Chromium serialises text with <, > and & escaped, quotes as is.
			"&lt;script&gt;document.title='pwned'&lt;/script&gt;",
			`evil"&gt;&lt;img src=x onerror="document.title='pwned'"&gt;`,
		} {
			if !strings.Contains(dom, w) {
				t.Errorf("rendered DOM lacks %q", w)
			}
		}
		if strings.Contains(dom, "<title>pwned</title>") {
			t.Errorf("the page title changed: a script ran")
		}
		assertInert(t, strings.NewReader(dom))
	})
}

// TestHTMLPDFFormats checks that both formats are registered and get the
// History from Options.
func TestHTMLPDFFormats(t *testing.T) {
	h := &History{PreviousAuditTime: auditTime}
	tests := []struct {
		format string
		want   Writer
	}{
		{"html", HTML{History: h}},
		{"pdf", PDF{History: h}},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			w, err := New(tc.format, Options{History: h})
			if err != nil {
				t.Fatal(err)
			}
			if w != tc.want {
				t.Errorf("New(%q) = %#v, want %#v", tc.format, w, tc.want)
			}
		})
	}
}
