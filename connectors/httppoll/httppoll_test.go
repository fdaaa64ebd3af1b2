package httppoll_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/testenv"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/httppoll"
)

// weatherYAML is a connector putting the API's observations on the bus as
// roads.weather-observation.v1; extra lines go under config.
func weatherYAML(url, extra string) string {
	return `name: smhi-vasteras
kind: httppoll
topic: roads.weather-observation.v1
config:
  url: ` + url + `
  interval: 50ms
  items: /data/items
  next: /links/next
  key: time
` + extra + `
mapping:
  fields:
    station_id: row.station
    station_name: row.name
    network: '"smhi"'
    observed_at: row.time
    air_temperature_c: double(row.temp)
    quality: 'row.quality == "G" ? "checked" : "suspect"'
`
}

func TestPagesToTheBusWithBearerFromFile(t *testing.T) {
	e := newEnv(t)
	a := newAPI(t, 5, false)
	a.token = "s3cret-token-4711"
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(a.token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		a.add(observation("124290", i))
	}
	a.add("not an object") // the 13th item: dead-lettered
	events, letters := e.Collect(weatherTopic), e.Collect(weatherTopic+".dlq")
	r := e.Start(weatherYAML(a.url(), "  headers:\n    Authorization: Bearer file:"+tokenFile))

	waitFor(t, "12 events and 1 dead letter", 20*time.Second, func() bool {
		return len(events.All()) == 12 && len(letters.All()) == 1
	})
	waitFor(t, "a conditional poll answered 304", 10*time.Second, func() bool { return a.count(304) >= 1 })
	if got := len(events.All()); got != 12 {
		t.Errorf("%d events after a 304, want 12", got)
	}
	for _, q := range a.requests() {
		if q.auth != "Bearer "+a.token {
			t.Fatalf("request %s: Authorization %q", q.url, q.auth)
		}
	}
	var sawConditional bool
	for _, q := range a.requests() {
		if q.ifNoneMatch == `"obs-v13"` && q.ifModifiedSince != "" {
			sawConditional = true
		}
	}
	if !sawConditional {
		t.Errorf("no request with If-None-Match and If-Modified-Since: %+v", a.requests())
	}
	if p := string(events.All()[0].Payload); !strings.Contains(p, `"station_id":"124290"`) || !strings.Contains(p, `"air_temperature_c":-3.5`) || !strings.Contains(p, `"quality":"checked"`) {
		t.Errorf("first event %s", p)
	}
	if !strings.Contains(string(letters.All()[0].Payload), "not an object") {
		t.Errorf("dead letter %s", letters.All()[0].Payload)
	}

	// New observations: the list is read again; the ones on the bus keep
	// their ids.
	a.add(observation("124290", 100), observation("124290", 101))
	waitFor(t, "14 distinct events", 20*time.Second, func() bool { return len(unique(events.All())) == 14 })
	waitFor(t, "14 records in", 5*time.Second, func() bool { return r.Runtime.Status().RecordsIn >= 14 })
}

func TestRestartResumesWithTheNextPage(t *testing.T) {
	e := newEnv(t)
	a := newAPI(t, 5, false)
	for i := range 40 {
		a.add(observation("97510", i))
	}
	events := e.Collect(weatherTopic)
	yamlText := weatherYAML(a.url(), "")
	r := e.Start(yamlText)
	waitFor(t, "40 events", 20*time.Second, func() bool { return len(events.All()) >= 40 })
	waitFor(t, "a 304", 10*time.Second, func() bool { return a.count(304) >= 1 })
	r.Stop()
	before := len(a.requests())
	e.Start(yamlText)
	waitFor(t, "a 304 after the restart", 10*time.Second, func() bool { return a.count(304) >= 2 })
	if q := a.requests()[before]; q.ifNoneMatch != `"obs-v40"` {
		t.Errorf("first request after the restart: %+v; want it conditional", q)
	}
	if got := len(events.All()); got != 40 {
		t.Errorf("%d events, want 40: a restart re-emitted", got)
	}
}

func TestServerErrorsRetried(t *testing.T) {
	e := newEnv(t)
	a := newAPI(t, 5, false)
	for i := range 7 {
		a.add(observation("124290", i))
	}
	a.push(
		reply{code: 429, ctype: "application/json", body: `{"title":"slow down"}`, retryAfter: "1"},
		reply{code: 500, ctype: "application/json", body: `{"title":"boom"}`},
		reply{code: 502, ctype: "text/html", body: "<html><body><h1>Bad Gateway</h1></body></html>"},
	)
	events := e.Collect(weatherTopic)
	start := time.Now()
	r := e.Start(weatherYAML(a.url(), ""))
	waitFor(t, "7 events", 20*time.Second, func() bool { return len(events.All()) == 7 })
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("events after %v; Retry-After: 1 not honoured", d)
	}
	if a.count(429) != 1 || a.count(500) != 1 || a.count(502) != 1 {
		t.Errorf("answered %v", a.answered)
	}
	if got := r.Runtime.Status().RecordsIn; got != 7 {
		t.Errorf("records in %d", got)
	}
}

// source builds a Source of cfg, connected.
func source(t *testing.T, cfg httppoll.Config) *httppoll.Source {
	t.Helper()
	s, err := httppoll.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func read(t *testing.T, s *httppoll.Source) (connectors.Batch, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, _, err := s.Read(ctx)
	return b, err
}

func TestLinkHeaderPaginationAndPositions(t *testing.T) {
	a := newAPI(t, 4, true)
	for i := range 10 {
		a.add(observation("124290", i))
	}
	a.add(42.0)
	s := source(t, httppoll.Config{URL: a.url(), Interval: "1h", Key: "time"})
	var got []connectors.Record
	for range 3 {
		b, err := read(t, s)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b...)
	}
	if len(got) != 11 {
		t.Fatalf("%d records, want 11", len(got))
	}
	if got[0].Key != "2024-01-01T00:00:00Z" || got[0].Fields["temp"] != -3.5 || got[0].Origin.String() != a.url()+":1" {
		t.Errorf("first record %+v", got[0])
	}
	if r := got[10]; r.Err == nil || !strings.Contains(r.Err.Error(), "a number, not a JSON object") || string(r.Raw) != "42" {
		t.Errorf("last record %+v", r)
	}
	if p := got[3].Position; !strings.Contains(p, `"next":"`+a.url()+`?page=2"`) {
		t.Errorf("position after page 1: %s", p)
	}
	if p := got[10].Position; strings.Contains(p, "next") || !strings.Contains(p, "obs-v11") {
		t.Errorf("position after the poll: %s", p)
	}

	// A new Source seeking the position after page 2 reads page 3 only.
	s2 := source(t, httppoll.Config{URL: a.url(), Interval: "1h"})
	if err := s2.Seek(got[7].Position); err != nil {
		t.Fatal(err)
	}
	b, err := read(t, s2)
	if err != nil || len(b) != 3 {
		t.Fatalf("after seek: %d records, %v", len(b), err)
	}
	// And one seeking a completed poll asks conditionally: 304, nothing.
	s3 := source(t, httppoll.Config{URL: a.url(), Interval: "1h"})
	if err := s3.Seek(got[10].Position); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if b, _, err := s3.Read(ctx); !errors.Is(err, context.DeadlineExceeded) || len(b) != 0 {
		t.Errorf("after a completed poll: %d records, %v; want a 304 and a wait", len(b), err)
	}
	if a.count(304) != 1 {
		t.Errorf("%d answers 304", a.count(304))
	}
}

func TestRetryAfterAndHTML(t *testing.T) {
	a := newAPI(t, 5, false)
	a.add(observation("124290", 1))
	const page = "<!DOCTYPE html><html><body>Internt serverfel hos leverantören</body></html>"
	a.push(
		reply{code: 429, ctype: "application/json", body: `{}`, retryAfter: "1"},
		reply{code: 200, ctype: "text/html; charset=utf-8", body: page},
		reply{code: 200, ctype: "application/json", body: `{"data": {"items": [`},
	)
	s := source(t, httppoll.Config{URL: a.url(), Items: "/data/items", Next: "/links/next"})

	_, err := read(t, s)
	var se *httppoll.StatusError
	if !errors.As(err, &se) || se.Code != 429 || se.RetryAfter != time.Second || se.URL != a.url() {
		t.Fatalf("429: %v", err)
	}
	start := time.Now()
	_, err = read(t, s)
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("the Read after a 429 with Retry-After: 1 asked again after %v", d)
	}
	if err == nil || !strings.Contains(err.Error(), a.url()) || !strings.Contains(err.Error(), "text/html") || strings.Contains(err.Error(), "serverfel") {
		t.Errorf("HTML page: %v; want the URL and content type, not the body", err)
	}
	_, err = read(t, s)
	if err == nil || !strings.Contains(err.Error(), "not valid JSON") || !strings.Contains(err.Error(), a.url()) {
		t.Errorf("truncated JSON: %v", err)
	}
	b, err := read(t, s)
	if err != nil || len(b) != 1 {
		t.Errorf("after the faults: %d records, %v", len(b), err)
	}
}

func TestUnauthorizedReconnects(t *testing.T) {
	a := newAPI(t, 5, false)
	a.token = "right"
	a.add(observation("124290", 1))
	t.Setenv("HTTPPOLL_TEST_TOKEN", "Bearer wrong")
	s := source(t, httppoll.Config{URL: a.url(), Items: "data.items", Headers: map[string]string{"Authorization": "env:HTTPPOLL_TEST_TOKEN"}})
	_, err := read(t, s)
	if !errors.Is(err, connectors.ErrNotConnected) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("401: %v", err)
	}
	t.Setenv("HTTPPOLL_TEST_TOKEN", "Bearer right") // rotated
	if err := s.Connect(context.Background()); err != nil {
		t.Fatal(err)
	}
	if b, err := read(t, s); err != nil || len(b) != 1 {
		t.Errorf("after reconnecting: %d records, %v", len(b), err)
	}
}

func TestConfigErrors(t *testing.T) {
	err := httppoll.Config{
		URL: "ftp://example.se/x", Interval: "soon", Timeout: "-1s", Items: "data..items",
		Headers: map[string]string{"Authorization": "Bearer hunter2", "X Bad": "env:X"},
	}.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"url:", "interval:", "timeout:", "items:", "headers: Authorization", `"X Bad"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q repeats a secret", err)
	}
	if err := (httppoll.Config{URL: "https://user:pw-4711@example.se/"}).Validate(); err == nil || strings.Contains(err.Error(), "pw-4711") {
		t.Errorf("credentials in the URL: %v", err)
	}
	if err := (httppoll.Config{}).Validate(); err == nil || !strings.Contains(err.Error(), "url: required") {
		t.Errorf("empty config: %v", err)
	}

	// Secrets that cannot be read fail New, named, not quoted.
	_, err = httppoll.New(httppoll.Config{URL: "https://example.se/", Headers: map[string]string{
		"X-Api-Key": "env:HTTPPOLL_TEST_UNSET", "Authorization": "Bearer file:/no/such/token"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "$HTTPPOLL_TEST_UNSET is not set") || !strings.Contains(err.Error(), "/no/such/token") {
		t.Errorf("unreadable secrets: %v", err)
	}

	// Through the registry: an unknown field with its line.
	cfg, err := connectors.ParseConfig([]byte(weatherYAML("https://example.se/obs", "  page_size: 5")), "x.yaml")
	if err == nil {
		_, _, err = registry(t).Build(cfg, nil)
	}
	if err == nil || !strings.Contains(err.Error(), "page_size") || !strings.Contains(err.Error(), "line 10") {
		t.Errorf("unknown field: %v", err)
	}
}

func TestExampleConfig(t *testing.T) {
	t.Setenv("SMHI_API_KEY", "k")
	b, err := os.ReadFile("testdata/smhi-observations.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := connectors.ParseConfig(b, "smhi-observations.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := registry(t).Build(cfg, nil); err != nil {
		t.Fatal(fmt.Errorf("example: %w", err))
	}
}

func TestExpiredCursorStartsThePollAgain(t *testing.T) {
	a := newAPI(t, 2, false)
	for i := range 3 {
		a.add(observation("124290", i))
	}
	s := source(t, httppoll.Config{URL: a.url(), Items: "/data/items", Next: "/links/next"})
	if b, err := read(t, s); err != nil || len(b) != 2 {
		t.Fatalf("page 1: %d records, %v", len(b), err)
	}
	a.push(reply{code: 410, ctype: "application/json", body: `{"title":"cursor expired"}`})
	if _, err := read(t, s); err == nil || !strings.Contains(err.Error(), "starts again") {
		t.Fatalf("410: %v", err)
	}
	if b, err := read(t, s); err != nil || len(b) != 2 || b[0].Key != "" || b[0].Fields["time"] != "2024-01-01T00:00:00Z" {
		t.Fatalf("after the 410: %d records, %v; want page 1 again", len(b), err)
	}
}

func TestConfigSchema(t *testing.T) {
	b, err := registry(t).ConfigSchema("httppoll")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"url"`, `"interval"`, `"items"`, `"next"`, `"key"`, `"headers"`, `"timeout"`, "env:NAME or file:/path"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the schema lacks %s:\n%s", want, b)
		}
	}
}

// TestSecretsNeverLogged runs a connector whose token the API refuses and
// looks for the token in every log line and in the status.
func TestSecretsNeverLogged(t *testing.T) {
	e := newEnv(t)
	var logs syncBuffer
	e.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := newAPI(t, 5, false)
	a.token = "the-right-token"
	a.add(observation("124290", 1))
	const secret = "stale-token-0815"
	t.Setenv("HTTPPOLL_TEST_TOKEN", secret)
	r := e.Start(weatherYAML(a.url(), "  headers:\n    Authorization: Bearer env:HTTPPOLL_TEST_TOKEN"))
	waitFor(t, "three refusals", 10*time.Second, func() bool { return a.count(401) >= 3 })
	r.Stop()
	st := r.Runtime.Status()
	if !strings.Contains(st.LastError, "401") {
		t.Errorf("last error %q", st.LastError)
	}
	if out := logs.String(); !strings.Contains(out, "401") || strings.Contains(out, secret) || strings.Contains(st.LastError, secret) {
		t.Errorf("the logs or status hold the secret, or not the refusal:\n%s\n%s", out, st.LastError)
	}
}

func TestNoRedirectToAnotherHost(t *testing.T) {
	elsewhere := newAPI(t, 5, false)
	a := newAPI(t, 5, false)
	t.Setenv("HTTPPOLL_TEST_TOKEN", "tok")
	a.push(reply{code: http.StatusFound, ctype: "text/plain", body: "moved"})
	a.redirect = elsewhere.url()
	s := source(t, httppoll.Config{URL: a.url(), Items: "data.items", Headers: map[string]string{"Authorization": "Bearer env:HTTPPOLL_TEST_TOKEN"}})
	if _, err := read(t, s); err == nil || !strings.Contains(err.Error(), "another host") {
		t.Errorf("redirect: %v", err)
	}
	if n := len(elsewhere.requests()); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

type syncBuffer = testenv.Buffer
