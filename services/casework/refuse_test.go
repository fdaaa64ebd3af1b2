package casework

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log destination handlers write from their goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestRefusalsLoggedWithoutPersonalData: a forged post, an over-long
// comment, another unit's case and a wrong password are each refused and
// logged with their reason, and the log holds no user name, password,
// comment text or token.
func TestRefusalsLoggedWithoutPersonalData(t *testing.T) {
	var logs syncBuffer
	w := newWeb(t, t.TempDir()+"/c.db", func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	anna := w.login(t, "anna")
	secret := "Kalle Karlsson 19121212-1212 " + strings.Repeat("x", MaxComment)
	if st, _ := anna.post("/casework/cases/"+uid(100)+"/comment", url.Values{"text": {secret}}); st != http.StatusBadRequest {
		t.Errorf("over-long comment: %d", st)
	}
	if st, _ := anna.post("/casework/cases/"+uid(200)+"/comment", url.Values{"text": {"hej"}}); st != http.StatusNotFound {
		t.Errorf("comment on another unit's case: %d", st)
	}
	if st, _ := anna.post("/casework/cases/"+uid(100)+"/comment", url.Values{"csrf": {"forged"}, "text": {"Kalle Karlsson"}}); st != http.StatusForbidden {
		t.Errorf("forged post: %d", st)
	}
	if st, _ := anna.get("/casework/cases/not-a-case"); st != http.StatusNotFound {
		t.Errorf("malformed case id: %d", st)
	}
	c := w.anonymous(t)
	_, body := c.get("/casework/login")
	c.csrf = csrfField.FindStringSubmatch(body)[1]
	c.post("/casework/login", url.Values{"username": {"anna"}, "password": {"hemligt-lösen"}})
	out := logs.String()
	for _, reason := range []string{"comment too long", "case not in the user's units", "csrf token missing or wrong", "case id is not a uuid", "wrong password"} {
		if !strings.Contains(out, reason) {
			t.Errorf("log lacks the refusal %q:\n%s", reason, out)
		}
	}
	for _, private := range []string{"anna", "Kalle", "19121212", "hemligt", "forged", anna.csrf} {
		if strings.Contains(out, private) {
			t.Errorf("log holds %q:\n%s", private, out)
		}
	}
	if log, _ := w.s.store.accessLog(context.Background(), uid(200)); len(log) != 1 || log[0].Allowed || log[0].Action != "comment" {
		t.Errorf("access log of the refused comment: %+v", log)
	}
}

// TestLoadUsers: a users file's problems are all reported, by position
// and field, never with a hash.
func TestLoadUsers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.yaml")
	bad := `users:
  - {username: "an na", role: caseworker, units: [a], password_hash: "$2a$10$DXr8/40GWFiokWce4xKiUeRl0FT/8wb6wt98c33pInUKA/VSfpcwG"}
  - {username: bo, role: boss, units: [a], password_hash: "plain-text-password"}
  - {username: cia, role: caseworker, password_hash: "$2a$10$DXr8/40GWFiokWce4xKiUeRl0FT/8wb6wt98c33pInUKA/VSfpcwG"}
`
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadUsers(path)
	if err == nil {
		t.Fatal("a bad users file loaded")
	}
	for _, want := range []string{"users[0]: username must be a staff id", "users[1]: role must be", "users[1]: password_hash is not a bcrypt hash", "users[2]: units"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "plain-text-password") || strings.Contains(err.Error(), "$2a$") {
		t.Errorf("error quotes a hash or password: %v", err)
	}
	us := demoUsers(t)
	if us.Authenticate("anna", "demo-anna") == nil || us.Authenticate("anna", "demo-bo") != nil || us.Authenticate("nobody", "demo-anna") != nil {
		t.Error("Authenticate lets the wrong people in or keeps anna out")
	}
}
