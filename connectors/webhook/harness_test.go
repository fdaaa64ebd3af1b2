package webhook_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/connectors/webhook"
)

const (
	topic  = connectortest.Topic
	token  = "s3cret-token-for-tests"
	secret = "hmac-secret-for-tests"
)

// world is a connectortest.Env whose mux is served over real HTTP.
type world struct {
	*connectortest.Env
	url string // the server's base URL
}

func newWorld(t testing.TB) *world {
	return newWorldOn(t, connectortest.New(t, connectortest.Registry(t, webhook.Kind()), topic))
}

func newWorldOn(t testing.TB, e *connectortest.Env) *world {
	e.Mux = http.NewServeMux()
	srv := httptest.NewServer(e.Mux)
	t.Cleanup(srv.Close)
	return &world{Env: e, url: srv.URL}
}

// secretFile writes v to a file and returns its path.
func secretFile(t testing.TB, v string) string {
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(v+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// connectorYAML is a webhook connector named name on the suite's topic,
// with config lines (indented by two spaces) as its config.
func connectorYAML(name string, config ...string) string {
	return "name: " + name + "\nkind: webhook\ntopic: " + topic + "\nconfig:\n  " + strings.Join(config, "\n  ") + `
mapping:
  fields:
    kitchen_id: string(row.kitchen)
    date: string(row.date)
    total_waste_kg: double(row.total)
`
}

func bearerYAML(t testing.TB, name string, config ...string) string {
	return connectorYAML(name, append([]string{"bearer_token_file: " + secretFile(t, token), "timeout: 5s"}, config...)...)
}

func body(kitchen, date string, total float64) []byte {
	return fmt.Appendf(nil, `{"kitchen":%q,"date":%q,"total":%g}`, kitchen, date, total)
}

// post sends body with the bearer token (or none when tok is "") and
// decodes the answer.
func post(t testing.TB, url, tok, contentType string, body []byte, hdr map[string]string) (int, webhook.Response) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r webhook.Response
	_ = json.NewDecoder(resp.Body).Decode(&r)
	return resp.StatusCode, r
}

// signed are the headers of an HMAC-signed delivery at ts.
func signed(body []byte, ts time.Time) map[string]string {
	t := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(t + "."))
	mac.Write(body)
	return map[string]string{"X-Hub-Signature-256": "sha256=" + hex.EncodeToString(mac.Sum(nil)), "X-Webhook-Timestamp": t}
}
