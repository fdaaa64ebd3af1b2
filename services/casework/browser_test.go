package casework

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/testenv/headless"

	"github.com/chromedp/chromedp"

	"github.com/vasteras/civicbus/schemas"
)

// TestBrowser works a case in headless Chromium as a caseworker does: anna
// signs in, opens her unit's case from the inbox, reads the automated
// residency check's explanation (motivering, rule and version, legal
// basis), overrides it with a reason and finds the amendment in the
// timeline; while she looks at the case, a colleague's comment makes the
// page's live notice appear (the script runs under the service's CSP).
// Then bo, of another unit, signs in and is refused the case. The case
// comes through the embedded broker and the projection. Each step leaves
// a PNG screenshot.
func TestBrowser(t *testing.T) {
	w := newWeb(t, filepath.Join(t.TempDir(), "casework.db"))
	ctx, _ := headless.New(t) // after the server: the browser closes first
	shots := headless.ScreenshotDir(t, "casework-browser")
	caseURL := w.srv.URL + "/casework/cases/" + uid(100)

	signInBrowser(t, ctx, w.srv.URL, "anna")
	if got := headless.Evaluate[[]string](t, ctx, `[...document.querySelectorAll("tbody th a")].map(a => a.textContent)`); len(got) != 1 || got[0] != "BUN 2024/00123" {
		t.Fatalf("anna's inbox lists %q, want her unit's one case", got)
	}
	headless.Screenshot(t, ctx, shots, "1-inbox-anna")

	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`tbody th a`))); err != nil {
		t.Fatalf("open the case from the inbox: %v", err)
	}
	residency := headless.Evaluate[string](t, ctx, `document.querySelector("li.automated").innerText`)
	for _, want := range []string{"Automatiserat", "steg residency-check", "regel preschool-residency-check version 3",
		"Barnet är folkbokfört i Västerås kommun.", "Skollagen (2010:800) 8 kap. 14 §", "Förvaltningslagen (2017:900) 28 §",
		"BUN delegationsordning 2024 punkt 3.4"} {
		if !strings.Contains(residency, want) {
			t.Fatalf("the automated step does not show %q:\n%s", want, residency)
		}
	}
	headless.Screenshot(t, ctx, shots, "2-case-automated-step")

	const reason = "Vårdnadshavaren har visat att flytten är framflyttad."
	decision := uid(102)
	if _, err := chromedp.RunResponse(ctx,
		chromedp.Click(chromedp.CSS(`li.automated details summary`)),
		chromedp.SendKeys(chromedp.CSS(`#reason-`+decision), reason),
		chromedp.Submit(chromedp.CSS(`#reason-`+decision))); err != nil {
		t.Fatalf("override: %v", err)
	}
	amended := headless.Evaluate[string](t, ctx, `[...document.querySelectorAll("ol.timeline li")].map(li => li.innerText).filter(s => s.includes("Ändrat beslut")).join("\n")`)
	for _, want := range []string{reason, "Ändrar beslut", decision, "handläggare anna"} {
		if !strings.Contains(amended, want) {
			t.Fatalf("the amendment in the timeline lacks %q:\n%s", want, amended)
		}
	}
	headless.Screenshot(t, ctx, shots, "3-case-amended")

	cecilia := w.login(t, "cecilia")
	if st, _ := cecilia.post("/casework/cases/"+uid(100)+"/comment", url.Values{"text": {"Jag tittar på det här."}}); st != http.StatusOK {
		t.Fatalf("cecilia's comment: %d", st)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`p.live a`))); err != nil {
		t.Fatalf("the live notice did not appear: %v", err)
	}
	headless.Screenshot(t, ctx, shots, "4-case-live-notice")

	if err := chromedp.Do(ctx, chromedp.Submit(chromedp.CSS(`header form`)), chromedp.WaitVisible(chromedp.CSS(`#username`))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	signInBrowser(t, ctx, w.srv.URL, "bo")
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(caseURL))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusNotFound {
		t.Fatalf("bo opening anna's unit's case: status %d, want 404", resp.Status)
	}
	if body := headless.Evaluate[string](t, ctx, `document.body.innerText`); !strings.Contains(body, "Ärendet finns inte") || strings.Contains(body, "Barnet är folkbokfört") {
		t.Fatalf("bo's refusal page:\n%s", body)
	}
	headless.Screenshot(t, ctx, shots, "5-case-refused-bo")

	// cecilia, the unit's supervisor, sees a rule that people often
	// overrule stand out in the override-rate chart.
	meal := schemas.Actor{Kind: schemas.ActorRule, ID: "meal-order-check", Version: "2"}
	weekOfDecisions(t, w.s, 5000, "forskoleplacering", meal, time.Date(2024, 2, 26, 8, 0, 0, 0, time.UTC), 10, 1)
	weekOfDecisions(t, w.s, 5010, "forskoleplacering", meal, time.Date(2024, 3, 4, 8, 0, 0, 0, time.UTC), 10, 6)
	if err := chromedp.Do(ctx, chromedp.Navigate(w.srv.URL+"/casework/"), chromedp.Submit(chromedp.CSS(`header form`)),
		chromedp.WaitVisible(chromedp.CSS(`#username`))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	signInBrowser(t, ctx, w.srv.URL, "cecilia")
	if _, err := chromedp.RunResponse(ctx, chromedp.Navigate(w.srv.URL+"/casework/supervisor")); err != nil {
		t.Fatal(err)
	}
	chart := headless.Evaluate[map[string]any](t, ctx, `(() => {
		const s = document.querySelector("section.trend.flagged");
		const svg = s.querySelector("svg[role=img]");
		const r = svg.getBoundingClientRect();
		return {heading: s.querySelector("h3").innerText, title: svg.querySelector("title").textContent,
			width: r.width, height: r.height, over: s.querySelectorAll("rect.bar.over").length,
			fill: getComputedStyle(s.querySelector("rect.bar.over")).fill};
	})()`)
	if !strings.Contains(chart["heading"].(string), "meal-order-check") || !strings.Contains(chart["heading"].(string), "Ändras ofta") ||
		chart["width"].(float64) < 100 || chart["height"].(float64) < 50 || chart["over"].(float64) != 1 || chart["fill"] != "rgb(176, 0, 32)" {
		t.Fatalf("the flagged chart: %v", chart)
	}
	headless.Screenshot(t, ctx, shots, "6-supervisor-override-trend")
}

// signInBrowser signs username in with its demo password and waits for
// the inbox.
func signInBrowser(t *testing.T, ctx context.Context, base, username string) {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(base+"/casework/login"))
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("open the sign-in page: %v", err)
	}
	if _, err := chromedp.RunResponse(ctx,
		chromedp.SendKeys(chromedp.CSS(`#username`), username),
		chromedp.SendKeys(chromedp.CSS(`#password`), "demo-"+username),
		chromedp.Submit(chromedp.CSS(`#password`))); err != nil {
		t.Fatalf("sign in as %s: %v", username, err)
	}
	if title := headless.Evaluate[string](t, ctx, `document.querySelector("h1").textContent`); title != "Inkorg" {
		t.Fatalf("after signing in as %s the page is %q, not the inbox", username, title)
	}
}
