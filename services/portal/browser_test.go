package portal

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/testenv/headless"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowser walks the portal as a citizen does, in headless Chromium:
// the catalog, a search typed from the keyboard, a dataset's page and its
// preview, the CSV download (compared with datastore_search's rows and the
// announced sha256), and the dataset whose title and cells are hostile
// HTML. The searched dataset comes through the real pipeline (open-data
// service, embedded broker, harvest); the hostile one is written straight
// into the portal's store. Each step leaves a PNG screenshot.
func TestBrowser(t *testing.T) {
	ctx, dialogs := headless.New(t)
	shots := headless.ScreenshotDir(t, "portal-browser")
	s := newStack(t, dsnSQLite(t))
	s.feed(t, 2023)
	s.feed(t, 2024)
	v := s.publishVersion(t)
	seedVersion(t, s.portal.store, wasteDef, 1, time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), []string{"kitchen", "kg"},
		[]Row{{json.RawMessage(`"<img src=x onerror=alert(1)>"`), json.RawMessage(`12.25`)}})

	visit(t, ctx, s.srv.URL+"/")
	checkAccessible(t, ctx, "catalog")
	headless.Screenshot(t, ctx, shots, "1-catalog")

	const title = "Befolkning per åldersgrupp, kön och kommun"
	searchByKeyboard(t, ctx, "åldersgrupp")
	if got := headless.Evaluate[[]string](t, ctx, `[...document.querySelectorAll("main article h3 a")].map(a => a.textContent)`); !slices.Equal(got, []string{title}) {
		t.Fatalf("search åldersgrupp: results %q, want only %q", got, title)
	}
	headless.Screenshot(t, ctx, shots, "2-search")

	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS("main article h3 a"), chromedp.NodeVisible)); err != nil {
		t.Fatalf("open the dataset: %v", err)
	}
	checkAccessible(t, ctx, "dataset")
	checkPreview(t, ctx, s.srv.URL)
	checkChart(t, ctx, s.srv.URL)
	headless.Screenshot(t, ctx, shots, "3-dataset")
	headless.ScreenshotOf(t, ctx, shots, "3b-chart", "main figure.chart svg")
	checkDownload(t, ctx, s.srv.URL, v.SHA256)

	visit(t, ctx, s.srv.URL+"/datasets/"+wasteDef.Name)
	checkHostile(t, ctx)
	headless.Screenshot(t, ctx, shots, "4-hostile")
	if n := dialogs.Load(); n != 0 {
		t.Errorf("%d JavaScript dialogs opened: hostile text ran as script", n)
	}
}

func visit(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	if resp.Status != http.StatusOK {
		t.Fatalf("open %s: status %d", u, resp.Status)
	}
}

// searchByKeyboard tabs to the search field (it must be reachable without
// a mouse), types q and presses Enter.
func searchByKeyboard(t *testing.T, ctx context.Context, q string) {
	t.Helper()
	const most = 10
	for range most {
		if headless.Evaluate[string](t, ctx, `document.activeElement.id`) == "q" {
			break
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
	}
	if headless.Evaluate[string](t, ctx, `document.activeElement.id`) != "q" {
		t.Fatalf("the search field is not reached in %d presses of Tab", most)
	}
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(q+kb.Enter))
	if err != nil {
		t.Fatalf("submit the search: %v", err)
	}
	if got, err := url.Parse(resp.URL); err != nil || got.Query().Get("q") != q {
		t.Fatalf("the search went to %s, want ?q=%s", resp.URL, q)
	}
}

// a11y is what checkAccessible reads off a page.
type a11y struct {
	Lang     string   `json:"lang"`
	Headings []int    `json:"headings"`
	Inputs   []string `json:"inputs"` // the labels of the visible text inputs ("" when none)
}

const a11yJS = `({
	lang: document.documentElement.lang,
	headings: [...document.querySelectorAll("h1,h2,h3,h4,h5,h6")].map(h => +h.tagName[1]),
	inputs: [...document.querySelectorAll("input:not([type=hidden]),select,textarea")]
		.map(i => [...(i.labels || [])].map(l => l.textContent.trim()).join(" ") || i.getAttribute("aria-label") || ""),
})`

// checkAccessible checks what a test can see of keyboard and screen-reader
// basics: the page's language, one h1 first and no skipped heading level,
// and a label on every input.
func checkAccessible(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	a := headless.Evaluate[a11y](t, ctx, a11yJS)
	if a.Lang != "sv" {
		t.Errorf("%s: <html lang=%q>, want sv", name, a.Lang)
	}
	if len(a.Headings) == 0 || a.Headings[0] != 1 || slices.Index(a.Headings[1:], 1) >= 0 {
		t.Errorf("%s: heading levels %v, want one h1 first", name, a.Headings)
	}
	for i := 1; i < len(a.Headings); i++ {
		if a.Headings[i] > a.Headings[i-1]+1 {
			t.Errorf("%s: heading levels %v skip from h%d to h%d", name, a.Headings, a.Headings[i-1], a.Headings[i])
		}
	}
	for i, label := range a.Inputs {
		if label == "" {
			t.Errorf("%s: input %d has no label", name, i)
		}
	}
}

// table is an HTML table's header and body cells, as text.
type table struct {
	Head []string   `json:"head"`
	Rows [][]string `json:"rows"`
}

// checkPreview compares the preview table with the first rows of
// datastore_search.
func checkPreview(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	got := headless.Evaluate[table](t, ctx, `(() => {
		const t = [...document.querySelectorAll("main table")].find(t => t.caption);
		const cells = row => [...row.cells].map(c => c.textContent);
		return t ? {head: cells(t.tHead.rows[0]), rows: [...t.tBodies[0].rows].map(cells)} : {};
	})()`)
	head, rows := datastoreRows(t, base, popName)
	if !slices.Equal(got.Head, head) {
		t.Fatalf("preview header %q, want %q", got.Head, head)
	}
	if len(got.Rows) == 0 || len(got.Rows) > len(rows) {
		t.Fatalf("preview shows %d rows of %d", len(got.Rows), len(rows))
	}
	for i, r := range got.Rows {
		if !slices.Equal(r, rows[i]) {
			t.Fatalf("preview row %d is %q, datastore_search has %q", i, r, rows[i])
		}
	}
}

// chartSeen is what checkChart reads off the page.
type chartSeen struct {
	Role   string     `json:"role"`
	Title  string     `json:"title"`
	Desc   string     `json:"desc"`
	Width  float64    `json:"width"`
	Height float64    `json:"height"`
	Dots   int        `json:"dots"`
	Head   []string   `json:"head"`
	Rows   [][]string `json:"rows"`
}

// checkChart checks the dataset page's chart as the browser lays it out:
// an SVG image with a title and a description, drawn with a size, one dot
// per figure of its table, and the table's figures the sums of
// datastore_search's rows per year.
func checkChart(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	got := headless.Evaluate[chartSeen](t, ctx, `(() => {
		const svg = document.querySelector("main figure.chart svg");
		if (!svg) return {};
		const box = svg.getBoundingClientRect();
		const t = document.querySelector("main details table");
		const cells = row => [...row.cells].map(c => c.textContent);
		return {role: svg.getAttribute("role"), title: svg.querySelector("title").textContent, desc: svg.querySelector("desc").textContent,
			width: box.width, height: box.height, dots: svg.querySelectorAll("circle").length,
			head: t ? cells(t.tHead.rows[0]) : [], rows: t ? [...t.tBodies[0].rows].map(cells) : []};
	})()`)
	if got.Role != "img" || got.Title != "persons per year" || got.Desc == "" || got.Width < 100 || got.Height < 50 {
		t.Fatalf("the chart: %+v, want an image titled %q with a description, drawn", got, "persons per year")
	}
	if !slices.Equal(got.Head, []string{"year", "persons"}) || got.Dots != len(got.Rows) || len(got.Rows) != 2 {
		t.Fatalf("the chart's table %q %q with %d dots, want year and persons for 2023 and 2024, a dot each", got.Head, got.Rows, got.Dots)
	}
	head, rows := datastoreRows(t, base, popName)
	year, persons := slices.Index(head, "year"), slices.Index(head, "persons")
	sums := map[string]float64{}
	for _, r := range rows {
		if n, err := strconv.ParseFloat(r[persons], 64); err == nil {
			sums[r[year]] += n
		}
	}
	for _, r := range got.Rows {
		if want := formatNumber(sums[r[0]], "sv"); r[1] != want {
			t.Errorf("the chart shows %s persons in %s, datastore_search's rows add up to %s", r[1], r[0], want)
		}
	}
}

// datastoreRows reads all of a dataset's latest rows through
// datastore_search, as the CSV writes them: the columns, then each row's
// cells as text.
func datastoreRows(t *testing.T, base, dataset string) ([]string, [][]string) {
	t.Helper()
	resp, err := http.Get(base + "/api/3/action/datastore_search?" + url.Values{"resource_id": {dataset}, "limit": {"32000"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Result struct {
			Fields []struct {
				ID string `json:"id"`
			} `json:"fields"`
			Records []map[string]json.RawMessage `json:"records"`
			Total   int                          `json:"total"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("datastore_search: %v", err)
	}
	var cols []string
	for _, f := range body.Result.Fields {
		if f.ID != "_id" {
			cols = append(cols, f.ID)
		}
	}
	if len(body.Result.Records) != body.Result.Total {
		t.Fatalf("datastore_search gave %d of %d records", len(body.Result.Records), body.Result.Total)
	}
	var rows [][]string
	for _, rec := range body.Result.Records {
		var row []string
		for _, c := range cols {
			row = append(row, cellText(rec[c], false))
		}
		rows = append(rows, row)
	}
	return cols, rows
}

// checkDownload clicks the dataset page's CSV link, waits for the browser
// to save the file, and compares it with datastore_search's rows and with
// the sha256 the open-data service announced.
func checkDownload(t *testing.T, ctx context.Context, base, sha256 string) {
	t.Helper()
	dir := t.TempDir()
	progress := chromedp.Events(ctx, browser.DownloadProgress)
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true)})
			return err
		}),
		chromedp.Click(chromedp.CSS(`main a[href$="/latest.csv"]`), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("click the CSV link: %v", err)
	}
	var file string
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("wait for the download: %v", err)
		}
		if ev.State == browser.DownloadProgressStateCanceled {
			t.Fatal("the browser cancelled the CSV download")
		}
		if ev.State == browser.DownloadProgressStateCompleted {
			file = filepath.Join(dir, ev.GUID)
			break
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := sha(data); got != sha256 {
		t.Errorf("the downloaded CSV hashes to %s, the version announced %s", got, sha256)
	}
	got, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(got) == 0 {
		t.Fatalf("the downloaded CSV does not parse (%d records): %v", len(got), err)
	}
	head, rows := datastoreRows(t, base, popName)
	if !slices.Equal(got[0], head) {
		t.Fatalf("CSV header %q, want %q", got[0], head)
	}
	if !slices.EqualFunc(got[1:], rows, slices.Equal) {
		t.Fatalf("the downloaded CSV's %d rows differ from datastore_search's %d", len(got)-1, len(rows))
	}
}

// checkHostile checks that the dataset whose title is a script and whose
// cell is an img tag shows both as text.
func checkHostile(t *testing.T, ctx context.Context) {
	t.Helper()
	if got := headless.Evaluate[string](t, ctx, `document.querySelector("h1").textContent`); got != hostileTitle {
		t.Errorf("h1 %q, want the title as text %q", got, hostileTitle)
	}
	if got := headless.Evaluate[string](t, ctx, `document.title`); !strings.HasPrefix(got, hostileTitle) {
		t.Errorf("title %q, want it to start with %q", got, hostileTitle)
	}
	if n := headless.Evaluate[int](t, ctx, `document.querySelectorAll("main script, main img").length`); n != 0 {
		t.Errorf("%d script or img elements in main: hostile text became markup", n)
	}
	if !headless.Evaluate[bool](t, ctx, `[...document.querySelectorAll("main td")].some(td => td.textContent === "<img src=x onerror=alert(1)>")`) {
		t.Error("the hostile cell is not shown as text in the preview")
	}
}
