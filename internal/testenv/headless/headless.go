// Package headless starts headless Chromium for the browser tests (driven
// with chromedp, which speaks the DevTools protocol itself) and keeps their
// screenshots. Chromium is Debian's chromium package, or the binary
// CIVICBUS_CHROMIUM names; a test skips without it (fails under
// CIVICBUS_REQUIRE_SERVICES=1, see testenv.Unavailable).
package headless

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vasteras/civicbus/internal/testenv"
)

// EnvChromium names the Chromium binary; unset, Path looks for chromium,
// chromium-browser, google-chrome and headless-shell on PATH.
const EnvChromium = "CIVICBUS_CHROMIUM"

// EnvArtifacts names a directory the screenshots are kept in; unset, they
// go to the test's artifact directory (go test -artifacts keeps it).
const EnvArtifacts = "CIVICBUS_ARTIFACTS"

// Path finds the browser, or skips the test (fails it under
// CIVICBUS_REQUIRE_SERVICES=1).
func Path(t testing.TB) string {
	if p := os.Getenv(EnvChromium); p != "" {
		return p
	}
	var err error
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		var p string
		if p, err = exec.LookPath(name); err == nil {
			return p
		}
	}
	testenv.Unavailable(t, "Chromium (apt-get install chromium, or set "+EnvChromium+")", err)
	return ""
}

// New starts headless Chromium for the test, with the flags this closed
// network needs, and returns its tab and a count of the JavaScript dialogs
// the page opened (each dismissed: a dialog is script that ran).
func New(t testing.TB) (context.Context, *atomic.Int32) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Path(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	// A guard against a hung browser, not a timed assertion.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	var dialogs atomic.Int32
	err := chromedp.Listen(ctx, func(ev any) {
		if _, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			dialogs.Add(1)
			go chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx, &dialogs
}

// Evaluate runs a JavaScript expression on the page and returns its value.
func Evaluate[T any](t testing.TB, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// ScreenshotDir is where a test's screenshots go: $CIVICBUS_ARTIFACTS/name
// when set, else the test's artifact directory.
func ScreenshotDir(t testing.TB, name string) string {
	t.Helper()
	dir := t.ArtifactDir()
	if root := os.Getenv(EnvArtifacts); root != "" {
		dir = filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// Screenshot saves the whole page as dir/name.png.
func Screenshot(t testing.TB, ctx context.Context, dir, name string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	save(t, dir, name, b, err)
}

// ScreenshotOf saves the element sel matches as dir/name.png.
func ScreenshotOf(t testing.TB, ctx context.Context, dir, name, sel string) {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel), chromedp.NodeVisible))
	save(t, dir, name, b, err)
}

func save(t testing.TB, dir, name string, b []byte, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width == 0 {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
