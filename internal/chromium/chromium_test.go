package chromium

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// browser returns a Browser or fails the test (never skips) when Chromium
// is missing, pointing at `make deps`.
func browser(t *testing.T) *Browser {
	t.Helper()
	b, err := New()
	if err != nil {
		t.Fatalf("%v", err)
	}
	return b
}

func TestBrowser(t *testing.T) {
	b := browser(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "page one.html")
	html := `<!doctype html><html><head><title>before</title></head>` +
		`<body><h1 style="font-size:80px">hello</h1><script>document.title = "after"</script></body></html>`
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	u, err := FileURL(page)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "file:///") || !strings.HasSuffix(u, "/page%20one.html") {
		t.Fatalf("FileURL = %q, want an escaped absolute file:// URL", u)
	}
	// The deadline only guards against a hung browser; nothing asserts on time.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("dump-dom runs the page", func(t *testing.T) {
		dom, err := b.DumpDOM(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(dom, "<title>after</title>") || !strings.Contains(dom, "<h1") {
			t.Errorf("DOM does not show the script's effect:\n%s", dom)
		}
	})
	t.Run("screenshot writes a PNG", func(t *testing.T) {
		out := filepath.Join(dir, "shot.png")
		if err := b.Screenshot(ctx, u, out, 400, 300); err != nil {
			t.Fatal(err)
		}
		png, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 1000 {
			t.Errorf("screenshot is not a plausible PNG (%d bytes)", len(png))
		}
	})
}

func TestFindMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Find()
	if err == nil || !strings.Contains(err.Error(), "make deps") {
		t.Fatalf("Find with empty PATH = %v, want an error telling to run make deps", err)
	}
}
