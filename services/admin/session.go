package admin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"sync"
	"time"
)

// The session cookie and its lifetime. Sessions live in memory: a restart
// signs everyone out, which suits a face for a few system owners.
const (
	sessionCookie = "civicbus_admin"
	sessionTTL    = 8 * time.Hour
)

// session is a signed-in owner and the CSRF token their forms carry.
type session struct {
	csrf    string
	expires time.Time
}

// sessions are the live sessions by the hash of their cookie's token.
type sessions struct {
	mu sync.Mutex
	m  map[[32]byte]*session
}

func newSessions() *sessions { return &sessions{m: map[[32]byte]*session{}} }

// start stores a new session and returns its cookie's token.
func (ss *sessions) start() string {
	token := randomToken()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := time.Now()
	for k, v := range ss.m {
		if now.After(v.expires) {
			delete(ss.m, k)
		}
	}
	ss.m[sha256.Sum256([]byte(token))] = &session{csrf: randomToken(), expires: now.Add(sessionTTL)}
	return token
}

// get returns the request's live session, or nil.
func (ss *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sess := ss.m[sha256.Sum256([]byte(c.Value))]
	if sess == nil || time.Now().After(sess.expires) {
		return nil
	}
	return sess
}

// end forgets the request's session.
func (ss *sessions) end(r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, sha256.Sum256([]byte(c.Value)))
}

func (s *Service) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: s.cfg.Prefix, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.cfg.SecureCookies}
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// sameToken compares two tokens in constant time (of their hashes, so the
// length leaks nothing either); empty never matches.
func sameToken(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return a != "" && b != "" && subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}
