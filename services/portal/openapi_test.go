package portal

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPI reads /api/openapi.json: an OpenAPI 3.1 document whose paths
// are every path the v1 API serves, each of which answers for a real
// dataset, with the operations' responses described.
func TestOpenAPI(t *testing.T) {
	s := newSeeded(t)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Paths map[string]map[string]struct {
			OperationID string                     `json:"operationId"`
			Responses   map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if code := getV1(t, s.srv.URL+"/api/openapi.json", &doc); code != 200 {
		t.Fatalf("openapi.json: %d", code)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") || len(doc.Servers) != 1 || doc.Servers[0].URL != "https://data.vasteras.se" {
		t.Errorf("openapi %q, servers %v", doc.OpenAPI, doc.Servers)
	}
	a := newAPI(s.svc, APIOptions{})
	served := slices.Sorted(maps.Keys(a.v1Handlers()))
	if documented := slices.Sorted(maps.Keys(doc.Paths)); !slices.Equal(documented, served) {
		t.Errorf("documented paths %v; served %v", documented, served)
	}
	for path, ops := range doc.Paths {
		op, ok := ops["get"]
		if len(ops) != 1 || !ok || op.OperationID == "" || op.Responses["200"] == nil || op.Responses["400"] == nil {
			t.Errorf("%s: %v", path, ops)
		}
		resp, _ := get(t, s.srv.URL+strings.ReplaceAll(path, "{id}", weatherDef.Name))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
}
