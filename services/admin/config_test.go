package admin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestConfig: the token comes from its file (a mounted secret, trailing
// newline and all); an empty file, a missing one, or both the token and
// its file are errors that name the variable, never the token.
func TestConfig(t *testing.T) {
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	dir := t.TempDir()
	writeFile(t, dir+"/token", testToken+"\n")
	writeFile(t, dir+"/empty", "\n")
	for _, tc := range []struct {
		name       string
		cfg        Config
		wantErr    string // "" for none
		wantsToken bool
	}{
		{"file", Config{TokenFile: dir + "/token"}, "", true},
		{"empty file", Config{TokenFile: dir + "/empty"}, EnvTokenFile, false},
		{"missing file", Config{TokenFile: dir + "/none"}, EnvTokenFile, false},
		{"both", Config{Token: testToken, TokenFile: dir + "/token"}, "set one", false},
	} {
		tc.cfg.Conn, tc.cfg.Mux = conn, http.NewServeMux()
		s, err := New(tc.cfg)
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			if tc.wantsToken && s.token != testToken {
				t.Errorf("%s: the token was not read from its file", tc.name)
			}
			s.Close()
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: error %v, want one naming %q and not the token", tc.name, err, tc.wantErr)
		}
	}
}

// TestRunWithoutToken: Run serves 403 while no token is set, and returns
// nil when its context ends.
func TestRunWithoutToken(t *testing.T) {
	mux := http.NewServeMux()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Config{Conn: bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}, Mux: mux})
	}()
	waitFor(t, "the face mounted", func() bool {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/", nil))
		return rec.Code == http.StatusForbidden
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v, want nil after its context ended", err)
	}
}
