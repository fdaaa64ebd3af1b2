package portal

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
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

// clientOf is the network a request comes from: its IPv4 address, or its
// IPv6 address's /64 (one subscriber's usual allocation). A remote address
// that is not an IP address is the zero prefix, one client.
func clientOf(r *http.Request) netip.Prefix {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}
	}
	addr = addr.Unmap().WithZone("")
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}

// limited answers a client over its rate with 429, Retry-After (whole
// seconds, rounded up) and reject's body; other requests go to next.
// Requests from a loopback address are not limited: they come from this
// host (a reverse proxy, whose clients all share its address, or a test).
func (l *rateLimiter) limited(reject func(http.ResponseWriter, *http.Request), next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := clientOf(r)
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
