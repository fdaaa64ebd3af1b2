package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// instance is the service running in the background, behind an HTTP server.
type instance struct {
	url    string // the registry's base URL, http://…/registry
	cancel context.CancelFunc
	done   chan error
	srv    *httptest.Server
}

// startService runs the service with cfg (its Mux is made here) until the
// test ends or stop is called, and waits until it serves.
func startService(t *testing.T, cfg Config) *instance {
	t.Helper()
	mux := http.NewServeMux()
	cfg.Mux = mux
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{cancel: cancel, done: make(chan error, 1), srv: httptest.NewServer(mux)}
	in.url = in.srv.URL + "/registry"
	go func() { in.done <- Run(ctx, cfg) }()
	t.Cleanup(func() { in.stop(t) })
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-in.done:
			in.done <- err
			t.Fatalf("the service stopped while starting: %v", err)
		default:
		}
		if resp, err := http.Get(in.url + "/subjects"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return in
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the service did not serve /registry/subjects within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop stops the service and checks that it returned nil.
func (in *instance) stop(t *testing.T) {
	t.Helper()
	if in.srv == nil {
		return
	}
	in.srv.Close() // as the process does: HTTP first, then the services
	in.srv = nil
	in.cancel()
	select {
	case err := <-in.done:
		if err != nil {
			t.Errorf("Run returned %v after ctx ended, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("the service did not stop within 10 s")
	}
}

// runErr runs the service expecting it to fail at start, and returns its
// error.
func runErr(t *testing.T, cfg Config) error {
	t.Helper()
	cfg.Mux = http.NewServeMux()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := Run(ctx, cfg)
	if err == nil {
		t.Fatal("Run started; want it to fail")
	}
	return err
}

// call sends a request with an optional JSON body and bearer token, and
// returns the status and the body.
func call(t *testing.T, method, url, token string, body any) (int, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

// getJSON GETs url and decodes its 200 answer into v.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	status, body := call(t, http.MethodGet, url, "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, status, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v in %s", url, err, body)
	}
}

// committed returns the committed schema of the catalog event on topic,
// decoded.
func committed(t *testing.T, topic string) map[string]any {
	t.Helper()
	for _, e := range schemas.Events() {
		if e.Topic == topic {
			data, err := e.Schema()
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatalf("no catalog event on %s", topic)
	return nil
}

// text encodes a schema.
func text(t *testing.T, schema map[string]any) string {
	t.Helper()
	data, err := json.Marshal(schema)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
