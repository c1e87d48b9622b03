// Package chromium runs Debian's headless Chromium to render local HTML
// files in tests: a screenshot, or the DOM after scripts (if any) have run.
// It never loads anything but the URL it is given, and every run gets a
// fresh, throw-away profile.
package chromium

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// names are the binaries tried, in order, on PATH.
var names = []string{"chromium", "chromium-browser"}

// ErrMissing is returned (wrapped) by Find when no Chromium is installed.
var ErrMissing = errors.New("chromium is not installed (run `make deps`, which installs Debian's chromium package)")

// Browser runs one Chromium binary. The zero value is not usable; get one
// from New. A Browser is safe for concurrent use: each call starts its own
// process with its own profile directory.
type Browser struct {
	// Path is the Chromium binary.
	Path string
}

// Find returns the path of the Chromium binary on PATH, or an error
// wrapping ErrMissing that tells the user to run `make deps`.
func Find() (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("looking for %s on PATH: %w", strings.Join(names, " or "), ErrMissing)
}

// New finds Chromium and returns a Browser for it.
func New() (*Browser, error) {
	p, err := Find()
	if err != nil {
		return nil, err
	}
	return &Browser{Path: p}, nil
}

// FileURL returns the file:// URL of a local path, made absolute.
func FileURL(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("resolving %s: %w", path, err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(), nil
}

// Screenshot renders url in a window of width×height CSS pixels and writes
// a PNG of it to out.
func (b *Browser) Screenshot(ctx context.Context, url, out string, width, height int) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("resolving %s: %w", out, err)
	}
	_, err = b.run(ctx, "--screenshot="+abs,
		"--window-size="+strconv.Itoa(width)+","+strconv.Itoa(height),
		"--hide-scrollbars", url)
	if err != nil {
		return fmt.Errorf("screenshot of %s: %w", url, err)
	}
	if fi, err := os.Stat(abs); err != nil || fi.Size() == 0 {
		return fmt.Errorf("screenshot of %s: chromium wrote no image to %s", url, abs)
	}
	return nil
}

// DumpDOM renders url and returns the serialised DOM as Chromium sees it
// once the page has loaded, so anything a script changed shows in it.
func (b *Browser) DumpDOM(ctx context.Context, url string) (string, error) {
	out, err := b.run(ctx, "--dump-dom", url)
	if err != nil {
		return "", fmt.Errorf("dumping the DOM of %s: %w", url, err)
	}
	return out, nil
}

// run starts Chromium with the flags that keep it offline and quiet, plus
// args, and returns its standard output.
func (b *Browser) run(ctx context.Context, args ...string) (string, error) {
	profile, err := os.MkdirTemp("", "fleetguard-chromium-")
	if err != nil {
		return "", fmt.Errorf("creating a profile directory: %w", err)
	}
	defer os.RemoveAll(profile)

	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--no-default-browser-check",
		"--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
		"--user-data-dir=" + profile,
	}
	cmd := exec.CommandContext(ctx, b.Path, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// HOME inside the profile keeps Chromium from touching the user's files.
	cmd.Env = append(os.Environ(), "HOME="+profile)
	groupProcess(cmd)
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	// Chromium forks helpers (zygote, utility); make sure none outlive it.
	killGroup(cmd)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", b.Path, strings.Join(args, " "), err, tail(stderr.String(), 2000))
	}
	return stdout.String(), nil
}

// tail returns at most the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
