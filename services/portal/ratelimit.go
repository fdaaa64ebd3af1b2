package portal

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxClients is how many clients' buckets the limiter holds before it
// forgets those that are full again (as a new client's would be); when
// too few are, it holds on until their number doubles.
const maxClients = 10000

// rateLimiter gives each client, by IP address, a token bucket of burst
// tokens refilled at limit per second. Its clock is now, so tests can move
// it by hand.
type rateLimiter struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	clients map[netip.Prefix]*rate.Limiter
	sweepAt int // the number of clients at which to forget the full buckets
}

func newRateLimiter(limit rate.Limit, burst int, now func() time.Time) *rateLimiter {
	return &rateLimiter{limit: limit, burst: burst, now: now, clients: map[netip.Prefix]*rate.Limiter{}, sweepAt: maxClients}
}

// take takes a token for client; it returns 0 when the request may go on,
// else how long until the client's next token.
func (l *rateLimiter) take(client netip.Prefix) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.clients[client]
	if !ok {
		if len(l.clients) >= l.sweepAt {
			l.forgetFull(now)
			// Sweep again when the clients held have doubled, so that many
			// busy clients do not make every new one pay for a sweep.
			l.sweepAt = max(maxClients, 2*len(l.clients))
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.clients[client] = lim
	}
	res := lim.ReserveN(now, 1)
	if !res.OK() {
		return time.Hour // burst 0: never
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

func (l *rateLimiter) forgetFull(now time.Time) {
	for k, lim := range l.clients {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.clients, k)
		}
	}
}

// clients finds a request's client address: the remote address, or, when
// that is one of the trusted proxies, the last address of
// X-Forwarded-For that is not (the one the proxies saw).
type clients struct{ trusted []netip.Prefix }

func (c clients) isTrusted(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// addr is the request's client address; invalid when it has none.
func (c clients) addr(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	addr = addr.Unmap().WithZone("")
	if !c.isTrusted(addr) {
		return addr
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return addr // a hop that is no address: stop at the proxy
		}
		if hop = hop.Unmap().WithZone(""); !c.isTrusted(hop) {
			return hop
		}
		addr = hop
	}
	return addr
}

// of is the network a request comes from: its client's IPv4 address, or
// its IPv6 address's /64 (one subscriber's usual allocation); the zero
// prefix, one client, when the request has no client address.
func (c clients) of(r *http.Request) netip.Prefix {
	return prefix(c.addr(r), 32, 64)
}

// prefix is addr's network of v4 bits (IPv4) or v6 bits (IPv6); the zero
// prefix for an invalid addr.
func prefix(addr netip.Addr, v4, v6 int) netip.Prefix {
	if !addr.IsValid() {
		return netip.Prefix{}
	}
	bits := v4
	if addr.Is6() {
		bits = v6
	}
	p, _ := addr.Prefix(bits)
	return p
}

// limited answers a client over its rate with 429, Retry-After (whole
// seconds, rounded up) and reject's body; other requests go to next.
// Requests from a loopback address are not limited: they come from this
// host (a reverse proxy, whose clients all share its address, or a test).
func (l *rateLimiter) limited(c clients, reject func(http.ResponseWriter, *http.Request), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := c.of(r)
		if client.Addr().IsLoopback() {
			next.ServeHTTP(w, r)
			return
		}
		if wait := l.take(client); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			reject(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
