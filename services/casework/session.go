package casework

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Session cookies and their lifetime.
const (
	sessionCookie = "casework_session"
	loginCookie   = "casework_login" // the sign-in form's CSRF token, before there is a session
	sessionTTL    = 8 * time.Hour
)

// session is a signed-in user and the CSRF token their forms carry.
type session struct {
	user *User
	csrf string
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// tokenHash is how a session token is stored: a stolen table opens no
// session.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// sameToken compares two tokens in constant time; empty never matches.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func (s *Service) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: s.cfg.Prefix, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.cfg.SecureCookies}
}

// startSession stores a new session for u and sets its cookie.
func (s *Service) startSession(w http.ResponseWriter, r *http.Request, u *User) error {
	token, csrf := randomToken(), randomToken()
	if _, err := s.store.db.ExecContext(r.Context(), s.store.db.Q(`DELETE FROM casework_sessions WHERE expires_at < ?`), ts(time.Now())); err != nil {
		return fmt.Errorf("casework: drop expired sessions: %w", err)
	}
	_, err := s.store.db.ExecContext(r.Context(), s.store.db.Q(`INSERT INTO casework_sessions (token_hash, username, csrf, expires_at) VALUES (?, ?, ?, ?)`),
		tokenHash(token), u.Username, csrf, ts(time.Now().Add(sessionTTL)))
	if err != nil {
		return fmt.Errorf("casework: start session: %w", err)
	}
	http.SetCookie(w, s.cookie(sessionCookie, token, int(sessionTTL/time.Second)))
	return nil
}

// session returns the request's live session, or nil. A session whose
// user is no longer in the users file is no session.
func (s *Service) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	var name, csrf, expires string
	err = s.store.db.QueryRowContext(r.Context(), s.store.db.Q(`SELECT username, csrf, expires_at FROM casework_sessions WHERE token_hash = ?`),
		tokenHash(c.Value)).Scan(&name, &csrf, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("casework: read session: %w", err)
	}
	until, _ := time.Parse(time.RFC3339Nano, expires)
	u := s.cfg.Users[name]
	if u == nil || time.Now().After(until) {
		return nil, nil
	}
	return &session{user: u, csrf: csrf}, nil
}

// endSession deletes the request's session and its cookie.
func (s *Service) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, s.cookie(sessionCookie, "", -1))
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	_, err = s.store.db.ExecContext(ctx, s.store.db.Q(`DELETE FROM casework_sessions WHERE token_hash = ?`), tokenHash(c.Value))
	return err
}
