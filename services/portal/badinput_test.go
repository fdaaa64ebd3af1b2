package portal

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestPathTraversalRefused asks for files outside the portal's routes by
// dot segments, encoded and not: never a 200 with content that is not a
// portal page or a dataset's file, never a 500.
func TestPathTraversalRefused(t *testing.T) {
	s := newSeeded(t)
	for _, p := range []string{
		"/datasets/..%2F..%2F..%2Fetc%2Fpasswd/latest.csv",
		"/datasets/weather-per-station-day/versions/..%2F..%2Fportal.db",
		"/datasets/weather-per-station-day/versions/..%2F1.csv",
		"/datasets/weather-per-station-day/..%2Flatest.csv",
		"/datasets/%2e%2e/latest.csv",
		"/datasets/weather-per-station-day/versions/1.csv%00.json",
		"/datasets/weather-per-station-day/versions/-1.csv",
		"/datasets/weather-per-station-day/versions/99999999999999999999.csv",
	} {
		req, err := http.NewRequest(http.MethodGet, s.srv.URL+p, nil) // sent as escaped here
		if err != nil {
			t.Fatal(err)
		}
		resp, err := (&http.Transport{}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMovedPermanently && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 404 (or a redirect to the cleaned path, or 400)", p, resp.StatusCode)
		}
	}
	// Dot segments the client sends as they are are cleaned by a redirect,
	// never served.
	resp, _ := get(t, s.srv.URL+"/datasets/weather-per-station-day/../../../etc/passwd")
	if resp.StatusCode == http.StatusOK {
		t.Errorf("a path with dot segments was served: %d", resp.StatusCode)
	}
}

// TestOversizedRequestsRefused: a POSTed action body over 1 MiB, a huge
// search, a huge cursor and a huge filter are refused with CKAN's or v1's
// error JSON, never a 500.
func TestOversizedRequestsRefused(t *testing.T) {
	s := newSeeded(t)
	big := `{"q":"` + strings.Repeat("a", maxBody+10) + `"}`
	resp, err := http.Post(s.srv.URL+"/api/3/action/package_search", "application/json", bytes.NewReader([]byte(big)))
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]any
	json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || env["success"] != false {
		t.Errorf("a 1 MiB action body: %d, %v; want 400 and CKAN's error", resp.StatusCode, env["success"])
	}
	long := strings.Repeat("x", 64<<10)
	for _, u := range []string{
		"/api/3/action/package_search?q=" + long,
		"/api/3/action/datastore_search?resource_id=" + weatherDef.Name + "&q=" + long,
		"/api/v1/datasets/" + weatherDef.Name + "/rows?cursor=" + long,
		"/api/v1/datasets/" + weatherDef.Name + "/rows?station=" + long,
		"/?q=" + long,
	} {
		resp, body := get(t, s.srv.URL+u)
		if resp.StatusCode >= 500 {
			t.Errorf("%.60s…: %d", u, resp.StatusCode)
		}
		if resp.StatusCode == http.StatusBadRequest && !json.Valid(body) {
			t.Errorf("%.60s…: a 400 that is not JSON", u)
		}
		if resp.StatusCode == http.StatusBadRequest && bytes.Contains(body, []byte(long[:1024])) {
			t.Errorf("%.60s…: the error quotes the oversized value", u)
		}
	}
}
