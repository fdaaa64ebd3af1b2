package connect

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/connectors"
)

func TestLogBackfills(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	logBackfills(logger, []connectors.Status{
		{Connector: "census", Rate: 48210.4, Backfill: &connectors.Backfill{Done: 52, Total: 100, Percent: 52, ETASeconds: 11.6}},
		{Connector: "idle", Rate: 0},
		{Connector: "schools", Backfill: &connectors.Backfill{Total: 7}},
	})
	want := "level=INFO msg=backfill connector=census percent=52 done=52 total=100 rate=48210 eta=12s\n" +
		"level=INFO msg=backfill connector=schools percent=0 done=0 total=7 rate=0 eta=unknown\n"
	if got := buf.String(); got != want {
		t.Errorf("logged:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(buf.String(), "idle") {
		t.Error("a connector without a backfill logged progress")
	}
}
