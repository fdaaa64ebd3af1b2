package casework

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/bus"
)

// web is a running service with its web face and the inbox of fixture
// cases 1 (forskoleplacering, open) and 2 (hemtjanst, closed).
type web struct {
	s    *Service
	srv  *httptest.Server
	conn bus.Connection
}

func newWeb(t *testing.T, dsn string, opts ...func(*Config)) *web {
	t.Helper()
	s, conn := start(t, dsn, opts...)
	publish(t, conn, append(caseEvents(1, "forskoleplacering", false), caseEvents(2, "hemtjanst", true)...))
	waitFor(t, "the fixture cases", func() bool {
		a, _ := s.store.timeline(context.Background(), uid(100))
		b, _ := s.store.timeline(context.Background(), uid(200))
		return len(a) == 4 && len(b) == 5
	})
	mux := http.NewServeMux()
	s.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &web{s: s, srv: srv, conn: conn}
}

// client is a browser of one user: its cookies and its session's CSRF
// token.
type client struct {
	t    *testing.T
	w    *web
	http *http.Client
	csrf string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (w *web) anonymous(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, w: w, http: &http.Client{Jar: jar}}
}

// login signs username in with its demo password.
func (w *web) login(t *testing.T, username string) *client {
	t.Helper()
	c := w.anonymous(t)
	_, body := c.get("/casework/login")
	c.csrf = csrfField.FindStringSubmatch(body)[1]
	status, _ := c.post("/casework/login", url.Values{"username": {username}, "password": {"demo-" + username}})
	if status != http.StatusOK {
		t.Fatalf("sign in as %s: %d", username, status)
	}
	_, body = c.get("/casework/")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no session after signing in as %s", username)
	}
	c.csrf = m[1]
	return c
}

func (c *client) get(path string) (int, string) {
	c.t.Helper()
	resp, err := c.http.Get(c.w.srv.URL + path)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post sends form with the client's CSRF token, unless form has one.
func (c *client) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	if _, ok := form["csrf"]; !ok && c.csrf != "" {
		form.Set("csrf", c.csrf)
	}
	resp, err := c.http.PostForm(c.w.srv.URL+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *client) json(path string, v any) int {
	c.t.Helper()
	status, body := c.get(path)
	if status == http.StatusOK {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			c.t.Fatalf("%s: %v", path, err)
		}
	}
	return status
}

// TestUnitIsolation: a caseworker sees only their unit's cases, in the
// list and by id (another unit's case is a 404 like a missing one); an
// admin sees all; every view is in the access log, refused ones too; no
// session, no data.
func TestUnitIsolation(t *testing.T) {
	databases(t, func(t *testing.T, dsn string) {
		w := newWeb(t, dsn)
		anna := w.login(t, "anna")
		var list struct{ Cases []Case }
		if st := anna.json("/casework/api/cases", &list); st != 200 || len(list.Cases) != 1 || list.Cases[0].ID != uid(100) {
			t.Fatalf("anna's inbox: %d %+v", st, list.Cases)
		}
		var doc struct {
			Case      Case
			Timeline  []Entry
			Decisions []map[string]any
		}
		if st := anna.json("/casework/api/cases/"+uid(100), &doc); st != 200 || len(doc.Timeline) != 4 || len(doc.Decisions) != 2 {
			t.Fatalf("anna's case: %d, %d entries, %d decisions", st, len(doc.Timeline), len(doc.Decisions))
		}
		if st, page := anna.get("/casework/?status=open&automated=1"); st != 200 || !strings.Contains(page, `href="/casework/cases/`+uid(100)+`"`) ||
			strings.Contains(page, uid(200)) || !strings.Contains(page, "Väntar på mig") {
			t.Errorf("anna's inbox page: %d", st)
		}
		if st, _ := anna.get("/casework/api/cases/" + uid(200)); st != http.StatusNotFound {
			t.Errorf("anna read hemtjanst's case: %d", st)
		}
		if st, body := anna.get("/casework/cases/" + uid(200)); st != http.StatusNotFound || !strings.Contains(body, "inte behörighet") {
			t.Errorf("anna's page of hemtjanst's case: %d", st)
		}
		if st, _ := anna.get("/casework/cases/" + uid(200) + "/audit.json"); st != http.StatusNotFound {
			t.Errorf("anna exported hemtjanst's case: %d", st)
		}
		var all struct{ Cases []Case }
		if st := w.login(t, "david").json("/casework/api/cases?status=closed", &all); st != 200 || len(all.Cases) != 1 || all.Cases[0].ID != uid(200) {
			t.Errorf("admin's closed cases: %d %+v", st, all.Cases)
		}
		log, err := w.s.store.accessLog(context.Background(), uid(200))
		if err != nil || len(log) != 3 {
			t.Fatalf("access log of case 2: %+v (%v)", log, err)
		}
		for _, a := range log {
			if a.Username != "anna" || a.Allowed {
				t.Errorf("access log row %+v, want anna refused", a)
			}
		}
		if log, _ := w.s.store.accessLog(context.Background(), uid(100)); len(log) != 1 || !log[0].Allowed || log[0].Action != "api" {
			t.Errorf("access log of case 1: %+v", log)
		}
		if st, _ := w.anonymous(t).get("/casework/api/cases"); st != http.StatusUnauthorized {
			t.Errorf("API without a session: %d", st)
		}
	})
}

// TestCSRF: a post without the session's token, or with another's, is
// refused and changes nothing; so is a sign-in without the form's token.
func TestCSRF(t *testing.T) {
	w := newWeb(t, t.TempDir()+"/c.db")
	anna := w.login(t, "anna")
	cecilia := w.login(t, "cecilia")
	for name, form := range map[string]url.Values{
		"missing":   {"csrf": {""}, "text": {"hej"}},
		"another's": {"csrf": {cecilia.csrf}, "text": {"hej"}},
	} {
		st, body := anna.post("/casework/cases/"+uid(100)+"/comment", form)
		if st != http.StatusForbidden || !strings.Contains(body, "säkerhetstoken") {
			t.Errorf("%s token: %d", name, st)
		}
	}
	tl, _ := w.s.store.timeline(context.Background(), uid(100))
	if len(tl) != 4 {
		t.Errorf("a refused post changed the timeline: %d entries", len(tl))
	}
	if st, _ := w.anonymous(t).post("/casework/login", url.Values{"username": {"anna"}, "password": {"demo-anna"}}); st != http.StatusForbidden {
		t.Errorf("sign-in without its token: %d", st)
	}
	c := w.anonymous(t)
	_, body := c.get("/casework/login")
	c.csrf = csrfField.FindStringSubmatch(body)[1]
	if st, body := c.post("/casework/login", url.Values{"username": {"anna"}, "password": {"wrong"}}); st != http.StatusUnauthorized || !strings.Contains(body, "Fel användarnamn") {
		t.Errorf("wrong password: %d", st)
	}
}

// TestHeadersAndCookie: every answer carries the security headers; the
// session cookie is HttpOnly and SameSite=Strict.
func TestHeadersAndCookie(t *testing.T) {
	w := newWeb(t, t.TempDir()+"/c.db")
	anna := w.login(t, "anna")
	resp, err := anna.http.Get(w.srv.URL + "/casework/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP = %q", csp)
	}
	c := w.anonymous(t)
	_, body := c.get("/casework/login")
	form := url.Values{"csrf": {csrfField.FindStringSubmatch(body)[1]}, "username": {"anna"}, "password": {"demo-anna"}}
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = c.http.PostForm(w.srv.URL+"/casework/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			sess = ck
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Path != "/casework/" {
		t.Errorf("session cookie = %+v", sess)
	}
	req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/casework/cases/"+uid(100)+"/comment", strings.NewReader("text=x&csrf="+anna.csrf))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err = anna.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post with a valid token: %d, want 403", resp.StatusCode)
	}
}
