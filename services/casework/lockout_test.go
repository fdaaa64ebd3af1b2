package casework

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestSignInLockout: after freeAttempts wrong passwords for a user, the
// next sign-in — even with the right password, even of another user
// from the same address — is refused 429 with Retry-After, and the log
// names the reason without the username.
func TestSignInLockout(t *testing.T) {
	var logs syncBuffer
	w := newWeb(t, t.TempDir()+"/c.db", func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	c := w.anonymous(t)
	signIn := func(username, password string) *http.Response {
		t.Helper()
		_, body := c.get("/casework/login")
		resp, err := c.http.PostForm(w.srv.URL+"/casework/login", url.Values{
			"csrf": {csrfField.FindStringSubmatch(body)[1]}, "username": {username}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for i := range freeAttempts {
		if resp := signIn("anna", "fel-lösenord"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i+1, resp.StatusCode)
		}
	}
	for _, who := range []string{"anna", "bo"} {
		resp := signIn(who, "demo-"+who)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("%s's right password after %d failures: %d, Retry-After %q; want 429 with it", who, freeAttempts, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	out := logs.String()
	if !strings.Contains(out, "sign-in locked out") || strings.Contains(out, "anna") || strings.Contains(out, "fel-lösenord") {
		t.Fatalf("the log does not name the lockout, or names the user or password:\n%s", out)
	}
}

// TestLockoutBackoff: the lock doubles with every failure past the free
// ones, up to lockMax, and a success clears the username but not the
// address.
func TestLockoutBackoff(t *testing.T) {
	var l lockout
	now := time.Now()
	keys := []string{"user:x", "addr:a"}
	for range freeAttempts - 1 {
		l.failed(now, keys)
	}
	if d := l.locked(now, keys); d != 0 {
		t.Fatalf("locked after %d failures: %v", freeAttempts-1, d)
	}
	l.failed(now, keys)
	if d := l.locked(now, keys); d != lockBase {
		t.Fatalf("after %d failures: locked %v, want %v", freeAttempts, d, lockBase)
	}
	l.failed(now, keys)
	if d := l.locked(now, keys); d != 2*lockBase {
		t.Fatalf("after %d failures: locked %v, want %v", freeAttempts+1, d, 2*lockBase)
	}
	for range 40 {
		l.failed(now, keys)
	}
	if d := l.locked(now, keys); d != lockMax {
		t.Fatalf("after many failures: locked %v, want the cap %v", d, lockMax)
	}
	l.succeeded(keys)
	if d := l.locked(now, keys[:1]); d != 0 {
		t.Fatalf("the username is still locked after a success: %v", d)
	}
	if d := l.locked(now, keys[1:]); d != lockMax {
		t.Fatalf("the address is no longer locked after a success: %v", d)
	}
}
