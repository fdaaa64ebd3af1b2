package portal

import (
	"net/url"
	"strings"
	"testing"
)

// TestCatalogFacets narrows the catalog by facets: counts over what is
// shown, links that add and take away a value (keeping the search and the
// language), several values that must all hold, and hostile values as
// text.
func TestCatalogFacets(t *testing.T) {
	s := newSeeded(t)
	_, body := html(t, s, "/")
	mustContain(t, "the catalog's facets", body, `<h2 id="facets-heading">Avgränsa</h2>`, "<h3>Teman</h3>", "<h3>Format</h3>", "<h3>Uppdateras</h3>", "<h3>Nyckelord</h3>", "<h3>Utgivare</h3>",
		`<a href="/?theme=ENVI">Miljö <span class="count">(1)</span></a>`, `Parquet <span class="count">(2)</span>`,
		`<a href="/?org=M%C3%A4larenergi&#43;AB">Mälarenergi AB <span class="count">(1)</span></a>`, `dagligen <span class="count">(1)</span>`)

	_, body = html(t, s, "/?theme=ENVI")
	mustContain(t, "theme ENVI", body, "(1 träffar)", "Väder per station och dag", `<a href="/" aria-current="true"><strong>✓ Miljö</strong>`, "Visa alla igen")
	mustNotContain(t, "theme ENVI", body, "Matsvinn i skolkök")

	_, body = html(t, s, "/?"+url.Values{"org": {"Mälarenergi AB"}, "lang": {"en"}}.Encode())
	mustContain(t, "an organisation, in English", body, "(1 found)", "Food waste in school kitchens", "<h3>Publisher</h3>",
		`href="/?lang=en"`, "chosen, select to remove")

	_, body = html(t, s, "/?"+url.Values{"org": {"Mälarenergi AB"}, "theme": {"ENVI"}}.Encode())
	mustContain(t, "two facets", body, "(0 träffar)", "Inga datamängder matchar sökningen.")

	_, body = html(t, s, "/?"+url.Values{"q": {"väder"}, "keyword": {"snödjup"}}.Encode())
	mustContain(t, "a search and a keyword", body, "(1 träffar)", `value="väder"`, `href="/?q=v%C3%A4der"`)

	_, body = html(t, s, "/?"+url.Values{"keyword": {`<script>alert(1)</script>`}}.Encode())
	if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("a chosen keyword is not shown as text")
	}
}
