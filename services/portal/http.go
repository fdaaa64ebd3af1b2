package portal

import (
	"net/http"

	"github.com/vasteras/civicbus/services/portal/dcat"
)

// Mount serves the portal on mux, with patterns specific enough to leave
// the process's other paths (/api/opendata/, /registry/, /healthz…) alone:
//
//	GET /                                         the catalog, with search (?q=)
//	GET /datasets/{id}                            a dataset's page
//	GET /datasets/{id}/versions/{n}.{csv,json,ndjson}, {n}-sv.csv
//	GET /datasets/{id}/versions/{n}               redirects to {n}.csv
//	GET /datasets/{id}/versions/{n}/privacy-report.json
//	GET /datasets/{id}/latest.{csv,json,ndjson}, latest-sv.csv
//	GET, POST /api/3/action/{action}              the CKAN Action API subset
//	GET /catalog.rdf, /catalog.ttl, /catalog.jsonld   DCAT-AP-SE
//	GET /datasets/dcat                            redirects to /catalog.rdf
//
// {id} is a dataset's UUID or name. GET patterns answer HEAD too.
func (s *Service) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.handleHome)
	mux.HandleFunc("GET /datasets/{id}", s.handleDataset)
	mux.HandleFunc("GET /datasets/{id}/versions/{file}", s.handleVersionFile)
	mux.HandleFunc("GET /datasets/{id}/versions/{n}/privacy-report.json", s.handleReport)
	mux.HandleFunc("GET /datasets/{id}/{file}", s.handleLatestFile)
	mux.HandleFunc("GET /api/3/action/{action}", s.handleCKAN)
	mux.HandleFunc("POST /api/3/action/{action}", s.handleCKAN)
	mux.HandleFunc("GET /catalog.rdf", s.handleCatalog(dcat.MediaTypeRDFXML, dcat.WriteRDFXML))
	mux.HandleFunc("GET /catalog.ttl", s.handleCatalog(dcat.MediaTypeTurtle, dcat.WriteTurtle))
	mux.HandleFunc("GET /catalog.jsonld", s.handleCatalog(dcat.MediaTypeJSONLD, dcat.WriteJSONLD))
	mux.Handle("GET /datasets/dcat", http.RedirectHandler("/catalog.rdf", http.StatusMovedPermanently))
}

// notFound answers 404 with a page in the request's language.
func (s *Service) notFound(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusNotFound, "notfound.html", newPage(r, s.cfg.BaseURL))
}
