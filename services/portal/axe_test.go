package portal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/testenv/headless"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/vasteras/civicbus/internal/testenv"
)

// axeScript is axe-core as testdata/axe installs it (npm ci there).
var axeScript = filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js")

// axeTags are the rules the audit runs: WCAG 2.0 and 2.1, levels A and AA.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// axeResult is what the audit reads off a page.
type axeResult struct {
	Violations []struct {
		ID     string   `json:"id"`
		Impact string   `json:"impact"`
		Help   string   `json:"help"`
		Nodes  []string `json:"nodes"`
	} `json:"violations"`
	Passes     int      `json:"passes"`
	Incomplete []string `json:"incomplete"`
}

// TestAccessibilityAxe audits the portal's pages with axe-core in headless
// Chromium against WCAG 2.1 A and AA (the wcag2a, wcag2aa, wcag21a and
// wcag21aa rules), in Swedish and English: the catalog, a search with no
// hits, a dataset page with a line chart, one with a bar chart, the
// dataset with hostile text, the about page and the API page. Any
// violation fails; what axe could not decide is logged. It skips without
// Chromium or axe-core (npm ci in testdata/axe), and fails then under
// CIVICBUS_REQUIRE_SERVICES=1.
func TestAccessibilityAxe(t *testing.T) {
	src, err := os.ReadFile(axeScript)
	if err != nil {
		abs, _ := filepath.Abs(filepath.Dir(filepath.Dir(filepath.Dir(axeScript))))
		testenv.Unavailable(t, "axe-core (npm ci in "+abs+")", err)
	}
	ctx, _ := headless.New(t)
	shots := headless.ScreenshotDir(t, "portal-browser")
	s := newSeeded(t)
	bars := Definition{ID: "0b6f3d52-7c1e-4a8f-9d20-3e5b7a1c9f44", Name: "persons-per-area", Licence: "cc0",
		Title: Text{SV: "Personer per område", EN: "Persons per area"}, Description: Text{SV: "Antal personer per område.", EN: "Persons per area."},
		Shape: Shape{Kind: "aggregate", Columns: []Column{{Name: "area_name"}}, Measures: []Measure{{Name: "persons", Fn: "sum"}}}}
	seedVersion(t, s.svc.store, bars, 1, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), []string{"area_name", "persons"}, []Row{
		raw(`"Bäckby"`, `40`), raw(`"Centrum"`, `25`), raw(`"Skälby"`, `null`), raw(`"Vallby"`, `12`)})
	if _, err := chromedp.Call(ctx, cdppage.SetBypassCSP, cdppage.SetBypassCSPParams{Enabled: true}); err != nil {
		t.Fatalf("bypass the CSP for the injected axe-core: %v", err)
	}
	pages := []string{"/", "/?q=nothing", "/datasets/" + weatherDef.Name, "/datasets/" + bars.Name, "/datasets/" + wasteDef.Name, "/about", "/api"}
	for _, lang := range []string{"sv", "en"} {
		for _, p := range pages {
			u := p
			if lang == "en" {
				u += map[bool]string{true: "&", false: "?"}[strings.Contains(p, "?")] + "lang=en"
			}
			visit(t, ctx, s.srv.URL+u)
			if !headless.Evaluate[bool](t, ctx, string(src)+"\n;typeof axe === 'object'") {
				t.Fatal("axe-core did not load")
			}
			res := evaluateAsync[axeResult](t, ctx, `axe.run(document, {runOnly: {type: "tag", values: `+jsList(axeTags)+`}, resultTypes: ["violations"]})
				.then(r => ({
					violations: r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
						nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + (n.failureSummary || ""))})),
					passes: r.passes.length,
					incomplete: r.incomplete.map(v => v.id + " (" + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ") + ")"),
				}))`)
			if res.Passes == 0 {
				t.Errorf("%s: axe passed no rule: it did not audit the page", u)
			}
			for _, v := range res.Violations {
				t.Errorf("%s: %s (%s): %s\n\t%s", u, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
			}
			if len(res.Incomplete) > 0 {
				t.Logf("%s: for a person to check: %s", u, strings.Join(res.Incomplete, ", "))
			}
			if len(res.Violations) > 0 {
				name := strings.NewReplacer("/", "_", "?", "_", "=", "_", "&", "_").Replace(u)
				headless.Screenshot(t, ctx, shots, "axe"+name)
			}
		}
	}
}

// evaluateAsync runs a JavaScript expression that gives a promise and
// returns what it resolves to.
func evaluateAsync[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %.80s…: %v", js, err)
	}
	return v
}

func jsList(ss []string) string { return `["` + strings.Join(ss, `","`) + `"]` }
