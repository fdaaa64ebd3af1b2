package portal

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestClientLeavingIsNoWarning: a reader who stops a download half way (a
// crawler, a browser's cancel) is logged at DEBUG, not as a WARN "download
// cut short" that sends whoever watches the log looking for a fault; a
// download the portal itself cannot finish still warns.
func TestClientLeavingIsNoWarning(t *testing.T) {
	var logs syncBuffer
	svc, err := New(context.Background(), Config{DB: t.TempDir() + "/portal.db", BaseURL: "https://data.vasteras.se",
		Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	// Large enough that the body cannot sit in the sockets' buffers.
	seedVersion(t, svc.store, weatherDef, 1, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), weatherCols, weatherRows(200_000))
	mux := http.NewServeMux()
	svc.Mount(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, file := range []string{"latest.json", "latest.ndjson", "latest-sv.csv"} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, "GET /datasets/"+weatherDef.Name+"/"+file+" HTTP/1.1\r\nHost: x\r\n\r\n")
		buf := make([]byte, 4096)
		if _, err := io.ReadAtLeast(conn, buf, 1); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		conn.(*net.TCPConn).SetLinger(0) // a reset, as a cancelled browser sends
		conn.Close()
	}
	count := func() (left, warned int) {
		for _, l := range logs.lines() {
			if l["msg"] == "download ended: the client left" {
				left++
			}
			if l["level"] == "WARN" || l["level"] == "ERROR" {
				warned++
				t.Logf("%v", l)
			}
		}
		return left, warned
	}
	deadline := time.Now().Add(60 * time.Second)
	for left, warned := count(); left+warned < 3 && time.Now().Before(deadline); left, warned = count() {
		time.Sleep(20 * time.Millisecond)
	}
	if left, warned := count(); left != 3 || warned != 0 {
		t.Errorf("of 3 abandoned downloads %d logged as the client leaving, %d warned", left, warned)
	}

	// The portal's own failure is still one.
	if clientLeft(context.Background(), errors.New("portal: read rows: disk I/O error")) {
		t.Error("a read error taken for the client leaving")
	}
}
