package portal

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// openAPIDoc is the OpenAPI 3.1 document of the v1 API, written by hand;
// its servers are set to the portal's base URL when served.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI serves GET /api/openapi.json.
func (a *api) openAPI(w http.ResponseWriter, r *http.Request) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		a.fail(w, r, err)
		return
	}
	doc["servers"] = []map[string]string{{"url": a.s.cfg.BaseURL}}
	writeV1(w, http.StatusOK, doc)
}
