package portal

import (
	"bytes"
	"cmp"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are the page templates, each parsed with the layout on its own so
// that each can define its own title.
var pages = map[string]*template.Template{
	"catalog.html":  parsePage("catalog.html"),
	"dataset.html":  parsePage("dataset.html"),
	"notfound.html": parsePage("notfound.html"),
	"about.html":    parsePage("about.html"),
	"api.html":      parsePage("api.html"),
}

func parsePage(name string) *template.Template {
	return template.Must(template.New(name).Funcs(template.FuncMap{
		"date": func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"add":  func(a, b float64) float64 { return a + b },
		"sub":  func(a, b float64) float64 { return a - b },
	}).ParseFS(templateFS, "templates/layout.html", "templates/"+name))
}

// previewRows is how many rows the dataset page shows.
const previewRows = 20

// page is what every template gets: the language and the portal's base.
type page struct {
	Lang    string // "sv" or "en"
	Path    string // the page's path, for the language switch
	BaseURL string
}

// TypeName is a column type (string, integer, number, boolean, date; none
// is string) in words of the page's language.
func (p page) TypeName(typ string) string {
	switch typ {
	case "integer":
		return p.T("typeinteger")
	case "number":
		return p.T("typenumber")
	case "boolean":
		return p.T("typeboolean")
	case "date":
		return p.T("typedate")
	}
	return p.T("typestring")
}

// T is the interface text called key in the page's language.
func (p page) T(key string) string {
	t, ok := texts[key]
	if !ok {
		return key
	}
	if p.Lang == "en" {
		return t[1]
	}
	return t[0]
}

// Text is a dataset's text in the page's language.
func (p page) Text(t Text) string { return t.In(p.Lang) }

// Link is a path on the portal, keeping the page's language.
func (p page) Link(path string) string {
	if p.Lang == "en" {
		return path + "?lang=en"
	}
	return path
}

// Other is the page in the other language.
func (p page) Other() string {
	if p.Lang == "en" {
		return p.Path
	}
	return p.Path + "?lang=en"
}

func newPage(r *http.Request, base string) page {
	lang := "sv"
	if r.URL.Query().Get("lang") == "en" {
		lang = "en"
	}
	return page{Lang: lang, Path: r.URL.Path, BaseURL: base}
}

// render executes a template into a buffer first, so a failure is a clean 500.
func (s *Service) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, name, data); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

type catalogPage struct {
	page
	Q        string
	Datasets []Dataset
	Facets   []facetView
	// Filtered is true when a facet value is chosen.
	Filtered bool
	// Empty is true when no dataset is published at all, whatever the
	// search: "nothing matches" would mislead a first visitor.
	Empty bool
}

// handleHome serves the start page: the catalog, searched by ?q=.
func (s *Service) handleHome(w http.ResponseWriter, r *http.Request) {
	x, err := s.index(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query().Get("q")
	type hit struct {
		d     Dataset
		score int
	}
	var hits []hit
	for _, m := range x.matches(searchWords(q)) {
		hits = append(hits, hit{x.datasets[m.i], int(m.n)})
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(b.score, a.score) })
	data := catalogPage{page: newPage(r, s.cfg.BaseURL), Q: q, Empty: len(x.datasets) == 0}
	var found []Dataset
	for _, h := range hits {
		found = append(found, h.d)
	}
	query := url.Values{}
	for k, vs := range r.URL.Query() {
		if k == "q" || k == "lang" || slices.ContainsFunc(catalogFacets, func(f catalogFacet) bool { return f.param == k }) {
			query[k] = vs
		}
	}
	if query.Get("q") == "" {
		delete(query, "q")
	}
	data.Datasets = filterDatasets(found, query, data.Lang)
	data.Facets = facetViews(data.page, data.Datasets, query)
	data.Filtered = len(data.Datasets) != len(found)
	for _, f := range catalogFacets {
		data.Filtered = data.Filtered || len(query[f.param]) > 0
	}
	s.render(w, r, http.StatusOK, "catalog.html", data)
}

type datasetPage struct {
	page
	Dataset   Dataset
	Columns   []Column
	Privacy   []string
	Versions  []Version
	Preview   [][]string
	Resource  string
	Publisher Org
	// Chart is the latest version's chart; nil when it has none.
	Chart *chartView
}

// CurlDatastore is the datastore_search example's URL.
func (p datasetPage) CurlDatastore() string {
	return p.BaseURL + "/api/3/action/datastore_search?" + url.Values{"resource_id": {p.Resource}, "limit": {"5"}}.Encode()
}

// CurlShow is the package_show example's URL.
func (p datasetPage) CurlShow() string {
	return p.BaseURL + "/api/3/action/package_show?" + url.Values{"id": {p.Dataset.Name}}.Encode()
}

// handleDataset serves a dataset's page.
func (s *Service) handleDataset(w http.ResponseWriter, r *http.Request) {
	d, err := s.dataset(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := s.store.Versions(r.Context(), d.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := newPage(r, s.cfg.BaseURL)
	data := datasetPage{page: p, Dataset: d, Versions: vs, Privacy: plainPrivacy(d.Latest.Report, p.Lang),
		Resource: resourceID(d.ID, "CSV"), Publisher: d.publisher()}
	for _, c := range d.Latest.Columns {
		col, _ := d.column(c)
		col.Name = c
		data.Columns = append(data.Columns, col)
	}
	err = s.store.Rows(r.Context(), d.ID, d.Latest.Version, 0, previewRows, func(_ int64, row Row) error {
		cells := make([]string, len(row))
		for i, v := range row {
			cells[i] = cellText(v, false)
		}
		data.Preview = append(data.Preview, cells)
		return nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.chart(r.Context(), d, d.Latest)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c != nil {
		data.Chart = c.view(p)
	}
	s.render(w, r, http.StatusOK, "dataset.html", data)
}

// handleAbout serves the about page.
func (s *Service) handleAbout(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "about.html", newPage(r, s.cfg.BaseURL))
}

// apiPage is the page about the APIs. Its curl examples name a published
// dataset, so that each runs as it stands when copied; {name} and {id}
// while the catalog is empty.
type apiPage struct {
	page
	ExampleName, ExampleID string
}

// handleAPIPage serves the page about the APIs.
func (s *Service) handleAPIPage(w http.ResponseWriter, r *http.Request) {
	data := apiPage{page: newPage(r, s.cfg.BaseURL), ExampleName: "{name}", ExampleID: "{id}"}
	if x, err := s.index(r.Context()); err == nil && len(x.datasets) > 0 {
		data.ExampleName, data.ExampleID = x.datasets[0].Name, x.datasets[0].ID
	}
	s.render(w, r, http.StatusOK, "api.html", data)
}

// handleReport serves a version's privacy report as the open-data service
// wrote it.
func (s *Service) handleReport(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	d, err := s.dataset(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.store.Version(r.Context(), d.ID, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(v.Report)
}

// texts are the interface's texts: Swedish, English.
var texts = map[string][2]string{
	"portal":         {"Västerås stads öppna data", "City of Västerås open data"},
	"notfound":       {"Sidan finns inte", "Page not found"},
	"notfoundtext":   {"Här finns ingen datamängd eller fil.", "There is no dataset or file here."},
	"tocatalog":      {"Till katalogen", "To the catalog"},
	"skip":           {"Hoppa till innehållet", "Skip to content"},
	"otherlang":      {"In English", "På svenska"},
	"intro":          {"Här hittar du, förhandsgranskar och laddar ner Västerås stads öppna data. Ingen person kan pekas ut i en publicerad fil: varje datamängd talar om hur den anonymiserats.", "Find, preview and download the City of Västerås's open data. No person can be singled out in a published file: every dataset says how it was anonymised."},
	"search":         {"Sök datamängder", "Search datasets"},
	"searchbutton":   {"Sök", "Search"},
	"results":        {"Datamängder", "Datasets"},
	"found":          {"träffar", "found"},
	"none":           {"Inga datamängder matchar sökningen.", "No dataset matches the search."},
	"typestring":     {"text", "text"},
	"typeinteger":    {"heltal", "integer"},
	"typenumber":     {"tal", "number"},
	"typeboolean":    {"sant/falskt", "true/false"},
	"typedate":       {"datum", "date"},
	"noneyet":        {"Inga datamängder är publicerade ännu. En datamängd visas här när dess första version har publicerats.", "No dataset is published yet. A dataset shows here once its first version is published."},
	"version":        {"Version", "Version"},
	"published":      {"Publicerad", "Published"},
	"rows":           {"Rader", "Rows"},
	"rowcount":       {"rader", "rows"},
	"about":          {"Om datamängden", "About the dataset"},
	"publisher":      {"Utgivare", "Publisher"},
	"contact":        {"Kontakt", "Contact"},
	"licence":        {"Licens", "Licence"},
	"frequency":      {"Uppdateras", "Updated"},
	"spatial":        {"Område", "Area"},
	"temporal":       {"Period", "Period"},
	"themes":         {"Teman", "Themes"},
	"keywords":       {"Nyckelord", "Keywords"},
	"columns":        {"Kolumner", "Columns"},
	"column":         {"Kolumn", "Column"},
	"type":           {"Typ", "Type"},
	"description":    {"Beskrivning", "Description"},
	"privacy":        {"Så har datamängden anonymiserats", "How the dataset was anonymised"},
	"report":         {"Maskinläsbar integritetsrapport (JSON)", "Machine-readable privacy report (JSON)"},
	"preview":        {"Förhandsgranskning", "Preview"},
	"previewof":      {"De första raderna av version", "The first rows of version"},
	"downloads":      {"Ladda ner", "Download"},
	"csv":            {"CSV (komma, UTF-8)", "CSV (comma, UTF-8)"},
	"csvsv":          {"CSV för svenska kalkylprogram (semikolon, decimalkomma)", "CSV for Swedish spreadsheets (semicolon, decimal comma)"},
	"json":           {"JSON", "JSON"},
	"ndjson":         {"NDJSON (en rad per post)", "NDJSON (one record per line)"},
	"parquet":        {"Parquet (kolumnformat med typer, för analysverktyg)", "Parquet (typed columns, for analysis tools)"},
	"history":        {"Versioner", "Versions"},
	"chart":          {"Diagram", "Chart"},
	"charttable":     {"Visa diagrammets siffror som tabell", "Show the chart's figures as a table"},
	"checksum":       {"SHA-256 av CSV-filen", "SHA-256 of the CSV file"},
	"files":          {"Filer", "Files"},
	"api":            {"API-exempel", "API examples"},
	"apiintro":       {"Datamängden finns också i CKAN:s API och i DCAT-AP-SE-katalogen.", "The dataset is also in the CKAN API and the DCAT-AP-SE catalog."},
	"catalogformats": {"Katalogen som DCAT-AP-SE", "The catalog as DCAT-AP-SE"},
	"aboutportal":    {"Om öppna data i Västerås", "About open data in Västerås"},
	"filter":         {"Avgränsa", "Narrow down"},
	"format":         {"Format", "Format"},
	"clearfilters":   {"Visa alla igen", "Show all again"},
	"chosen":         {"vald, klicka för att ta bort", "chosen, select to remove"},
	"apipage":        {"API för utvecklare", "APIs for developers"},
	"nav":            {"Huvudmeny", "Main menu"},
	"catalog":        {"Katalogen", "Catalog"},
}

// Theme is an EU data theme's name in the page's language.
func (p page) Theme(code string) string { return p.pick(themeNames, code) }

// Frequency is an update frequency in the page's language.
func (p page) Frequency(f string) string { return p.pick(frequencyNames, f) }

func (p page) pick(names map[string][2]string, key string) string {
	n, ok := names[key]
	if !ok {
		return key
	}
	if p.Lang == "en" {
		return n[1]
	}
	return n[0]
}

// themeNames are the EU data themes' names: Swedish, English.
var themeNames = map[string][2]string{
	"AGRI": {"Jordbruk, fiske, skogsbruk och livsmedel", "Agriculture, fisheries, forestry and food"},
	"ECON": {"Ekonomi och finans", "Economy and finance"},
	"EDUC": {"Utbildning, kultur och sport", "Education, culture and sport"},
	"ENER": {"Energi", "Energy"},
	"ENVI": {"Miljö", "Environment"},
	"GOVE": {"Regeringen och den offentliga sektorn", "Government and public sector"},
	"HEAL": {"Hälsa", "Health"},
	"INTR": {"Internationella frågor", "International issues"},
	"JUST": {"Rättvisa, rättsliga system och allmän säkerhet", "Justice, legal system and public safety"},
	"REGI": {"Regioner och städer", "Regions and cities"},
	"SOCI": {"Befolkning och samhälle", "Population and society"},
	"TECH": {"Vetenskap och teknik", "Science and technology"},
	"TRAN": {"Transport", "Transport"},
}

// frequencyNames are the update frequencies: Swedish, English.
var frequencyNames = map[string][2]string{
	"continuous": {"löpande", "continuously"}, "hourly": {"varje timme", "hourly"}, "daily": {"dagligen", "daily"},
	"weekly": {"varje vecka", "weekly"}, "monthly": {"varje månad", "monthly"}, "quarterly": {"varje kvartal", "quarterly"},
	"annual": {"årligen", "annually"}, "irregular": {"oregelbundet", "irregularly"},
}
