package portal

import (
	"net/http"

	"github.com/vasteras/civicbus/services/portal/dcat"
)

// Mount serves the portal on mux with the default APIOptions; see MountWith.
func (s *Service) Mount(mux *http.ServeMux) { s.MountWith(mux, APIOptions{}) }

// MountWith serves the portal on mux, with patterns specific enough to
// leave the process's other paths (/api/opendata/, /registry/, /healthz…)
// alone:
//
//	GET /                                         the catalog, with search (?q=)
//	GET /about, /api                              about the portal; its APIs
//	GET /datasets/{id}                            a dataset's page
//	GET /datasets/{id}/versions/{n}.{csv,json,ndjson,parquet}, {n}-sv.csv
//	GET /datasets/{id}/versions/{n}               redirects to {n}.csv
//	GET /datasets/{id}/versions/{n}/privacy-report.json
//	GET /datasets/{id}/latest.{csv,json,ndjson,parquet}, latest-sv.csv
//	GET /datasets/{id}/feed.atom                  the versions as Atom
//	GET /datasets/{id}/events                     new versions as Server-Sent Events
//	GET /api/v1/…                                 the native API (see /api/openapi.json)
//	GET /api/openapi.json                         its OpenAPI 3.1 document
//	GET, POST /api/3/action/{action}              the CKAN Action API subset
//	GET /catalog.rdf, /catalog.ttl, /catalog.jsonld   DCAT-AP-SE
//	GET /datasets/dcat                            redirects to /catalog.rdf
//
// {id} is a dataset's UUID or name. GET patterns answer HEAD too. Every
// request is access-logged (without personal data, see accessLogged); the
// APIs and feeds allow any origin and are rate-limited per client as o
// says.
func (s *Service) MountWith(mux *http.ServeMux, o APIOptions) {
	a := newAPI(s, o)
	page := func(pattern string, h http.Handler) { mux.Handle(pattern, a.logged(h)) }
	page("GET /{$}", http.HandlerFunc(s.handleHome))
	page("GET /about", http.HandlerFunc(s.handleAbout))
	page("GET /api", http.HandlerFunc(s.handleAPIPage))
	page("GET /datasets/{id}", http.HandlerFunc(s.handleDataset))
	page("GET /datasets/{id}/versions/{file}", http.HandlerFunc(s.handleVersionFile))
	page("GET /datasets/{id}/versions/{n}/privacy-report.json", http.HandlerFunc(s.handleReport))
	page("GET /datasets/{id}/{file}", http.HandlerFunc(s.handleLatestFile))
	page("GET /catalog.rdf", s.handleCatalog(dcat.MediaTypeRDFXML, dcat.WriteRDFXML))
	page("GET /catalog.ttl", s.handleCatalog(dcat.MediaTypeTurtle, dcat.WriteTurtle))
	page("GET /catalog.jsonld", s.handleCatalog(dcat.MediaTypeJSONLD, dcat.WriteJSONLD))
	page("GET /datasets/dcat", http.RedirectHandler("/catalog.rdf", http.StatusMovedPermanently))
	a.mount(mux)
}

// notFound answers 404 with a page in the request's language.
func (s *Service) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "notfound.html", newPage(r, s.cfg.BaseURL))
}
