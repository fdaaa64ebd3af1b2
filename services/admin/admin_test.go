package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/internal/testenv"
)

const (
	testToken = "correct horse battery staple"
	testTopic = "test.admin-thing.v1"
)

// endedAt is when others' ended connectors ended: 09:30:00 in Stockholm.
var endedAt = time.Date(2026, 11, 25, 8, 30, 0, 0, time.UTC)

// others serves what the connectors, the schema registry and the open-data
// service really answer, in their JSON shapes (connectors.Status is theirs).
func others(t testing.TB) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/connectors", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode([]connectors.Status{
			{Connector: "skolmat", State: connectors.StateRunning, RecordsIn: 120, RecordsOut: 118, Failed: 2, Lag: 7, Rate: 3.5},
			{Connector: "vagdata", State: connectors.StateBackoff, LastError: `<script>alert("x")</script> GET failed`, LastErrorAt: time.Now()},
			{Connector: "sim-ansokningar", State: connectors.StateFinished, RecordsIn: 2214, RecordsOut: 2214,
				LastSuccess: endedAt, EndedAt: endedAt},
			{Connector: "sim-arenden", State: connectors.StateFailed, EndedAt: endedAt,
				LastError: `simulate: position "x" is not day/index`, LastErrorAt: endedAt},
			{Connector: "sim-luncher", State: connectors.StateStopped, RecordsIn: 40, RecordsOut: 40, EndedAt: endedAt},
		})
	})
	mux.HandleFunc("GET /registry/subjects", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode([]string{"meals.food-waste.v1-value"})
	})
	mux.HandleFunc("GET /registry/subjects/{s}/versions", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode([]int{1, 2})
	})
	mux.HandleFunc("GET /api/opendata/datasets", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `[{"id":"matsvinn","name":"matsvinn","title":"Matsvinn i skolköken","shape":"aggregate","topics":["`+testTopic+`"],"latest_version":3,"pending_changes":12}]`)
	})
	mux.HandleFunc("GET /api/opendata/datasets/matsvinn", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"summary":{},"definition":{},"versions":[{"dataset_id":"matsvinn","version":2,"published_at":"2026-11-01T08:00:00Z","row_count":40},{"dataset_id":"matsvinn","version":3,"published_at":"2026-11-20T08:30:00Z","row_count":42}]}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// rig is the admin face on a real embedded broker, mounted on a test server.
type rig struct {
	s      *Service
	srv    *httptest.Server
	conn   bus.Connection
	client *http.Client
}

func newRig(t testing.TB, token string) *rig {
	t.Helper()
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	o := others(t)
	dir := t.TempDir()
	writeFile(t, dir+"/skolmat.yaml", "name: skolmat\nkind: filedrop\ntopic: "+testTopic+"\n")
	s, err := New(Config{Conn: conn, Mux: http.NewServeMux(), Token: token, ConnectorsDir: dir,
		ConnectorsURL: o.URL + "/api/connectors", RegistryURL: o.URL + "/registry/", DatasetsURL: o.URL + "/api/opendata/datasets"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	mux := http.NewServeMux()
	s.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &rig{s: s, srv: srv, conn: conn, client: client}
}

func (r *rig) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := r.client.Get(r.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (r *rig) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := r.client.PostForm(r.srv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (r *rig) signIn(t *testing.T) {
	t.Helper()
	resp, _ := r.post(t, "/admin/login", url.Values{"token": {testToken}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %s, want 303", resp.Status)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestNoTokenIsForbidden: without an admin token configured every path,
// the sign-in too, answers 403 and says why.
func TestNoTokenIsForbidden(t *testing.T) {
	r := newRig(t, "")
	for _, p := range []string{"/admin/", "/admin/login", "/admin/static/admin.css"} {
		resp, body := r.get(t, p)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, EnvToken) {
			t.Errorf("GET %s: %s, want 403 naming %s", p, resp.Status, EnvToken)
		}
	}
	if resp, _ := r.post(t, "/admin/login", url.Values{"token": {""}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST login without a configured token: %s, want 403", resp.Status)
	}
}

// TestSignIn: no page without a session; a wrong token is refused; the
// right one gives an HttpOnly, SameSite=Strict session cookie; sign-out
// ends it.
func TestSignIn(t *testing.T) {
	r := newRig(t, testToken)
	if resp, _ := r.get(t, "/admin/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/login" {
		t.Fatalf("GET /admin/ signed out: %s to %q, want 303 to the sign-in", resp.Status, resp.Header.Get("Location"))
	}
	if resp, body := r.post(t, "/admin/login", url.Values{"token": {"wrong"}}); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "wrong\"") {
		t.Fatalf("wrong token: %s, want 401", resp.Status)
	}
	resp, _ := r.post(t, "/admin/login", url.Values{"token": {testToken}})
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == sessionCookie {
			c = k
		}
	}
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/admin/" {
		t.Fatalf("session cookie %+v, want HttpOnly, SameSite=Strict, Path /admin/", c)
	}
	resp, body := r.get(t, "/admin/")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/ signed in: %s", resp.Status)
	}
	for h, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("CSP %q allows more than nothing by default", resp.Header.Get("Content-Security-Policy"))
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the signed-in page")
	}
	if resp, _ := r.post(t, "/admin/logout", url.Values{"csrf": {m[1]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %s", resp.Status)
	}
	if resp, _ := r.get(t, "/admin/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /admin/ after sign-out: %s, want 303 to the sign-in", resp.Status)
	}
}

// TestOverviewAndReplay: a message whose handler fails lands in the
// topic's dead letters through a real router; the page lists it with the
// connectors, topics, schemas, datasets and pipeline, escaping what the
// others report; a replay without the CSRF token is refused; with it the
// letter goes back to its topic and the handler, now willing, receives it.
func TestOverviewAndReplay(t *testing.T) {
	r := newRig(t, testToken)
	got := consume(t, r.conn)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: r.conn, Source: "/test"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	const id = "0b6e1f7c-0000-4000-8000-000000000001"
	if err := pub.Publish(testTopic, message.NewMessage(id, []byte(`{"n":1}`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failing message in the dead letters", func() bool {
		if err := r.s.rates.sample(ctx); err != nil {
			return false
		}
		for _, tp := range r.s.rates.topics() {
			if tp.Name == testTopic+".dlq" && tp.Records > 0 {
				return true
			}
		}
		return false
	})

	if got := r.s.connectorTopics()["skolmat"]; got != testTopic {
		t.Errorf("the connector file gives topic %q, want %q", got, testTopic)
	}
	r.signIn(t)
	_, body := r.get(t, "/admin/")
	for _, want := range []string{
		"skolmat", "backoff", "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", // connectors, escaped
		testTopic, id, "refuses until told", // topics and the dead letter
		"meals.food-waste.v1-value", "1, 2", // schemas
		"Matsvinn i skolköken", "version 3, 2026-11-20 ", "42 rader", // datasets, with the last publication
		"<svg", "Öppna data: matsvinn", `class="edge"`, // pipeline
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	// Each end state says what happened; only a failure (and a retry) is
	// styled as one.
	for _, want := range []string{
		`class="state finished" data-state="finished">klar / finished<br><small>läste all sin indata, 2214 händelser, 2026-11-25 09:30:00 / read all of its input: 2214 events</small>`,
		`class="state failed" data-state="failed">misslyckad / failed<br><small>2026-11-25 09:30:00, se senaste fel / see last error</small>`,
		`simulate: position &#34;x&#34; is not day/index`,
		`class="state stopped" data-state="stopped">stoppad / stopped<br><small>avstängd 2026-11-25 09:30:00 / shut down</small>`,
		`class="state running" data-state="running">kör / running</td>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %q", want)
		}
	}
	if _, body := r.get(t, "/admin/?replayed=Your+account+is+locked"); strings.Contains(body, "locked") {
		t.Error("the replay notice shows text from the query")
	}
	if strings.Contains(body, "<script>") {
		t.Error("the overview carries a raw <script> from a connector's error")
	}
	csrf := csrfField.FindStringSubmatch(body)[1]

	if resp, _ := r.post(t, "/admin/replay", url.Values{"topic": {testTopic}, "id": {id}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("replay without CSRF: %s, want 403", resp.Status)
	}
	if resp, _ := r.post(t, "/admin/replay", url.Values{"topic": {testTopic}, "id": {id}, "csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("replay with a forged CSRF token: %s, want 403", resp.Status)
	}
	got.accept()
	resp, _ := r.post(t, "/admin/replay", url.Values{"topic": {testTopic}, "id": {id}, "csrf": {csrf}})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "replayed=1") {
		t.Fatalf("replay: %s to %q, want 303 with replayed=1", resp.Status, resp.Header.Get("Location"))
	}
	waitFor(t, "the replayed message handled", func() bool { return got.has(id) })
	// Kafka keeps the letter: replaying all of the topic publishes it again.
	if resp, _ := r.post(t, "/admin/replay", url.Values{"topic": {testTopic}, "csrf": {csrf}}); !strings.Contains(resp.Header.Get("Location"), "replayed=1") {
		t.Errorf("replay all: %s to %q, want replayed=1", resp.Status, resp.Header.Get("Location"))
	}

	if resp, body := r.post(t, "/admin/replay", url.Values{"topic": {testTopic}, "id": {"no-such-id"}, "csrf": {csrf}}); resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "no-such-id") {
		t.Errorf("replay of an unknown id: %s, want 502 naming it", resp.Status)
	}
}

// handled is a consumer of testTopic that fails every message until it is
// told to accept them.
type handled struct {
	mu        sync.Mutex
	accepting bool
	ids       []string
}

func (h *handled) accept() { h.mu.Lock(); h.accepting = true; h.mu.Unlock() }

func (h *handled) has(id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, x := range h.ids {
		if x == id {
			return true
		}
	}
	return false
}

// consume runs a real router with its dead-letter middleware on testTopic.
func consume(t *testing.T, conn bus.Connection) *handled {
	t.Helper()
	h := &handled{}
	dl, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/test"})
	if err != nil {
		t.Fatal(err)
	}
	router, err := bus.NewRouter(bus.RouterConfig{DeadLetters: dl, Registerer: prometheus.NewRegistry(),
		Retry: bus.RetryConfig{MaxRetries: 1, InitialInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: "admin-test"})
	if err != nil {
		t.Fatal(err)
	}
	router.AddConsumerHandler("admin-test", testTopic, sub, func(m *message.Message) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		if !h.accepting {
			return errors.New("refuses until told")
		}
		h.ids = append(h.ids, m.UUID)
		return nil
	})
	if _, err := bus.EnsureTopic(context.Background(), conn, testTopic, 1); err != nil {
		t.Fatal(err)
	}
	go func() { _ = router.Run(context.Background()) }()
	t.Cleanup(func() { router.Close(); sub.Close(); dl.Close() })
	select {
	case <-router.Running():
	case <-time.After(30 * time.Second):
		t.Fatal("router did not start")
	}
	return h
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
