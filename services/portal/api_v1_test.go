package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// rowsPage is a page of GET /api/v1/datasets/{id}/rows as a client reads it.
type rowsBody struct {
	DatasetID  string                       `json:"dataset_id"`
	Version    int                          `json:"version"`
	Fields     []string                     `json:"fields"`
	Data       []map[string]json.RawMessage `json:"data"`
	NextCursor string                       `json:"next_cursor"`
	Next       string                       `json:"next"`
}

func getV1(t *testing.T, url string, v any) int {
	t.Helper()
	resp, body := get(t, url)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: Content-Type %q (%d)", url, ct, resp.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return resp.StatusCode
}

// TestV1RowsPaging pages through a version with next until it ends: every
// row once, in order, each page at most limit rows; a version published
// meanwhile does not move the pages, which stay on their version.
func TestV1RowsPaging(t *testing.T) {
	for name, dsn := range storeDSNs(t) {
		t.Run(name, func(t *testing.T) { testV1RowsPaging(t, newSeededAt(t, dsn(t))) })
	}
}

func testV1RowsPaging(t *testing.T, s *seeded) {
	next := "/api/v1/datasets/weather-per-station-day/rows?limit=100"
	var got []int64
	pages := 0
	for next != "" {
		var page rowsBody
		if code := getV1(t, s.srv.URL+next, &page); code != 200 {
			t.Fatalf("%s: %d", next, code)
		}
		if page.Version != 2 || len(page.Data) > 100 || !slices.Equal(page.Fields, weatherCols) {
			t.Fatalf("%s: version %d, %d rows, fields %v", next, page.Version, len(page.Data), page.Fields)
		}
		for _, row := range page.Data {
			var no int64
			json.Unmarshal(row["_row"], &no)
			got = append(got, no)
		}
		if pages++; pages == 1 { // a new version arrives after the first page
			seedVersion(t, s.svc.store, weatherDef, 3, time.Date(2026, 11, 5, 4, 0, 0, 0, time.UTC), weatherCols, weatherRows(5))
		}
		next = page.Next
	}
	if pages != 3 || len(got) != 250 || got[0] != 1 || got[249] != 250 || !slices.IsSorted(got) {
		t.Fatalf("%d pages, %d rows (%v…): want 3 pages of version 2's 250 rows in order", pages, len(got), got[:min(3, len(got))])
	}
	var latest rowsBody
	getV1(t, s.srv.URL+"/api/v1/datasets/weather-per-station-day/rows", &latest)
	if latest.Version != 3 || len(latest.Data) != 5 || latest.Next != "" {
		t.Errorf("without a cursor: version %d, %d rows, next %q; want the new version 3's 5 rows", latest.Version, len(latest.Data), latest.Next)
	}
}

// TestV1RowsSelection filters by column and selects fields: only the
// matching rows, across pages, with only _row and the fields, in order.
func TestV1RowsSelection(t *testing.T) {
	s := newSeeded(t)
	q := url.Values{"station": {"Handsjön"}, "fields": {"snow_cm,day"}, "limit": {"30"}, "version": {"2"}}
	next := "/api/v1/datasets/" + weatherDef.ID + "/rows?" + q.Encode()
	n := 0
	for next != "" {
		var page rowsBody
		if code := getV1(t, s.srv.URL+next, &page); code != 200 {
			t.Fatalf("%s: %d", next, code)
		}
		for _, row := range page.Data {
			var no int64
			json.Unmarshal(row["_row"], &no)
			want := weatherRows(int(no))[no-1]
			if len(row) != 3 || string(row["day"]) != string(want[1]) || string(row["snow_cm"]) != string(want[3]) || (no-1)%3 != 1 {
				t.Fatalf("row %d: %v; want Handsjön's day and snow_cm", no, row)
			}
			n++
		}
		if !slices.Equal(page.Fields, []string{"snow_cm", "day"}) {
			t.Fatalf("fields %v", page.Fields)
		}
		next = page.Next
	}
	if n != 83 {
		t.Errorf("%d rows of Handsjön; want 83", n)
	}
	// Two values of one column: either.
	var page rowsBody
	getV1(t, s.srv.URL+"/api/v1/datasets/"+weatherDef.ID+"/rows?limit=1000&station=Handsj%C3%B6n&station=V%C3%A4ster%C3%A5s", &page)
	if len(page.Data) != 167 || page.Next != "" {
		t.Errorf("two stations: %d rows, next %q; want 167 and no next", len(page.Data), page.Next)
	}
}

// TestV1Errors: every invalid parameter is a 400 with the JSON error that
// names the parameter and never repeats the value; unknown ids are 404.
func TestV1Errors(t *testing.T) {
	s := newSeeded(t)
	const secret = "199001011234"
	rows := "/api/v1/datasets/weather-per-station-day/rows"
	var first rowsBody
	getV1(t, s.srv.URL+rows+"?limit=1", &first)
	other := "/api/v1/datasets/food-waste-per-kitchen/rows"
	tampered := []byte(first.NextCursor)
	tampered[3] ^= 1
	for _, tc := range []struct {
		path, param string
		status      int
	}{
		{rows + "?limit=0", "limit", 400},
		{rows + "?limit=" + secret, "limit", 400},
		{rows + "?limit=1&limit=2", "limit", 400},
		{rows + "?version=x" + secret, "version", 400},
		{rows + "?cursor=" + secret, "cursor", 400},
		{rows + "?cursor=" + url.QueryEscape(string(tampered)), "cursor", 400},
		{rows + "?cursor=" + first.NextCursor + "&version=1", "cursor", 400},
		{other + "?cursor=" + first.NextCursor, "cursor", 400},
		{"/api/v1/datasets?cursor=" + first.NextCursor, "cursor", 400},
		{rows + "?fields=station," + secret, "fields", 400},
		{rows + "?" + secret + "=1", "query", 400},
		{"/api/v1/datasets?" + secret + "=1", "query", 400},
		{"/api/v1/datasets/weather-per-station-day?x=" + secret, "query", 400},
		{rows + "?version=9", "", 404},
		{"/api/v1/datasets/" + secret, "", 404},
		{"/api/v1/" + secret, "", 404},
	} {
		resp, body := get(t, s.srv.URL+tc.path)
		var e v1Error
		if err := json.Unmarshal(body, &e); err != nil || resp.StatusCode != tc.status || e.Error.Status != tc.status || e.Error.Parameter != tc.param {
			t.Errorf("%s: %d %s; want %d naming %q", tc.path, resp.StatusCode, body, tc.status, tc.param)
		}
		if strings.Contains(string(body), secret) {
			t.Errorf("%s: the error repeats the value: %s", tc.path, body)
		}
	}
}

// TestV1Datasets pages through the datasets by name and shows one with its
// versions, newest first.
func TestV1Datasets(t *testing.T) {
	s := newSeeded(t)
	var names []string
	next := "/api/v1/datasets?limit=1"
	for next != "" {
		var page struct {
			Data []v1Dataset `json:"data"`
			Next string      `json:"next"`
		}
		if code := getV1(t, s.srv.URL+next, &page); code != 200 || len(page.Data) != 1 {
			t.Fatalf("%s: %d, %d datasets", next, code, len(page.Data))
		}
		names = append(names, page.Data[0].Name)
		next = page.Next
	}
	if !slices.Equal(names, []string{"food-waste-per-kitchen", "weather-per-station-day"}) {
		t.Errorf("datasets %v", names)
	}
	var found struct{ Data []v1Dataset }
	getV1(t, s.srv.URL+"/api/v1/datasets?q=sn%C3%B6djup", &found)
	if len(found.Data) != 1 || found.Data[0].ID != weatherDef.ID {
		t.Errorf("q=snödjup: %+v", found.Data)
	}
	var d v1Dataset
	if code := getV1(t, s.srv.URL+"/api/v1/datasets/"+weatherDef.ID, &d); code != 200 {
		t.Fatalf("show: %d", code)
	}
	if d.Name != weatherDef.Name || d.LatestVersion != 2 || d.RowCount != 250 || len(d.Versions) != 2 || d.Versions[0].Version != 2 ||
		len(d.Columns) != 4 || d.Columns[2].Type != "number" || d.Links["events"] != "https://data.vasteras.se/datasets/"+weatherDef.ID+"/events" {
		t.Errorf("show: %+v", d)
	}
}

// TestCORS: the APIs and feeds allow any origin, and answer the preflight.
func TestCORS(t *testing.T) {
	s := newSeeded(t)
	for _, path := range []string{"/api/v1/datasets", "/api/openapi.json", "/api/3/action/package_list", "/datasets/" + weatherDef.Name + "/feed.atom"} {
		resp, _ := get(t, s.srv.URL+path, "Origin", "https://example.org")
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("GET %s: %d, Allow-Origin %q", path, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
		resp, _ = do(t, http.MethodOptions, s.srv.URL+path, "Origin", "https://example.org", "Access-Control-Request-Method", "GET")
		if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") {
			t.Errorf("OPTIONS %s: %d %v", path, resp.StatusCode, resp.Header)
		}
	}
	if resp, _ := get(t, s.srv.URL+"/catalog.rdf"); resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the catalog is no API, yet allows origins")
	}
}

// FuzzV1Query sends any query string to the v1 API's endpoints: the answer
// is always its JSON with 200, 400 or 404, never a 500 or a panic.
func FuzzV1Query(f *testing.F) {
	for _, seed := range []string{
		"limit=5&fields=station,day&station=Handsj%C3%B6n", "cursor=eyJrIjoicm93cyJ9.AAAA", "limit=-1", "fields=", "fields=,,",
		"version=0", "version=99999999999999999999", "q=v%C3%A4der&limit=1", "celsius=-9.5&snow_cm=", "cursor=.",
	} {
		f.Add(seed)
	}
	s := newSeeded(f)
	mux := http.NewServeMux()
	s.svc.MountWith(mux, APIOptions{Rate: -1})
	f.Fuzz(func(t *testing.T, query string) {
		for _, path := range []string{"/api/v1/datasets", "/api/v1/datasets/weather-per-station-day", "/api/v1/datasets/weather-per-station-day/rows"} {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			req.URL.RawQuery = query
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, req)
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("%s?%s: not JSON (%d)", path, query, w.Code)
			}
			if w.Code != 200 && w.Code != 400 && w.Code != 404 {
				t.Fatalf("%s?%s: status %d %v", path, query, w.Code, body)
			}
		}
	})
}

// BenchmarkV1RowsDepth reads a page of 100 rows at the start and near the
// end of a version of 100 000 rows: by the cursor's row number, both cost
// the same.
func BenchmarkV1RowsDepth(b *testing.B) {
	svc, err := New(context.Background(), Config{DB: b.TempDir() + "/portal.db"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close() })
	const n = 100_000
	seedVersion(b, svc.store, weatherDef, 1, time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), weatherCols, weatherRows(n))
	key := []byte("bench")
	mux := http.NewServeMux()
	svc.MountWith(mux, APIOptions{Rate: -1, CursorKey: key})
	for _, depth := range []int64{0, n / 2, n - 200} {
		b.Run("after="+strconv.FormatInt(depth, 10), func(b *testing.B) {
			target := "/api/v1/datasets/" + weatherDef.ID + "/rows?limit=100"
			if depth > 0 {
				target += "&cursor=" + newCursorCodec(key).encode(cursor{Kind: "rows", Dataset: weatherDef.ID, Version: 1, Row: depth})
			}
			for b.Loop() {
				if w := serve(mux, httptest.NewRequest(http.MethodGet, target, nil)); w.Code != 200 {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
