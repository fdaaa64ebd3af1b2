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
	"strings"
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
	oidc bool // signed in by OpenID Connect
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

// startSession stores a new session for u and sets its cookie: a local
// user's (who is looked up in the users file at every request), or, when
// fromOIDC, one whose role and units are stored with the session.
func (s *Service) startSession(w http.ResponseWriter, r *http.Request, u *User, fromOIDC bool) error {
	token, csrf := randomToken(), randomToken()
	now, until := ts(time.Now()), ts(time.Now().Add(sessionTTL))
	for _, table := range []string{"casework_sessions", "casework_oidc_sessions"} {
		if _, err := s.store.db.ExecContext(r.Context(), s.store.db.Q(`DELETE FROM `+table+` WHERE expires_at < ?`), now); err != nil {
			return fmt.Errorf("casework: drop expired sessions: %w", err)
		}
	}
	var err error
	if fromOIDC {
		if err := s.store.rememberPerson(r.Context(), u); err != nil {
			return err
		}
		_, err = s.store.db.ExecContext(r.Context(), s.store.db.Q(`INSERT INTO casework_oidc_sessions (token_hash, username, name, role, units, csrf, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			tokenHash(token), u.Username, u.Name, string(u.Role), strings.Join(u.Units, "\n"), csrf, until)
	} else {
		_, err = s.store.db.ExecContext(r.Context(), s.store.db.Q(`INSERT INTO casework_sessions (token_hash, username, csrf, expires_at) VALUES (?, ?, ?, ?)`),
			tokenHash(token), u.Username, csrf, until)
	}
	if err != nil {
		return fmt.Errorf("casework: start session: %w", err)
	}
	http.SetCookie(w, s.cookie(sessionCookie, token, int(sessionTTL/time.Second)))
	return nil
}

// session returns the request's live session, or nil. A local user's
// session whose user is no longer in the users file is no session.
func (s *Service) session(r *http.Request) (*session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	var name, csrf, expires, origin, display, role, units string
	h := tokenHash(c.Value)
	err = s.store.queryRow(r.Context(), `SELECT username, csrf, expires_at, 'local', '', '', '' FROM casework_sessions WHERE token_hash = ?
UNION ALL SELECT username, csrf, expires_at, 'oidc', name, role, units FROM casework_oidc_sessions WHERE token_hash = ?`,
		h, h).Scan(&name, &csrf, &expires, &origin, &display, &role, &units)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("casework: read session: %w", err)
	}
	until, _ := time.Parse(time.RFC3339Nano, expires)
	if time.Now().After(until) {
		return nil, nil
	}
	u := s.cfg.Users[name]
	if origin == "oidc" {
		u = &User{Username: name, Name: display, Role: Role(role), Units: strings.Split(units, "\n")}
	}
	if u == nil {
		return nil, nil
	}
	return &session{user: u, csrf: csrf, oidc: origin == "oidc"}, nil
}

// endSession deletes the request's session and its cookie.
func (s *Service) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, s.cookie(sessionCookie, "", -1))
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	for _, table := range []string{"casework_sessions", "casework_oidc_sessions"} {
		if _, err := s.store.db.ExecContext(ctx, s.store.db.Q(`DELETE FROM `+table+` WHERE token_hash = ?`), tokenHash(c.Value)); err != nil {
			return err
		}
	}
	return nil
}

// rememberPerson keeps u, signed in by OpenID Connect, as their ID token
// made them, so that cases can be assigned to them.
func (st *store) rememberPerson(ctx context.Context, u *User) error {
	_, err := st.db.ExecContext(ctx, st.db.Q(`INSERT INTO casework_people (username, name, role, units, seen_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (username) DO UPDATE SET name = excluded.name, role = excluded.role, units = excluded.units, seen_at = excluded.seen_at`),
		u.Username, u.Name, string(u.Role), strings.Join(u.Units, "\n"), ts(time.Now()))
	if err != nil {
		return fmt.Errorf("casework: remember a person: %w", err)
	}
	return nil
}

// people are the users who have signed in by OpenID Connect.
func (st *store) people(ctx context.Context) ([]*User, error) {
	rows, err := st.query(ctx, `SELECT username, name, role, units FROM casework_people ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("casework: read people: %w", err)
	}
	defer rows.Close()
	var out []*User
	for rows.Next() {
		var u User
		var role, units string
		if err := rows.Scan(&u.Username, &u.Name, &role, &units); err != nil {
			return nil, err
		}
		u.Role, u.Units = Role(role), strings.Split(units, "\n")
		out = append(out, &u)
	}
	return out, rows.Err()
}
