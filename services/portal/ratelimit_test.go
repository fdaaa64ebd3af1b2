package portal

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock           { return &fakeClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)} }

// serve serves r on h.
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// from is a GET of target from the remote address.
func from(remote, target string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, target, nil)
	r.RemoteAddr = remote
	return r
}

// TestRateLimit runs a client into its limit on a clock moved by hand:
// the burst passes, the next request is a 429 with Retry-After and the
// API's error, other clients are not affected, an IPv6 /64 is one client,
// loopback is not limited, and a token returns after 1/rate.
func TestRateLimit(t *testing.T) {
	s := newSeeded(t)
	clock := newFakeClock()
	mux := http.NewServeMux()
	s.svc.MountWith(mux, APIOptions{Rate: 0.5, Burst: 2, Now: clock.now})
	const path = "/api/v1/datasets"
	for i := range 2 {
		if w := serve(mux, from("203.0.113.9:4000", path)); w.Code != 200 {
			t.Fatalf("request %d within the burst: %d", i+1, w.Code)
		}
	}
	w := serve(mux, from("203.0.113.9:4001", path))
	var e v1Error
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code != 429 || w.Header().Get("Retry-After") != "2" ||
		e.Error.Code != "rate_limited" || w.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("over the limit: %d, Retry-After %q, %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	w = serve(mux, from("203.0.113.9:4002", "/api/3/action/package_list"))
	var env map[string]any
	if json.Unmarshal(w.Body.Bytes(), &env); w.Code != 429 || env["success"] != false || env["error"].(map[string]any)["__type"] != "Rate Limit Error" {
		t.Errorf("CKAN over the limit: %d %s", w.Code, w.Body)
	}
	if w := serve(mux, from("203.0.113.10:4000", path)); w.Code != 200 {
		t.Errorf("another client: %d", w.Code)
	}
	if w := serve(mux, from("127.0.0.1:4000", path)); w.Code != 200 {
		t.Errorf("loopback: %d", w.Code)
	}
	for i, remote := range []string{"[2001:db8:1:2::1]:80", "[2001:db8:1:2::ffff]:80", "[2001:db8:1:2:aaaa::1]:80"} {
		want := 200
		if i == 2 {
			want = 429
		}
		if w := serve(mux, from(remote, path)); w.Code != want {
			t.Errorf("IPv6 request %d of one /64: %d, want %d", i+1, w.Code, want)
		}
	}
	clock.add(1999 * time.Millisecond)
	if w := serve(mux, from("203.0.113.9:4000", path)); w.Code != 429 || w.Header().Get("Retry-After") != "1" {
		t.Errorf("1 ms before the token: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	clock.add(time.Millisecond)
	if w := serve(mux, from("203.0.113.9:4000", path)); w.Code != 200 {
		t.Errorf("at the token: %d", w.Code)
	}
	// Rate < 0: no limit.
	open := http.NewServeMux()
	s.svc.MountWith(open, APIOptions{Rate: -1, Now: clock.now})
	for i := range 200 {
		if w := serve(open, from("203.0.113.9:4000", path)); w.Code != 200 {
			t.Fatalf("no limit, request %d: %d", i+1, w.Code)
		}
	}
}

// TestRateLimiterForgets: past maxClients clients, the buckets that are
// full again are dropped, and a dropped client starts with a full bucket.
func TestRateLimiterForgets(t *testing.T) {
	clock := newFakeClock()
	l := newRateLimiter(1, 1, clock.now)
	first := clients{}.of(from("198.51.100.1:1", "/"))
	if l.take(first) != 0 || l.take(first) == 0 {
		t.Fatal("a bucket of one token")
	}
	clock.add(time.Second) // first's bucket is full again
	for i := range maxClients {
		l.take(clients{}.of(from("10."+itoa(i>>16)+"."+itoa(i>>8&255)+"."+itoa(i&255)+":1", "/")))
	}
	if len(l.clients) > maxClients {
		t.Errorf("%d clients held; want at most %d", len(l.clients), maxClients)
	}
	if _, ok := l.clients[first]; ok {
		t.Errorf("the full bucket was kept")
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestTrustedProxies: behind a trusted proxy, the client is the last
// address of X-Forwarded-For the proxies did not add (what a client writes
// in the header before it does not count); from anyone else the header is
// ignored.
func TestTrustedProxies(t *testing.T) {
	s := newSeeded(t)
	mux := http.NewServeMux()
	s.svc.MountWith(mux, APIOptions{Rate: 1, Burst: 1, Now: newFakeClock().now,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	via := func(remote string, xff ...string) int {
		r := from(remote, "/api/v1/datasets")
		for _, h := range xff {
			r.Header.Add("X-Forwarded-For", h)
		}
		return serve(mux, r).Code
	}
	if c := via("10.0.0.5:1", "203.0.113.50, 10.1.1.1"); c != 200 {
		t.Fatalf("first request through the proxies: %d", c)
	}
	if c := via("10.0.0.6:1", "192.0.2.99, 203.0.113.50", "10.2.2.2"); c != 429 {
		t.Errorf("the same client with a forged hop before it: %d, want 429", c)
	}
	if c := via("10.0.0.5:1", "203.0.113.51"); c != 200 {
		t.Errorf("another client through the proxy: %d", c)
	}
	if c := via("198.51.100.3:1", "203.0.113.52"); c != 200 {
		t.Fatalf("an untrusted remote: %d", c)
	}
	if c := via("198.51.100.3:1", "203.0.113.53"); c != 429 {
		t.Errorf("an untrusted remote is its own client whatever its header says: %d, want 429", c)
	}
	if got := truncatedClient(clients{trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, func() *http.Request {
		r := from("10.0.0.5:1", "/")
		r.Header.Set("X-Forwarded-For", "203.0.113.50")
		return r
	}()); got != "203.0.113.0/24" {
		t.Errorf("logged client %q", got)
	}
}
