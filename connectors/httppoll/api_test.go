package httppoll_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// api is a municipal JSON API in the style of an observations service:
// a paged list, an ETag and Last-Modified per version of the list, an
// optional bearer token, and scripted failures answered first.
//
// Wrapped (the default) pages are {"data": {"items": [...]}, "links":
// {"next": "/api/v1/observations?page=2"}}; with link set, pages are bare
// arrays and the next page is in a Link header.
type api struct {
	srv      *httptest.Server
	mu       sync.Mutex
	items    []any
	version  int
	pageSize int
	link     bool
	token    string
	script   []reply
	reqs     []request
	answered map[int]int // status code → how many
	redirect string      // the Location of scripted answers
}

// reply is a scripted answer.
type reply struct {
	code       int
	ctype      string
	body       string
	retryAfter string
}

// request is what the API saw.
type request struct {
	url, auth, ifNoneMatch, ifModifiedSince string
}

const path = "/api/v1/observations"

func newAPI(t *testing.T, pageSize int, link bool) *api {
	a := &api{pageSize: pageSize, link: link, answered: map[int]int{}}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *api) url() string { return a.srv.URL + path }

func (a *api) add(items ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.items = append(a.items, items...)
	a.version++
}

func (a *api) push(r ...reply) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.script = append(a.script, r...)
}

func (a *api) requests() []request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]request(nil), a.reqs...)
}

func (a *api) count(code int) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.answered[code]
}

func (a *api) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reqs = append(a.reqs, request{r.URL.String(), r.Header.Get("Authorization"), r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")})
	answer := func(code int) { a.answered[code]++; w.WriteHeader(code) }
	if len(a.script) > 0 {
		s := a.script[0]
		a.script = a.script[1:]
		w.Header().Set("Content-Type", s.ctype)
		if a.redirect != "" {
			w.Header().Set("Location", a.redirect)
		}
		if s.retryAfter != "" {
			w.Header().Set("Retry-After", s.retryAfter)
		}
		answer(s.code)
		fmt.Fprint(w, s.body)
		return
	}
	if r.URL.Path != path {
		answer(http.StatusNotFound)
		return
	}
	if a.token != "" && r.Header.Get("Authorization") != "Bearer "+a.token {
		w.Header().Set("Content-Type", "application/problem+json")
		answer(http.StatusUnauthorized)
		fmt.Fprint(w, `{"title":"unauthorized"}`)
		return
	}
	etag := fmt.Sprintf(`"obs-v%d"`, a.version)
	modified := time.Date(2024, 1, 1, 6, 0, 0, 0, time.UTC).Add(time.Duration(a.version) * time.Minute).Format(http.TimeFormat)
	page := 1
	if p := r.URL.Query().Get("page"); p != "" {
		page, _ = strconv.Atoi(p)
	}
	if page == 1 && r.Header.Get("If-None-Match") == etag {
		answer(http.StatusNotModified)
		return
	}
	from := min((page-1)*a.pageSize, len(a.items))
	to := min(from+a.pageSize, len(a.items))
	next := ""
	if to < len(a.items) {
		next = fmt.Sprintf("%s?page=%d", path, page+1)
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", modified)
	var body any = a.items[from:to]
	if a.link {
		if next != "" {
			w.Header().Add("Link", fmt.Sprintf(`<%s%s>; rel="next", <%s%s?page=1>; rel="first"`, a.srv.URL, next, a.srv.URL, path))
		}
	} else {
		links := map[string]any{"self": fmt.Sprintf("%s?page=%d", path, page), "next": nil}
		if next != "" {
			links["next"] = next
		}
		body = map[string]any{"data": map[string]any{"items": a.items[from:to], "total": len(a.items)}, "links": links}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	a.answered[http.StatusOK]++
	_ = json.NewEncoder(w).Encode(body)
}

// observation is one reading of a weather station, as the API has it.
func observation(station string, i int) map[string]any {
	return map[string]any{
		"station": station,
		"name":    "Västerås",
		"time":    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour).Format(time.RFC3339),
		"temp":    -3.5 + float64(i%10)/2,
		"quality": "G",
	}
}
