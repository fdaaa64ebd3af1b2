package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a buffer a logger and a test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// TestAccessLog: each request is logged with its method, route, status,
// bytes, duration and client network, and with none of what the client
// put in its path, query or address.
func TestAccessLog(t *testing.T) {
	var buf syncBuffer
	svc, err := New(context.Background(), Config{DB: dsnSQLite(t), BaseURL: "https://data.vasteras.se",
		Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	seedVersion(t, svc.store, weatherDef, 1, time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC), weatherCols, weatherRows(10))
	mux := http.NewServeMux()
	svc.Mount(mux)
	const pnr, mail = "199001011234", "anna.svensson@example.se"
	for _, target := range []string{
		"/api/v1/datasets/weather-per-station-day/rows?station=" + pnr + "&fields=day",
		"/datasets/" + pnr,
		"/datasets/weather-per-station-day/latest.csv?sep=semicolon&x=" + mail,
		"/api/v1/" + pnr,
	} {
		serve(mux, from("198.51.100.77:52123", target))
	}
	serve(mux, from("[2001:db8:aa:bb:cc::7]:443", "/api/3/action/package_show?id="+pnr))
	lines := buf.lines()
	if len(lines) != 5 {
		t.Fatalf("%d lines logged, want 5: %s", len(lines), buf.b.String())
	}
	want := []struct {
		route  string
		status float64
		params float64
		client string
	}{
		{"GET /api/v1/datasets/{id}/rows", 200, 2, "198.51.100.0/24"},
		{"GET /datasets/{id}", 404, 0, "198.51.100.0/24"},
		{"GET /datasets/{id}/{file}", 200, 2, "198.51.100.0/24"},
		{"/api/v1/", 404, 0, "198.51.100.0/24"},
		{"GET /api/3/action/{action}", 404, 1, "2001:db8:aa::/48"},
	}
	for i, l := range lines {
		w := want[i]
		if l["msg"] != "http request" || l["method"] != "GET" || l["route"] != w.route || l["status"] != w.status ||
			l["query_params"] != w.params || l["client"] != w.client || l["duration"] == nil {
			t.Errorf("line %d: %v; want %+v", i+1, l, w)
		}
		if b, _ := l["bytes"].(float64); b <= 0 {
			t.Errorf("line %d: bytes %v", i+1, l["bytes"])
		}
	}
	for _, leak := range []string{pnr, mail, "anna", ".77", "52123", ":cc:", "semicolon", "station"} {
		if strings.Contains(buf.b.String(), leak) {
			t.Errorf("the log holds %q: %s", leak, buf.b.String())
		}
	}
}
