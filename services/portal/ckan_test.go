package portal

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// ckanResult calls an action and decodes CKAN's envelope.
func ckanCall(t *testing.T, s *seeded, action string, params url.Values) (int, map[string]any) {
	t.Helper()
	resp, body := get(t, s.srv.URL+"/api/3/action/"+action+"?"+params.Encode())
	var env map[string]any
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("%s: not JSON: %s", action, body)
	}
	if _, ok := env["help"].(string); !ok || env["success"] != (resp.StatusCode == 200) {
		t.Errorf("%s: envelope %v with status %d", action, env, resp.StatusCode)
	}
	return resp.StatusCode, env
}

func TestCKANPackages(t *testing.T) {
	s := newSeeded(t)
	_, env := ckanCall(t, s, "package_list", nil)
	if got := env["result"].([]any); len(got) != 2 || got[0] != "food-waste-per-kitchen" || got[1] != "weather-per-station-day" {
		t.Errorf("package_list: %v", got)
	}

	_, env = ckanCall(t, s, "package_show", url.Values{"id": {weatherDef.ID}})
	pkg := env["result"].(map[string]any)
	if pkg["name"] != weatherDef.Name || pkg["version"] != "2" || pkg["license_id"] != "cc-by" || pkg["num_resources"] != 4.0 {
		t.Errorf("package_show: %v", pkg)
	}
	res := pkg["resources"].([]any)[0].(map[string]any)
	if res["format"] != "CSV" || res["url"] != "https://data.vasteras.se/datasets/weather-per-station-day/latest.csv" ||
		!strings.HasPrefix(res["hash"].(string), "sha256:") || res["id"] != resourceID(weatherDef.ID, "CSV") {
		t.Errorf("CSV resource: %v", res)
	}
	if org := pkg["organization"].(map[string]any); org["name"] != "vasteras-stad" || org["title"] != "Västerås stad" {
		t.Errorf("organization %v", org)
	}

	for _, c := range []struct {
		params url.Values
		count  int
		first  string
	}{
		{url.Values{}, 2, ""},
		{url.Values{"q": {"SNÖDJUP"}}, 1, "weather-per-station-day"},
		{url.Values{"q": {"väder station"}}, 1, "weather-per-station-day"},
		{url.Values{"q": {"nothing-like-this"}}, 0, ""},
		{url.Values{"fq": {"license_id:cc-zero"}}, 1, "food-waste-per-kitchen"},
		{url.Values{"fq": {`organization:vasteras-stad tags:"snödjup"`}}, 1, "weather-per-station-day"},
		{url.Values{"sort": {"name desc"}}, 2, "weather-per-station-day"},
		{url.Values{"sort": {"metadata_modified asc"}}, 2, "food-waste-per-kitchen"},
		{url.Values{"sort": {"name asc"}, "rows": {"1"}, "start": {"1"}}, 2, "weather-per-station-day"},
	} {
		code, env := ckanCall(t, s, "package_search", c.params)
		if code != 200 {
			t.Errorf("package_search %v: %d %v", c.params, code, env)
			continue
		}
		r := env["result"].(map[string]any)
		results := r["results"].([]any)
		if r["count"] != float64(c.count) {
			t.Errorf("package_search %v: count %v, want %d", c.params, r["count"], c.count)
		}
		if c.first != "" && (len(results) == 0 || results[0].(map[string]any)["name"] != c.first) {
			t.Errorf("package_search %v: first result is not %s", c.params, c.first)
		}
	}
	_, env = ckanCall(t, s, "package_search", url.Values{"facet.field": {`["license_id","res_format"]`}})
	facets := env["result"].(map[string]any)["search_facets"].(map[string]any)
	items := facets["license_id"].(map[string]any)["items"].([]any)
	if len(items) != 2 || facets["res_format"].(map[string]any)["items"].([]any)[0].(map[string]any)["count"] != 2.0 {
		t.Errorf("facets %v", facets)
	}
}

func TestCKANOrganizations(t *testing.T) {
	s := newSeeded(t)
	_, env := ckanCall(t, s, "organization_list", nil)
	if got := env["result"].([]any); len(got) != 2 || got[0] != "malarenergi-ab" || got[1] != "vasteras-stad" {
		t.Errorf("organization_list: %v", got)
	}
	_, env = ckanCall(t, s, "organization_list", url.Values{"all_fields": {"true"}})
	if got := env["result"].([]any)[1].(map[string]any); got["package_count"] != 1.0 || got["id"] != "SE2120002080" {
		t.Errorf("organization_list all_fields: %v", got)
	}
	for _, id := range []string{"vasteras-stad", "SE2120002080"} {
		_, env = ckanCall(t, s, "organization_show", url.Values{"id": {id}, "include_datasets": {"true"}})
		org := env["result"].(map[string]any)
		if org["title"] != "Västerås stad" || len(org["packages"].([]any)) != 1 {
			t.Errorf("organization_show %s: %v", id, org)
		}
	}
}

func TestCKANDatastoreSearch(t *testing.T) {
	s := newSeeded(t)
	search := func(p url.Values) map[string]any {
		t.Helper()
		code, env := ckanCall(t, s, "datastore_search", p)
		if code != 200 {
			t.Fatalf("datastore_search %v: %d %v", p, code, env["error"])
		}
		return env["result"].(map[string]any)
	}
	r := search(url.Values{"resource_id": {resourceID(weatherDef.ID, "JSON")}, "limit": {"5"}, "offset": {"100"}})
	recs := r["records"].([]any)
	if r["total"] != 250.0 || len(recs) != 5 || recs[0].(map[string]any)["_id"] != 101.0 {
		t.Errorf("paged: total %v, %d records, first %v", r["total"], len(recs), recs[0])
	}
	if f := r["fields"].([]any); len(f) != 5 || f[3].(map[string]any)["type"] != "numeric" || f[4].(map[string]any)["type"] != "int" {
		t.Errorf("fields %v", f)
	}
	if !strings.Contains(r["_links"].(map[string]any)["next"].(string), "offset=105") {
		t.Errorf("links %v", r["_links"])
	}

	r = search(url.Values{"resource_id": {weatherDef.Name}, "filters": {`{"station": "Handsjön", "snow_cm": [1, 5]}`}, "fields": {"station,snow_cm"}})
	for _, rec := range r["records"].([]any) {
		m := rec.(map[string]any)
		if m["station"] != "Handsjön" || (m["snow_cm"] != 1.0 && m["snow_cm"] != 5.0) || m["day"] != nil {
			t.Errorf("filtered record %v", m)
		}
	}
	if r["total"].(float64) == 0 {
		t.Error("filters matched nothing")
	}

	r = search(url.Values{"resource_id": {weatherDef.ID}, "q": {`"norra"`}, "sort": {"snow_cm desc, _id asc"}, "limit": {"3"}})
	recs = r["records"].([]any)
	if r["total"] != 83.0 || len(recs) != 3 || recs[0].(map[string]any)["snow_cm"] != 29.0 {
		t.Errorf("q and sort: total %v, first %v", r["total"], recs)
	}
}

func TestCKANErrors(t *testing.T) {
	s := newSeeded(t)
	for _, c := range []struct {
		action string
		params url.Values
		status int
		field  string
	}{
		{"package_show", url.Values{"id": {"no-such"}}, 404, ""},
		{"package_show", nil, 400, "id"},
		{"organization_show", url.Values{"id": {"no-such"}}, 404, ""},
		{"datastore_search", url.Values{"resource_id": {"no-such"}}, 404, ""},
		{"datastore_search", nil, 400, "resource_id"},
		{"datastore_search", url.Values{"resource_id": {weatherDef.ID}, "limit": {"-1"}}, 400, "limit"},
		{"datastore_search", url.Values{"resource_id": {weatherDef.ID}, "limit": {"40000"}}, 400, "limit"},
		{"datastore_search", url.Values{"resource_id": {weatherDef.ID}, "filters": {"[1]"}}, 400, "filters"},
		{"datastore_search", url.Values{"resource_id": {weatherDef.ID}, "filters": {`{"nope": 1}`}}, 400, "filters"},
		{"datastore_search", url.Values{"resource_id": {weatherDef.ID}, "filters": {`{"station": {"a": 1}}`}}, 400, "filters"},
		{"datastore_search", url.Values{"resource_id": {weatherDef.ID}, "sort": {"station sideways"}}, 400, "sort"},
		{"datastore_search", url.Values{"resource_id": {weatherDef.ID}, "fields": {"station,,day"}}, 400, "fields"},
		{"package_search", url.Values{"rows": {"x"}}, 400, "rows"},
		{"package_search", url.Values{"rows": {"1001"}}, 400, "rows"},
		{"package_search", url.Values{"start": {"-3"}}, 400, "start"},
		{"package_search", url.Values{"fq": {"secret:1"}}, 400, "fq"},
		{"package_search", url.Values{"fq": {`tags:"open`}}, 400, "fq"},
		{"package_search", url.Values{"sort": {"password asc"}}, 400, "sort"},
		{"package_search", url.Values{"facet.field": {"tags"}}, 400, "facet.field"},
		{"organization_list", url.Values{"all_fields": {"yes"}}, 400, "all_fields"},
	} {
		code, env := ckanCall(t, s, c.action, c.params)
		e, _ := env["error"].(map[string]any)
		if code != c.status || e == nil {
			t.Errorf("%s %v: %d %v, want %d", c.action, c.params, code, env, c.status)
			continue
		}
		if c.field != "" && (e["__type"] != "Validation Error" || e[c.field] == nil) {
			t.Errorf("%s %v: error %v, want a validation error of %s", c.action, c.params, e, c.field)
		}
		if c.status == 404 && e["__type"] != "Not Found Error" {
			t.Errorf("%s %v: error %v", c.action, c.params, e)
		}
	}
	code, env := ckanCall(t, s, "package_delete", nil)
	if code != 400 || env["error"].(map[string]any)["__type"] != "Bad Request" {
		t.Errorf("an unknown action: %d %v", code, env)
	}
}

// FuzzCKANQuery sends any query string to every action: the answer is
// always CKAN's JSON with 200, 400 or 404, never a 500 or a panic.
func FuzzCKANQuery(f *testing.F) {
	for _, seed := range []string{
		"q=snö&fq=tags:väder&rows=5&start=1&sort=name+asc&facet.field=[\"tags\"]",
		"resource_id=weather-per-station-day&filters={\"station\":[\"a\",1,null,true]}&q=x&limit=3&offset=2&sort=celsius+desc,_id&fields=station,_id",
		"fq=organization:\"a b\" name:x", "sort=,", "fields=,", "filters={\"station\":{}}", "limit=99999999999999999999", "id=weather-per-station-day",
		"all_fields=true&include_datasets=true&id=vasteras-stad",
	} {
		f.Add(seed)
	}
	s := newSeeded(f)
	mux := http.NewServeMux()
	s.svc.MountWith(mux, APIOptions{Rate: -1}) // fuzzing from one address must not hit the rate limit
	f.Fuzz(func(t *testing.T, query string) {
		for action := range s.svc.ckanActions() {
			req := httptest.NewRequest(http.MethodGet, "/api/3/action/"+action, nil)
			req.URL.RawQuery = query
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			var env map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
				t.Fatalf("%s?%s: not JSON (%d)", action, query, w.Code)
			}
			if w.Code != 200 && w.Code != 400 && w.Code != 404 {
				t.Fatalf("%s?%s: status %d %v", action, query, w.Code, env)
			}
		}
	})
}

// TestCKANPost calls actions as ckanapi does: POST with a JSON body.
func TestCKANPost(t *testing.T) {
	s := newSeeded(t)
	post := func(action, body string) (int, map[string]any) {
		resp, err := http.Post(s.srv.URL+"/api/3/action/"+action, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, env
	}
	code, env := post("datastore_search", `{"resource_id": "weather-per-station-day", "filters": {"station": "Handsjön"}, "limit": 2}`)
	if r, _ := env["result"].(map[string]any); code != 200 || len(r["records"].([]any)) != 2 || r["total"] != 83.0 {
		t.Errorf("POST datastore_search: %d %v", code, env)
	}
	if code, env = post("package_show", `{"id": 7}`); code != 404 {
		t.Errorf("POST package_show of a number: %d %v", code, env)
	}
	if code, env = post("package_show", `[1]`); code != 400 || env["success"] != false {
		t.Errorf("POST a list: %d %v", code, env)
	}
}

// FuzzCKANBody posts any body to every action: the answer is always
// CKAN's JSON with 200, 400 or 404.
func FuzzCKANBody(f *testing.F) {
	for _, seed := range []string{
		`{"resource_id": "weather-per-station-day", "filters": {"station": ["Handsjön", 1]}, "limit": 2, "sort": "celsius desc"}`,
		`{"q": "väder", "rows": 1e3, "facet.field": ["tags"]}`, `{"id": null}`, `[]`, `{"limit": {"a": 1}}`, ``,
	} {
		f.Add(seed)
	}
	s := newSeeded(f)
	mux := http.NewServeMux()
	s.svc.MountWith(mux, APIOptions{Rate: -1}) // fuzzing from one address must not hit the rate limit
	f.Fuzz(func(t *testing.T, body string) {
		for action := range s.svc.ckanActions() {
			req := httptest.NewRequest(http.MethodPost, "/api/3/action/"+action, strings.NewReader(body))
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			var env map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
				t.Fatalf("%s: not JSON (%d)", action, w.Code)
			}
			if w.Code != 200 && w.Code != 400 && w.Code != 404 {
				t.Fatalf("%s with %q: status %d %v", action, body, w.Code, env)
			}
		}
	})
}
