package webhook_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/connectors/webhook"
)

// TestConnectorSuite runs the suite every connector passes. Its Write is a
// sender: it posts the rows one after the other, each until it is answered
// 202 or 400, as a webhook sender retries what got neither.
// One mux serves every part, so each part's connector mounts where the
// last one was.
func TestConnectorSuite(t *testing.T) {
	f := &suiteFixture{mux: http.NewServeMux()}
	srv := httptest.NewServer(f.mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL + webhook.PathPrefix + "suite"
	connectortest.Run(t, f)
}

type suiteFixture struct {
	mux *http.ServeMux
	url string
}

func (f *suiteFixture) Kind() connectors.Kind { return webhook.Kind() }

func (f *suiteFixture) Mux() *http.ServeMux { return f.mux }

func (f *suiteFixture) Skip() map[string]string {
	return map[string]string{
		"CleanClose": "a webhook's sender keeps retrying after the connector stops, so the suite's leak check sees the sender's connections; TestCleanClose checks the connector alone",
	}
}

func (f *suiteFixture) Config(t *testing.T) map[string]any {
	return map[string]any{"bearer_token_file": secretFile(t, token), "batch": 5, "timeout": "2s"}
}

func (f *suiteFixture) Write(t *testing.T, rows []connectortest.Row) {
	ctx := t.Context()
	url := f.url
	go func() {
		for _, r := range rows {
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body(r.Kitchen, r.Date, r.Total)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusBadRequest {
						break
					}
				}
				select {
				case <-ctx.Done():
				case <-time.After(20 * time.Millisecond):
				}
			}
		}
	}()
}
