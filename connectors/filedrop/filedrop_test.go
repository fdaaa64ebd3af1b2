package filedrop_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/connectors"
)

// TestWindows1252SemicolonFileToTheBus drops a Windows-1252 export with
// semicolons and decimal commas: the good rows arrive as valid events with
// deterministic ids, the bad rows go to the dead-letter topic with the
// reason, and the file moves to processed/.
func TestWindows1252SemicolonFileToTheBus(t *testing.T) {
	e := newEnv(t)
	events, letters := e.Collect(wasteTopic), e.Collect(wasteTopic+".dlq")
	copyFile(t, "testdata/matsvinn-cp1252.csv", filepath.Join(e.dir, "matsvinn.csv"))
	e.Start(e.wasteYAML(""))

	waitFor(t, "3 events and 3 dead letters", 10*time.Second, func() bool {
		return len(events.All()) >= 3 && len(letters.All()) >= 3
	})
	waitFor(t, "the file in processed/", 5*time.Second, func() bool {
		return exists(filepath.Join(e.dir, "processed", "matsvinn.csv"))
	})

	source := "/civicbus/connectors/kitchen-waste"
	want := map[string]string{ // ce_id → kitchen/date
		connectors.EventID(source, `"vallby-skola"`+"\x1f"+`"2024-09-02"`+"\x1f"+`"lunch"`, 1):   "vallby-skola 2024-09-02",
		connectors.EventID(source, `"vallby-skola"`+"\x1f"+`"2024-09-03"`+"\x1f"+`"lunch"`, 1):   "vallby-skola 2024-09-03",
		connectors.EventID(source, `"skiljebo-skola"`+"\x1f"+`"2024-09-02"`+"\x1f"+`"lunch"`, 1): "skiljebo-skola 2024-09-02",
	}
	for _, msg := range events.All() {
		if _, ok := want[msg.UUID]; !ok {
			t.Errorf("unexpected event id %s: %s", msg.UUID, msg.Payload)
		}
		if err := e.Contracts.Check(wasteTopic, msg.Metadata.Get(bus.HeaderDataSchema), msg.Payload); err != nil {
			t.Errorf("event %s does not validate: %v", msg.UUID, err)
		}
		if got := msg.Metadata.Get(bus.HeaderType); got != "se.vasteras.civicbus.meals.food-waste.v1" {
			t.Errorf("ce_type = %q", got)
		}
	}
	first := events.All()[0]
	if string(first.Payload) != `{"date":"2024-09-02","diners":412,"kitchen_id":"vallby-skola","kitchen_waste_kg":1.25,"meal":"lunch","plate_waste_kg":7.75,"serving_waste_kg":3.5,"total_waste_kg":12.5}` {
		t.Errorf("first event = %s", first.Payload)
	}
	if len(events.All()) != 3 {
		t.Errorf("%d events, want 3", len(events.All()))
	}

	wantErr := []string{
		"matsvinn.csv:5: csv: the row has 5 columns, the header 8",
		"matsvinn.csv:6: contract:",
		"matsvinn.csv:7: contract:",
	}
	for i, l := range letters.All() {
		msgErr := l.Metadata.Get(middleware.HeaderDLQError)
		if i < len(wantErr) && !strings.HasPrefix(msgErr, wantErr[i]) {
			t.Errorf("dead letter %d: dlq_error = %q, want prefix %q", i, msgErr, wantErr[i])
		}
		if strings.Contains(msgErr, "-3.5") || strings.Contains(msgErr, "önsta") {
			t.Errorf("dlq_error quotes a value: %q", msgErr)
		}
		if h := l.Metadata.Get(middleware.HeaderDLQHandler); h != "kitchen-waste" {
			t.Errorf("dlq_handler = %q", h)
		}
	}
	if got := string(letters.All()[0].Payload); got != "skiljebo-skola;2024-09-03;lunch;1,1;3,2" {
		t.Errorf("dead letter payload = %q, want the raw row", got)
	}
}

// wasteCSV writes n rows of food waste in UTF-8 with a BOM.
func wasteCSV(n int) []byte {
	var b strings.Builder
	b.WriteString("\ufeffkök;datum;måltid;kökssvinn;serveringssvinn;tallrikssvinn;totalt;ätande\n")
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(&b, "kok-%d;%s;lunch;1,5;2;3,25;6,75;%d\n", i%50, day.AddDate(0, 0, i/50).Format(time.DateOnly), 100+i%300)
	}
	return []byte(b.String())
}

// TestRestartResumesMidFile stops the runtime in the middle of a file and
// starts a new one: every row arrives, once.
func TestRestartResumesMidFile(t *testing.T) {
	e := newEnv(t)
	events := e.Collect(wasteTopic)
	const rows, batch = 3000, 10
	if err := os.WriteFile(filepath.Join(e.dir, "big.csv"), wasteCSV(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	yaml := strings.Replace(e.wasteYAML(fmt.Sprintf("  batch_size: %d", batch)), "encoding: windows-1252", "encoding: utf-8", 1)
	r := e.Start(yaml)
	waitFor(t, "the first events", 10*time.Second, func() bool { return len(events.All()) >= 200 })
	r.Stop()
	stoppedAt := r.Runtime.Status().RecordsOut
	midFile := exists(filepath.Join(e.dir, "big.csv"))
	t.Logf("stopped after %d events; file still waiting: %v", stoppedAt, midFile)

	r2 := e.Start(yaml)
	waitFor(t, "the file in processed/", 30*time.Second, func() bool {
		return exists(filepath.Join(e.dir, "processed", "big.csv"))
	})
	waitFor(t, "every row", 10*time.Second, func() bool {
		return len(unique(events.All())) == rows
	})
	// A graceful stop checkpoints the batch it published: nothing is sent
	// twice. (A kill may send the batch in flight twice: TestSIGKILLMidFile.)
	if total := len(events.All()); total != rows {
		t.Errorf("%d events for %d rows after a graceful restart", total, rows)
	}
	if midFile && r2.Runtime.Status().RecordsIn > int64(rows)-stoppedAt+batch {
		t.Errorf("the restart read %d records; %d were left", r2.Runtime.Status().RecordsIn, int64(rows)-stoppedAt)
	}
}

func unique(msgs []*message.Message) map[string]bool {
	ids := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		ids[m.UUID] = true
	}
	return ids
}
