package automation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/vasteras/civicbus/demo"
	"github.com/vasteras/civicbus/demo/replay"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/routine"
)

// TestDemoSensorLogAlarmsWheneverReplayed: `civicbus run` replays the
// demo's real sensor log as of the hour it starts (replay.StartDaysBefore).
// Whatever that hour, the routine model, fed as the watcher feeds it,
// raises the same alarms, and at least one: the demo's care-alarm case
// does not depend on the time of day the demo is started. (Moved by
// other than whole days, the log's nights fell in the day and, started
// between 03:00 and 08:00 UTC, the demo raised none.)
func TestDemoSensorLogAlarmsWheneverReplayed(t *testing.T) {
	acts, err := replay.Parse(bytes.NewReader(demo.SensorLog()))
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	var first []string
	for h := range 24 {
		now := time.Date(2026, 11, 26, h, 17, 0, 0, time.UTC)
		start := replay.StartDaysBefore(acts, now)
		shift := start.Sub(acts[0].Start)
		if last := acts[len(acts)-1].Start.Add(shift); last.After(now) || now.Sub(last) > 48*time.Hour {
			t.Fatalf("at %s the log ends at %s", now, last)
		}
		if shift%(24*time.Hour) != 0 {
			t.Fatalf("the log moved by %s, not whole days", shift)
		}
		m, err := routine.New(routine.Config{Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		var training []schemas.SensorActivation
		var kinds []string
		for _, a := range acts {
			e, err := a.Event(demo.SensorResident)
			if err != nil {
				t.Fatal(err)
			}
			e.StartedAt, e.EndedAt = e.StartedAt.Add(shift), e.EndedAt.Add(shift)
			if m.Watching(e.ResidentID) {
				m.Observe(e)
			} else if training = append(training, e); e.StartedAt.Sub(training[0].StartedAt) >= TrainingDays*24*time.Hour {
				if m.Train(training, e.StartedAt) == nil {
					m.Observe(e)
				}
			}
			for _, al := range m.Check(e.StartedAt) {
				kinds = append(kinds, string(al.Kind))
			}
		}
		if h == 0 {
			first = kinds
			t.Logf("alarms on the demo's log: %v", kinds)
		}
		if len(kinds) == 0 || !slices.Equal(kinds, first) {
			t.Errorf("replayed at %02d:17 UTC: alarms %v, at 00:17 %v", h, kinds, first)
		}
	}
}

// TestTrainingBufferIsBounded: a resident whose sensors report an
// activation a second never fills a week within MaxTrainingActivations;
// the watcher keeps at most that many of theirs, warns once, and the
// warning names no resident.
func TestTrainingBufferIsBounded(t *testing.T) {
	log := &strings.Builder{}
	s := &Service{cfg: Config{Logger: slog.New(slog.NewTextHandler(log, nil))}}
	w, err := s.newWatcher()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	for i := range MaxTrainingActivations + 5_000 {
		js, _ := json.Marshal(schemas.SensorActivation{ResidentID: "res-chatty", SensorID: "pir-1", SensorKind: "motion", Object: "seat",
			Room: "living-room", StartedAt: at.Add(time.Duration(i) * time.Second)})
		w.observe(message.NewMessage(fmt.Sprint(i), js))
		if n := len(w.pending["res-chatty"]); n > MaxTrainingActivations {
			t.Fatalf("%d activations kept after %d", n, i+1)
		}
	}
	if n := strings.Count(log.String(), "level=WARN"); n != 1 || strings.Contains(log.String(), "res-chatty") {
		t.Errorf("%d warnings (want 1, without the resident):\n%s", n, log)
	}
}
