package casework

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Sign-in lockout: after freeAttempts failed sign-ins in a row, a
// username or a client address is locked for lockBase, doubling with
// every further failure up to lockMax. A success clears the username's
// count (not the address's: one right password does not excuse a spray).
const (
	freeAttempts = 5
	lockBase     = time.Second
	lockMax      = 15 * time.Minute
	maxTracked   = 10_000 // entries kept before expired ones are dropped
)

// lockout counts failed sign-ins by username and by client address.
type lockout struct {
	mu    sync.Mutex
	fails map[string]*failures
}

type failures struct {
	n     int
	until time.Time // locked until
}

// keys are the lockout keys of a sign-in: its username and its client
// address (the connection's, not a header's, which a client could set).
func lockKeys(r *http.Request, username string) []string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return []string{"user:" + username, "addr:" + host}
}

// locked returns how long the first of keys stays locked, or 0.
func (l *lockout) locked(now time.Time, keys []string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if f := l.fails[k]; f != nil && now.Before(f.until) {
			return f.until.Sub(now)
		}
	}
	return 0
}

// failed counts a failed sign-in against keys.
func (l *lockout) failed(now time.Time, keys []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fails == nil {
		l.fails = map[string]*failures{}
	}
	if len(l.fails) >= maxTracked {
		for k, f := range l.fails {
			if now.After(f.until.Add(lockMax)) {
				delete(l.fails, k)
			}
		}
	}
	for _, k := range keys {
		f := l.fails[k]
		if f == nil {
			f = &failures{}
			l.fails[k] = f
		}
		f.n++
		if f.n >= freeAttempts {
			f.until = now.Add(min(lockBase<<min(f.n-freeAttempts, 20), lockMax))
		}
	}
}

// succeeded clears the username's count.
func (l *lockout) succeeded(keys []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, keys[0])
}
