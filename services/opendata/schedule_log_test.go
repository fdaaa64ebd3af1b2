package opendata

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/services/opendata/dataset"
	"github.com/vasteras/civicbus/services/opendata/release"
)

// TestScheduledRefusalLoggedOnce: the demo's care-alarm dataset, with one
// small group, is refused (every row would be hidden); the scheduler, which
// tries every minute while changes are pending, says so once at INFO, not
// an ERROR a minute. Another refusal is an ERROR, also once; a new state is
// said again.
func TestScheduledRefusalLoggedOnce(t *testing.T) {
	ls, err := dataset.LoadDir(demoDef(t, "care-alarms-per-month.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	d := ls[0]
	cells := []release.Cell{{Group: []any{"1980-104", "2026-10-01", "night-wandering"}, Agg: release.Agg{N: 3}}}
	_, berr := release.Build(release.Input{Def: d, Version: 1, Cells: cells, Now: time.Now()})
	if !errors.Is(berr, release.ErrEveryRowHidden) || !errors.Is(berr, release.ErrRefused) {
		t.Fatalf("one small group of the demo's care alarms: %v; want ErrRefused and ErrEveryRowHidden", berr)
	}
	refused := fmt.Errorf("opendata: dataset %s: version %d refused: %w", d.Name, 1, berr) // as Publish wraps it

	var buf bytes.Buffer
	s := &Service{cfg: Config{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}}
	said := map[string]string{}
	for range 5 {
		s.logScheduled(said, d, refused)
	}
	if n := strings.Count(buf.String(), "\n"); n != 1 || !strings.Contains(buf.String(), "level=INFO") || !strings.Contains(buf.String(), "every row would be hidden") {
		t.Errorf("five checks of the same waiting version logged %d lines, want 1 at INFO:\n%s", n, buf.String())
	}
	if strings.Contains(buf.String(), "1980-104") {
		t.Errorf("the log names a group: %s", buf.String())
	}

	buf.Reset()
	other := fmt.Errorf("opendata: dataset %s: version 1 refused: %w: k unreachable", d.Name, release.ErrRefused)
	s.logScheduled(said, d, other)
	s.logScheduled(said, d, other)
	if n := strings.Count(buf.String(), "\n"); n != 1 || !strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("another refusal twice logged %d lines, want 1 ERROR:\n%s", n, buf.String())
	}

	// Published: forgotten, so the next refusal is said again.
	buf.Reset()
	s.logScheduled(said, d, nil)
	s.logScheduled(said, d, refused)
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Errorf("a refusal after a publication logged %d lines, want 1:\n%s", n, buf.String())
	}
}
