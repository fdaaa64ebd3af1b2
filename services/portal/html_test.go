package portal

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func html(t *testing.T, s *seeded, path string) (int, string) {
	t.Helper()
	resp, body := get(t, s.srv.URL+path)
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode == 200 && ct != "text/html; charset=utf-8" {
		t.Errorf("%s: Content-Type %s", path, ct)
	}
	return resp.StatusCode, string(body)
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("%s contains %q", what, b)
		}
	}
}

func TestCatalogPage(t *testing.T) {
	s := newSeeded(t)
	code, body := html(t, s, "/")
	if code != 200 {
		t.Fatalf("/: %d", code)
	}
	mustContain(t, "the catalog", body, `<html lang="sv">`, `<label for="q">Sök datamängder</label>`, `<h1>`,
		"Väder per station och dag", "&lt;script&gt;alert(&#34;x&amp;y&#34;)&lt;/script&gt; Väder", "(2 träffar)",
		`href="/datasets/weather-per-station-day"`, `href="/?lang=en"`)
	mustNotContain(t, "the catalog", body, "<script>", "<b>per dag</b>")

	_, body = html(t, s, "/?q="+url.QueryEscape("snödjup"))
	mustContain(t, "a search", body, "Väder per station och dag", "(1 träffar)", `value="snödjup"`)
	mustNotContain(t, "a search", body, "Matsvinn")

	_, body = html(t, s, "/?lang=en&q=nothing")
	mustContain(t, "the English catalog", body, `<html lang="en">`, "Search datasets", "No dataset matches the search.", `name="lang" value="en"`)
}

func TestDatasetPage(t *testing.T) {
	s := newSeeded(t)
	for _, id := range []string{weatherDef.Name, weatherDef.ID} {
		code, body := html(t, s, "/datasets/"+id)
		if code != 200 {
			t.Fatalf("/datasets/%s: %d", id, code)
		}
		mustContain(t, "the dataset page", body,
			"<title>Väder per station och dag – Västerås stads öppna data</title>",
			"<h1>Väder per station och dag</h1>", "Dygnsvärden per väderstation från SMHI.",
			"<code>station</code></td><td>text</td><td>Stationens namn</td>", // a column
			"Kolumnerna person_id publiceras aldrig.",                        // the privacy report in words
			"k-anonymitet: varje kombination av bakgrundsuppgifterna delas av minst 5 rader (uppnått: 7).", "4 av 100 rader har tagits bort",
			"<td>Målilla, &#34;norra&#34;</td>", // preview, escaped
			`href="/datasets/weather-per-station-day/versions/1.csv"`, `href="/datasets/weather-per-station-day/versions/2.ndjson"`,
			`href="/datasets/weather-per-station-day/latest-sv.csv"`,
			"curl -O https://data.vasteras.se/datasets/weather-per-station-day/latest.csv",
			"datastore_search?limit=5&amp;resource_id="+resourceID(weatherDef.ID, "CSV"),
			"mailto:opendata@vasteras.se", "<dd>dagligen</dd>", "<dd>Miljö, Transport</dd>")
		if n := strings.Count(body, "<tr><td>"); n < previewRows {
			t.Errorf("the preview has %d rows, want %d", n, previewRows)
		}
	}
	_, body := html(t, s, "/datasets/"+weatherDef.Name+"?lang=en")
	mustContain(t, "the English dataset page", body, "<h1>Weather per station and day</h1>", "How the dataset was anonymised",
		"The columns person_id are never published.", "Station name")

	_, body = html(t, s, "/datasets/"+wasteDef.Name)
	mustContain(t, "the hostile page", body, "<h1>&lt;script&gt;alert(&#34;x&amp;y&#34;)&lt;/script&gt; Väder</h1>",
		"&lt;img src=x onerror=alert(1)&gt;", "Mälarenergi AB", "12.25")
	mustNotContain(t, "the hostile page", body, "<script>", "<img src=x")

	code, body := html(t, s, "/datasets/no-such?lang=en")
	if code != 404 {
		t.Errorf("an unknown dataset's page: %d, want 404", code)
	}
	mustContain(t, "the 404 page", body, "<h1>Page not found</h1>", `href="/?lang=en"`)
	resp, report := get(t, s.srv.URL+"/datasets/"+weatherDef.ID+"/versions/1/privacy-report.json")
	var m map[string]any
	if resp.StatusCode != 200 || json.Unmarshal(report, &m) != nil || m["shape"] != "microdata" {
		t.Errorf("privacy-report.json: %d %s", resp.StatusCode, report)
	}
	if resp, _ := get(t, s.srv.URL+"/datasets/"+weatherDef.ID+"/versions/9/privacy-report.json"); resp.StatusCode != 404 {
		t.Errorf("an unknown version's report: %d", resp.StatusCode)
	}
}

func TestPlainPrivacyAggregate(t *testing.T) {
	raw := []byte(`{"shape":"aggregate","policy":{"small_cell_threshold":5,"epsilon":0.5},"results":{"records_out":12,"rows_hidden":4,"cells_total":80,"cells_suppressed_primary":2,"cells_suppressed_secondary":3}}`)
	got := strings.Join(plainPrivacy(raw, "sv"), "\n")
	// In rows of the published table (12), not entries of the protected
	// one (80, totals included), as the open-data service words it.
	mustContain(t, "the aggregate's report", got, "Antal mellan 1 och 4 visas inte", "Siffrorna är dolda i 4 av tabellens 12 rader", "större grupper", "ε = 0.5")
	if strings.Contains(got, "80") {
		t.Errorf("the report speaks of the protected table's 80 entries:\n%s", got)
	}
	if got := plainPrivacy([]byte("nonsense"), "en"); len(got) != 1 || !strings.Contains(got[0], "cannot be read") {
		t.Errorf("an unreadable report: %v", got)
	}
}

// TestEveryTextIsTranslated finds each {{.T "key"}} of the templates in
// the texts, in both languages.
func TestEveryTextIsTranslated(t *testing.T) {
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`\.T "([a-z]+)"`)
	for _, e := range entries {
		b, err := templateFS.ReadFile("templates/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if tr, ok := texts[m[1]]; !ok || tr[0] == "" || tr[1] == "" {
				t.Errorf("%s: the text %q is missing a language", e.Name(), m[1])
			}
		}
	}
}
