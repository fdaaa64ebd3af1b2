package portal

import (
	"net/url"
	"testing"
	"time"
)

// TestIndexRefresh: the in-memory catalog answers from what it read, sees
// a version the store adds afterwards, and finds datasets by resource id.
func TestIndexRefresh(t *testing.T) {
	s := newSeeded(t)
	search := func(q string) (float64, string) {
		t.Helper()
		_, env := ckanCall(t, s, "package_search", url.Values{"q": {q}, "facet.field": {`["tags"]`}})
		res := env["result"].(map[string]any)
		first := ""
		if rs := res["results"].([]any); len(rs) > 0 {
			first = rs[0].(map[string]any)["version"].(string)
		}
		return res["count"].(float64), first
	}
	if n, v := search("snödjup"); n != 1 || v != "2" {
		t.Fatalf("before: %v datasets, version %q; want 1, 2", n, v)
	}
	t0 := time.Date(2026, 11, 5, 4, 0, 0, 0, time.UTC)
	seedVersion(t, s.svc.store, weatherDef, 3, t0, weatherCols, weatherRows(3))
	other := weatherDef
	other.ID, other.Name = "0b6f1d2e-5a3c-4e7b-9f10-2c4d6e8a0b1c", "snow-depth-copy"
	seedVersion(t, s.svc.store, other, 1, t0, weatherCols, weatherRows(1))
	if n, v := search("snödjup"); n != 2 || v != "3" && v != "1" {
		t.Fatalf("after adding: %v datasets, version %q; want 2 and the new versions", n, v)
	}
	_, env := ckanCall(t, s, "package_show", url.Values{"id": {weatherDef.Name}})
	if v := env["result"].(map[string]any)["version"]; v != "3" {
		t.Errorf("package_show after adding: version %v, want 3", v)
	}
	for _, id := range []string{resourceID(other.ID, "JSON"), other.ID, other.Name} {
		code, env := ckanCall(t, s, "datastore_search", url.Values{"resource_id": {id}})
		if code != 200 || env["result"].(map[string]any)["total"] != 1.0 {
			t.Errorf("datastore_search %s: %d %v", id, code, env["result"])
		}
	}
	if code, _ := ckanCall(t, s, "package_show", url.Values{"id": {resourceID(other.ID, "CSV")}}); code != 404 {
		t.Errorf("package_show by a resource id: %d, want 404", code)
	}
}
