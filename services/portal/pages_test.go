package portal

import "testing"

// TestAboutAndAPIPages: both pages in both languages, linked from every
// page's menu.
func TestAboutAndAPIPages(t *testing.T) {
	s := newSeeded(t)
	for _, c := range []struct {
		path  string
		wants []string
	}{
		{"/about", []string{`<html lang="sv">`, "<h1>Om öppna data i Västerås</h1>", `href="/catalog.rdf"`, "WCAG 2.1"}},
		{"/about?lang=en", []string{`<html lang="en">`, "<h1>About open data in Västerås</h1>", "Parquet"}},
		{"/api", []string{"<h1>API för utvecklare</h1>", `href="/api/openapi.json"`, "https://data.vasteras.se/api/3/action/package_list", "datastore_search"}},
		{"/api?lang=en", []string{"<h1>APIs for developers</h1>", "Retry-After", "latest.parquet"}},
		{"/", []string{`<nav aria-label="Huvudmeny">`, `href="/about"`, `href="/api"`}},
		{"/datasets/" + weatherDef.Name + "?lang=en", []string{`<nav aria-label="Main menu">`, `href="/about?lang=en"`, `href="/api?lang=en"`}},
	} {
		code, body := html(t, s, c.path)
		if code != 200 {
			t.Fatalf("%s: %d", c.path, code)
		}
		mustContain(t, c.path, body, c.wants...)
	}
}
