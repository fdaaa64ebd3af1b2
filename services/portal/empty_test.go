package portal

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEmptyCatalogSaysNothingIsPublished: before the first version of any
// dataset (the demo's first minute), the start page says that nothing is
// published yet, not that nothing matches a search nobody made; a search
// that finds nothing in a full catalog still says so.
func TestEmptyCatalogSaysNothingIsPublished(t *testing.T) {
	svc, err := New(context.Background(), Config{DB: t.TempDir() + "/portal.db", BaseURL: "https://data.vasteras.se"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	mux := http.NewServeMux()
	svc.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for path, want := range map[string]string{
		"/":         "Inga datamängder är publicerade ännu.",
		"/?lang=en": "No dataset is published yet.",
		"/?q=snö":   "Inga datamängder är publicerade ännu.",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) || strings.Contains(string(b), "matchar sökningen") || strings.Contains(string(b), "matches the search") {
			t.Errorf("%s: %d, want %q and no \"matches the search\"", path, resp.StatusCode, want)
		}
	}

	s := newSeeded(t)
	_, body := html(t, s, "/?q=finnsinte")
	mustContain(t, "a search without hits", body, "Inga datamängder matchar sökningen.")
	if strings.Contains(body, "publicerade ännu") {
		t.Error("a full catalog says nothing is published")
	}
}
