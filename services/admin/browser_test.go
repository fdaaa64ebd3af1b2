package admin

import (
	"context"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/internal/testenv/headless"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/vasteras/civicbus/bus"
)

// TestBrowser: a system owner, in headless Chromium, is sent to the
// sign-in, reaches the token field from the keyboard and signs in; the
// overview is in Swedish with one h1, no skipped heading level, a labelled
// pipeline drawing and buttons that say what they do; the dead letter's
// replay button puts it back on its topic, where the handler takes it. A
// connector's hostile error runs no script. Each step leaves a screenshot
// (CIVICBUS_ARTIFACTS, or go test -artifacts).
func TestBrowser(t *testing.T) {
	ctx, dialogs := headless.New(t)
	shots := headless.ScreenshotDir(t, "admin-browser")
	r := newRig(t, testToken)
	got := consume(t, r.conn)
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: r.conn, Source: "/test"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	const id = "0b6e1f7c-0000-4000-8000-000000000002"
	if err := pub.Publish(testTopic, message.NewMessage(id, []byte(`{"n":2}`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failing message in the dead letters", func() bool {
		if r.s.rates.sample(ctx) != nil {
			return false
		}
		for _, tp := range r.s.rates.topics() {
			if tp.Name == testTopic+".dlq" && tp.Records > 0 {
				return true
			}
		}
		return false
	})

	run(t, ctx, chromedp.Navigate(r.srv.URL+"/admin/"))
	if u := headless.Evaluate[string](t, ctx, `location.pathname`); u != "/admin/login" {
		t.Fatalf("signed out, /admin/ shows %s, want the sign-in", u)
	}
	tabTo(t, ctx, "token")
	if _, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(testToken+kb.Enter)); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if u := headless.Evaluate[string](t, ctx, `location.pathname`); u != "/admin/" {
		t.Fatalf("after signing in the browser is at %s, want /admin/", u)
	}
	checkAccessible(t, ctx)
	headless.Screenshot(t, ctx, shots, "1-overview")
	checkStateStyles(t, ctx)

	got.accept()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(`button[aria-label^="Spela om `+id+`"]`, chromedp.NodeVisible)); err != nil {
		t.Fatalf("press replay: %v", err)
	}
	if s := headless.Evaluate[string](t, ctx, `document.querySelector("[role=status]")?.textContent ?? ""`); !strings.Contains(s, "Replayed: 1") {
		t.Errorf("after replay the page says %q, want Replayed: 1", s)
	}
	waitFor(t, "the replayed message handled", func() bool { return got.has(id) })
	headless.Screenshot(t, ctx, shots, "2-replayed")
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened: a connector's error ran as script", n)
	}
}

// checkStateStyles checks, as the browser draws them, that a connector
// that finished its input is not shown as a failure (green, not bold) and
// one that failed is (red, bold).
func checkStateStyles(t *testing.T, ctx context.Context) {
	t.Helper()
	style := func(state string) string {
		return headless.Evaluate[string](t, ctx, `(() => { const c = document.querySelector('td.state[data-state="`+state+`"]');
			if (!c) return "missing"; const s = getComputedStyle(c); return s.color + " " + s.fontWeight; })()`)
	}
	if got := style("finished"); got != "rgb(0, 90, 0) 400" {
		t.Errorf("a finished connector's state is drawn %q, want green rgb(0, 90, 0), weight 400", got)
	}
	if got := style("stopped"); got != "rgb(74, 74, 74) 400" {
		t.Errorf("a stopped connector's state is drawn %q, want grey rgb(74, 74, 74), weight 400", got)
	}
	if got := style("failed"); got != "rgb(160, 0, 0) 700" {
		t.Errorf("a failed connector's state is drawn %q, want red rgb(160, 0, 0), bold", got)
	}
}

// checkAccessible checks the page's language, heading order, labels and
// the pipeline drawing's text alternative.
func checkAccessible(t *testing.T, ctx context.Context) {
	t.Helper()
	if lang := headless.Evaluate[string](t, ctx, `document.documentElement.lang`); lang != "sv" {
		t.Errorf("<html lang=%q>, want sv", lang)
	}
	levels := headless.Evaluate[[]int](t, ctx, `[...document.querySelectorAll("h1,h2,h3,h4,h5,h6")].map(h => +h.tagName[1])`)
	if len(levels) == 0 || levels[0] != 1 {
		t.Errorf("heading levels %v, want an h1 first", levels)
	}
	for i := 1; i < len(levels); i++ {
		if levels[i] == 1 || levels[i] > levels[i-1]+1 {
			t.Errorf("heading levels %v: h%d after h%d", levels, levels[i], levels[i-1])
		}
	}
	if n := headless.Evaluate[int](t, ctx, `[...document.querySelectorAll("button")].filter(b => !(b.getAttribute("aria-label") || b.textContent).trim()).length`); n != 0 {
		t.Errorf("%d buttons have no name", n)
	}
	if alt := headless.Evaluate[string](t, ctx, `document.querySelector("svg.pipeline[role=img] title")?.textContent ?? ""`); alt == "" {
		t.Error("the pipeline drawing has no text alternative")
	}
}

func run(t *testing.T, ctx context.Context, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, a); err != nil {
		t.Fatal(err)
	}
}

// tabTo presses Tab until the element with id has the focus: it must be
// reachable without a mouse.
func tabTo(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	for range 10 {
		if headless.Evaluate[string](t, ctx, `document.activeElement.id`) == id {
			return
		}
		run(t, ctx, chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("#%s is not reached in 10 presses of Tab", id)
}
