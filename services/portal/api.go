package portal

import (
	"cmp"
	"net/http"
	"net/netip"
	"net/url"
	"time"

	"golang.org/x/time/rate"
)

// The APIs' default rate limit per client.
const (
	DefaultRate  = 20 // requests per second, sustained
	DefaultBurst = 100
)

// APIOptions configures the portal's APIs (the v1 API, the CKAN Action
// API, the OpenAPI document and the change feeds). Zero fields take the
// defaults.
type APIOptions struct {
	// Rate is how many requests per second a client (an IPv4 address or an
	// IPv6 /64; loopback is not limited) may make to the APIs, sustained;
	// default DefaultRate.
	// Negative: no limit.
	Rate float64
	// Burst is how many requests a client may make at once; default
	// DefaultBurst.
	Burst int
	// Now is the rate limiter's clock; default time.Now.
	Now func() time.Time
	// CursorKey signs the v1 API's cursors. Replicas behind one address
	// must share it; default a random key per process, so cursors do not
	// outlive it (an unknown cursor is a 400 that says to start again).
	CursorKey []byte
	// TrustedProxies are the reverse proxies in front of the portal: for a
	// request from one of them, the client (for the rate limit and the
	// access log) is the last address of X-Forwarded-For that is none of
	// them. Default none: the client is the remote address.
	TrustedProxies []netip.Prefix
	// Poll is how often an event stream reads the store when this process
	// stored nothing (for versions another replica stored), and sends a
	// keep-alive; default 15 s.
	Poll time.Duration
}

// api serves the portal's APIs with their options.
type api struct {
	s       *Service
	cursors cursorCodec
	limiter *rateLimiter // nil: no limit
	clients clients
	poll    time.Duration
}

func newAPI(s *Service, o APIOptions) *api {
	a := &api{s: s, cursors: newCursorCodec(o.CursorKey), poll: cmp.Or(o.Poll, defaultPoll), clients: clients{trusted: o.TrustedProxies}}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rate >= 0 {
		a.limiter = newRateLimiter(rate.Limit(cmp.Or(o.Rate, DefaultRate)), cmp.Or(o.Burst, DefaultBurst), o.Now)
	}
	return a
}

// mount serves the APIs on mux, each behind the access log, CORS and the
// rate limit:
//
//	GET /api/v1/datasets, /api/v1/datasets/{id}, /api/v1/datasets/{id}/rows
//	GET /api/openapi.json
//	GET, POST /api/3/action/{action}
//	GET /datasets/{id}/feed.atom, /datasets/{id}/events
//	OPTIONS on each (the CORS preflight)
func (a *api) mount(mux *http.ServeMux) {
	v1 := func(h http.Handler) http.Handler { return a.wrap(h, a.rejectV1) }
	for path, h := range a.v1Handlers() {
		mux.Handle("GET "+path, v1(h))
	}
	mux.Handle("/api/v1/", v1(http.HandlerFunc(a.notFound)))
	mux.Handle("GET /api/openapi.json", v1(http.HandlerFunc(a.openAPI)))
	mux.Handle("GET /datasets/{id}/feed.atom", v1(http.HandlerFunc(a.s.handleFeedAtom)))
	mux.Handle("GET /datasets/{id}/events", v1(a.s.handleEvents(a.poll)))
	ckan := func(h http.HandlerFunc) http.Handler { return a.wrap(h, a.rejectCKAN) }
	mux.Handle("GET /api/3/action/{action}", ckan(a.s.handleCKAN))
	mux.Handle("POST /api/3/action/{action}", ckan(a.s.handleCKAN))
	for _, p := range []string{"/api/v1/", "/api/openapi.json", "/api/3/", "/datasets/{id}/feed.atom", "/datasets/{id}/events"} {
		mux.Handle("OPTIONS "+p, a.logged(http.HandlerFunc(preflight)))
	}
}

// wrap puts h behind the access log, CORS and, when limited, the rate
// limit, whose rejections reject writes.
func (a *api) wrap(h http.Handler, reject func(http.ResponseWriter, *http.Request)) http.Handler {
	if a.limiter != nil {
		h = a.limiter.limited(a.clients, reject, h)
	}
	return a.logged(corsOpen(h))
}

// logged puts h behind the access log.
func (a *api) logged(h http.Handler) http.Handler { return accessLogged(a.s.cfg.Logger, a.clients, h) }

const rateMessage = "too many requests from your network; wait for Retry-After seconds"

// rejectV1 is the v1 API's 429.
func (a *api) rejectV1(w http.ResponseWriter, _ *http.Request) {
	writeV1(w, http.StatusTooManyRequests, newV1Error(http.StatusTooManyRequests, "rate_limited", "", rateMessage))
}

// rejectCKAN is the CKAN Action API's 429, in CKAN's envelope.
func (a *api) rejectCKAN(w http.ResponseWriter, r *http.Request) {
	writeCKAN(w, http.StatusTooManyRequests, map[string]any{
		"help":    a.s.cfg.BaseURL + "/api/3/action/help_show?name=" + url.QueryEscape(r.PathValue("action")),
		"success": false, "error": map[string]any{"__type": "Rate Limit Error", "message": rateMessage}})
}

// corsOpen lets any origin read the response.
func corsOpen(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Expose-Headers", "Retry-After, ETag, Last-Modified")
		h.ServeHTTP(w, r)
	})
}

// preflight answers a CORS preflight: any origin may GET (and POST, which
// only the read-only CKAN actions take) with the headers the APIs read.
func preflight(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Last-Event-ID, If-None-Match, If-Modified-Since")
	h.Set("Access-Control-Max-Age", "86400")
	h.Set("Allow", "GET, HEAD, POST, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
}
