package webhook_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vasteras/civicbus/bus/embedded"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/connectors/webhook"
	"github.com/vasteras/civicbus/internal/testenv"
)

const appJSON = "application/json"

// wantID is the event id of the food-waste record of kitchen and date from
// the connector name.
func wantID(name, kitchen, date string) string {
	return connectors.EventID("/civicbus/connectors/"+name, fmt.Sprintf("%q\x1f%q\x1fnull", kitchen, date), 1)
}

func TestGoodRecordIs202AndOnTheBus(t *testing.T) {
	w := newWorld(t)
	events := w.Collect(topic)
	w.Start(bearerYAML(t, "waste-hook"))
	url := w.url + webhook.PathPrefix + "waste-hook"
	connectortest.WaitFor(t, "the endpoint", 10*time.Second, func() bool {
		code, _ := post(t, url, "", appJSON, nil, nil)
		return code != http.StatusNotFound
	})
	code, resp := post(t, url, token, appJSON, body("vallby", "2024-01-02", 3.5), nil)
	if code != http.StatusAccepted || resp.Status != webhook.Accepted {
		t.Fatalf("good record: %d %+v", code, resp)
	}
	connectortest.WaitFor(t, "the event", 10*time.Second, func() bool { return len(events.All()) == 1 })
	if got, want := events.All()[0].UUID, wantID("waste-hook", "vallby", "2024-01-02"); got != want {
		t.Errorf("event id %s, want %s", got, want)
	}
}

func TestBadRecordIs400AndADeadLetter(t *testing.T) {
	w := newWorld(t)
	letters := w.Collect(topic + ".dlq")
	r := w.Start(bearerYAML(t, "waste-hook"))
	url := w.url + webhook.PathPrefix + "waste-hook"
	waitRunning(t, r)
	code, resp := post(t, url, token, appJSON, body("vallby", "2024-01-02", -17.25), nil)
	if code != http.StatusBadRequest || resp.Status != webhook.DeadLetter || !strings.Contains(resp.Error, "total_waste_kg") {
		t.Errorf("contract breach: %d %+v; want 400 naming total_waste_kg", code, resp)
	}
	if strings.Contains(resp.Error, "17.25") {
		t.Errorf("the answer repeats the value: %s", resp.Error)
	}
	code, resp = post(t, url, token, appJSON, []byte(`{"kitchen": "vallby", `), nil)
	if code != http.StatusBadRequest || !strings.Contains(resp.Error, "not valid JSON") {
		t.Errorf("broken JSON: %d %+v", code, resp)
	}
	connectortest.WaitFor(t, "two dead letters", 10*time.Second, func() bool { return len(letters.All()) == 2 })
	for _, l := range letters.All() {
		if l.Metadata.Get("dlq_handler") != "waste-hook" || !strings.HasPrefix(l.Metadata.Get("dlq_error"), "POST /api/ingest/waste-hook: ") {
			t.Errorf("dead letter %v", l.Metadata)
		}
	}
}

func TestNDJSONAnswersEachRecord(t *testing.T) {
	w := newWorld(t)
	events := w.Collect(topic)
	r := w.Start(bearerYAML(t, "waste-hook"))
	waitRunning(t, r)
	lines := string(body("a", "2024-01-01", 1)) + "\n" + string(body("b", "2024-01-01", -1)) + "\n\n" + string(body("c", "2024-01-01", 2)) + "\n"
	code, resp := post(t, w.url+webhook.PathPrefix+"waste-hook", token, "application/x-ndjson", []byte(lines), nil)
	if code != http.StatusBadRequest || len(resp.Records) != 3 {
		t.Fatalf("ndjson: %d %+v", code, resp)
	}
	want := []webhook.Outcome{{Line: 1, Status: webhook.Accepted}, {Line: 2, Status: webhook.DeadLetter}, {Line: 4, Status: webhook.Accepted}}
	for i, o := range resp.Records {
		if o.Line != want[i].Line || o.Status != want[i].Status {
			t.Errorf("record %d: %+v, want %+v", i, o, want[i])
		}
	}
	connectortest.WaitFor(t, "two events", 10*time.Second, func() bool { return len(events.All()) == 2 })
}

func TestAuthentication(t *testing.T) {
	w := newWorld(t)
	rb := w.Start(bearerYAML(t, "bearer-hook"))
	t.Setenv("WASTE_HOOK_SECRET", secret)
	rh := w.Start(connectorYAML("hmac-hook", "hmac: {secret_env: WASTE_HOOK_SECRET, timestamp_header: X-Webhook-Timestamp, tolerance: 1m}"))
	waitRunning(t, rb)
	waitRunning(t, rh)
	b := body("vallby", "2024-01-02", 1)
	bearer, hm := w.url+webhook.PathPrefix+"bearer-hook", w.url+webhook.PathPrefix+"hmac-hook"
	now := time.Now()
	stale := signed(b, now.Add(-time.Hour))
	forged := signed(b, now)
	forged["X-Hub-Signature-256"] = strings.Replace(forged["X-Hub-Signature-256"], "sha256=", "sha256=00", 1)[:len(forged["X-Hub-Signature-256"])]
	for _, c := range []struct {
		name string
		url  string
		tok  string
		hdr  map[string]string
		want int
	}{
		{"right token", bearer, token, nil, http.StatusAccepted},
		{"no token", bearer, "", nil, http.StatusUnauthorized},
		{"wrong token", bearer, token + "x", nil, http.StatusUnauthorized},
		{"good signature", hm, "", signed(b, now), http.StatusAccepted},
		{"no signature", hm, "", nil, http.StatusUnauthorized},
		{"bad signature", hm, "", forged, http.StatusUnauthorized},
		{"replayed stale timestamp", hm, "", stale, http.StatusUnauthorized},
		{"signature of another time", hm, "", map[string]string{"X-Hub-Signature-256": stale["X-Hub-Signature-256"], "X-Webhook-Timestamp": signed(b, now)["X-Webhook-Timestamp"]}, http.StatusUnauthorized},
	} {
		code, resp := post(t, c.url, c.tok, appJSON, b, c.hdr)
		if code != c.want {
			t.Errorf("%s: %d %+v, want %d", c.name, code, resp, c.want)
		}
		if strings.Contains(resp.Error, token) || strings.Contains(resp.Error, secret) {
			t.Errorf("%s: the answer holds the secret", c.name)
		}
	}
}

func TestRefusals(t *testing.T) {
	w := newWorld(t)
	r := w.Start(bearerYAML(t, "waste-hook", "max_body_bytes: 64"))
	waitRunning(t, r)
	url := w.url + webhook.PathPrefix + "waste-hook"
	if code, _ := post(t, url, token, appJSON, []byte(`{"kitchen":"`+strings.Repeat("x", 100)+`"}`), nil); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", code)
	}
	if code, _ := post(t, url, token, "text/csv", []byte("a;b\n"), nil); code != http.StatusUnsupportedMediaType {
		t.Errorf("csv: %d, want 415", code)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Errorf("GET: %d Allow %q, want 405 POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
	r.Stop()
	code, _ := post(t, url, token, appJSON, body("vallby", "2024-01-02", 1), nil)
	if code != http.StatusServiceUnavailable {
		t.Errorf("after Stop: %d, want 503", code)
	}
}

// TestRestartMountsOnce starts the connector again on the same mux, which
// also serves the portal's "GET /": the endpoint is mounted once and
// answers for the running connector.
func TestRestartMountsOnce(t *testing.T) {
	w := newWorld(t)
	w.Mux.HandleFunc("GET /", func(http.ResponseWriter, *http.Request) {})
	events := w.Collect(topic)
	yaml := bearerYAML(t, "waste-hook")
	url := w.url + webhook.PathPrefix + "waste-hook"
	for i := range 3 {
		r := w.Start(yaml)
		waitRunning(t, r)
		if code, resp := post(t, url, token, appJSON, body("vallby", fmt.Sprintf("2024-01-0%d", i+1), 1), nil); code != http.StatusAccepted {
			t.Fatalf("run %d: %d %+v", i, code, resp)
		}
		r.Stop()
	}
	connectortest.WaitFor(t, "three events", 10*time.Second, func() bool { return len(events.All()) == 3 })
}

// TestBrokerDown: while the broker is down no record is answered 202; once
// it is back, the sender's retry is accepted and the record is on the bus
// under one id, however many times it was sent.
func TestBrokerDown(t *testing.T) {
	data := t.TempDir()
	b1, err := embedded.Start(embedded.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b1.Close() })
	addr := b1.Addr()
	w := newWorldOn(t, connectortest.NewOn(t, addr, connectortest.Registry(t, webhook.Kind()), topic))
	r := w.Start(connectorYAML("waste-hook", "bearer_token_file: "+secretFile(t, token), "timeout: 1s"))
	waitRunning(t, r)
	url := w.url + webhook.PathPrefix + "waste-hook"
	b := body("vallby", "2024-03-01", 2)
	b1.Close()
	for range 2 {
		code, resp := post(t, url, token, appJSON, b, nil)
		if code != http.StatusServiceUnavailable || resp.Status != webhook.NotOnBus {
			t.Fatalf("broker down: %d %+v, want 503", code, resp)
		}
	}
	testenv.BrokerWith(t, embedded.Config{Listen: addr, DataDir: data})
	accepted := false
	for deadline := time.Now().Add(60 * time.Second); !accepted && time.Now().Before(deadline); {
		code, _ := post(t, url, token, appJSON, b, nil)
		accepted = code == http.StatusAccepted
	}
	if !accepted {
		t.Fatal("no 202 after the broker came back")
	}
	events := w.Collect(topic)
	connectortest.WaitFor(t, "the event", 20*time.Second, func() bool { return len(events.All()) > 0 })
	ids := connectortest.Unique(events.All())
	if want := wantID("waste-hook", "vallby", "2024-03-01"); len(ids) != 1 || !ids[want] {
		t.Errorf("ids %v, want only %s", ids, want)
	}
}

func TestConcurrentPosts(t *testing.T) {
	w := newWorld(t)
	events := w.Collect(topic)
	r := w.Start(bearerYAML(t, "waste-hook"))
	waitRunning(t, r)
	url := w.url + webhook.PathPrefix + "waste-hook"
	const senders, each = 20, 10
	var wg sync.WaitGroup
	codes := make(chan int, senders*each)
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				code, _ := post(t, url, token, appJSON, body(fmt.Sprintf("kitchen-%d", g), time.Date(2024, 1, 1+i, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), 1), nil)
				codes <- code
			}
		})
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusAccepted {
			t.Errorf("a post got %d", code)
		}
	}
	connectortest.WaitFor(t, "every event", 20*time.Second, func() bool { return len(connectortest.Unique(events.All())) == senders*each })
}

// TestCleanClose: once stopped, the connector leaves no goroutine behind.
func TestCleanClose(t *testing.T) {
	w := newWorld(t)
	opts := goleak.IgnoreCurrent()
	r := w.Start(bearerYAML(t, "waste-hook"))
	waitRunning(t, r)
	for i := range 5 {
		post(t, w.url+webhook.PathPrefix+"waste-hook", token, appJSON, body("vallby", fmt.Sprintf("2024-01-0%d", i+1), 1), nil)
	}
	r.Stop()
	http.DefaultClient.CloseIdleConnections()
	connectortest.VerifyNoLeaks(t, opts,
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"), // the test server's kept-alive connections
		goleak.IgnoreAnyFunction("internal/poll.runtime_pollWait"))
}

func waitRunning(t testing.TB, r *connectortest.Running) {
	t.Helper()
	connectortest.WaitFor(t, "the connector to run", 10*time.Second, func() bool {
		return r.Runtime.Status().State == connectors.StateRunning
	})
}
