package sqlpoll_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/connectors"
)

const source = "/civicbus/connectors/kitchen-waste-db"

func wasteID(kitchen, day string) string {
	return connectors.EventID(source, `"`+kitchen+`"`+"\x1f"+`"`+day+`"`+"\x1f"+`"lunch"`, 1)
}

// TestRowsToTheBus inserts rows, one of them invalid: the good ones arrive as
// valid events with deterministic ids, the bad one goes to the dead-letter
// topic; rows inserted later arrive, and only they.
func TestRowsToTheBus(t *testing.T) {
	e := newPostgres(t)
	events, letters := e.Collect(wasteTopic), e.Collect(wasteTopic+".dlq")
	e.insert("vallby-skola", "2024-09-02", 1.25)
	e.insert("vallby-skola", "2024-09-03", -3.5) // id 2: negative weight
	e.insert("skiljebo-skola", "2024-09-02", 0)
	r := e.Start(e.yaml(""))

	waitFor(t, "2 events and 1 dead letter", 10*time.Second, func() bool {
		return len(events.All()) >= 2 && len(letters.All()) >= 1
	})
	want := map[string]bool{wasteID("vallby-skola", "2024-09-02"): true, wasteID("skiljebo-skola", "2024-09-02"): true}
	for _, msg := range events.All() {
		if !want[msg.UUID] {
			t.Errorf("unexpected event id %s: %s", msg.UUID, msg.Payload)
		}
		if err := e.Contracts.Check(wasteTopic, msg.Metadata.Get(bus.HeaderDataSchema), msg.Payload); err != nil {
			t.Errorf("event %s does not validate: %v", msg.UUID, err)
		}
	}
	if got := string(events.All()[0].Payload); got != `{"date":"2024-09-02","diners":120,"kitchen_id":"vallby-skola","kitchen_waste_kg":1.25,"meal":"lunch","plate_waste_kg":3.25,"serving_waste_kg":2,"total_waste_kg":6.75}` {
		t.Errorf("first event = %s", got)
	}
	l := letters.All()[0]
	if msgErr := l.Metadata.Get(middleware.HeaderDLQError); !strings.HasPrefix(msgErr, "waste id=2: contract:") || strings.Contains(msgErr, "-3.5") {
		t.Errorf("dlq_error = %q, want the row and the contract, no value", msgErr)
	}
	if !strings.Contains(string(l.Payload), `"kitchen_kg":-3.5`) {
		t.Errorf("dead letter payload = %s, want the row", l.Payload)
	}

	e.insert("kristiansborg-skola", "2024-09-04", 1)
	e.insert("kristiansborg-skola", "2024-09-05", 1)
	waitFor(t, "the later rows", 10*time.Second, func() bool { return len(events.All()) >= 4 })
	waitFor(t, "5 records in", 5*time.Second, func() bool { return r.Runtime.Status().RecordsIn >= 5 })
	if got := r.Runtime.Status().RecordsIn; got != 5 {
		t.Errorf("%d records read for 5 rows", got)
	}
	if !unique(events.All())[wasteID("kristiansborg-skola", "2024-09-05")] {
		t.Error("the last row is not on the bus")
	}
	if n := len(events.All()); n != 4 {
		t.Errorf("%d events, want 4", n)
	}
}

// TestRestartResumesAfterLastRow stops the runtime and starts a new one:
// it reads only the rows after the last one on the bus.
func TestRestartResumesAfterLastRow(t *testing.T) {
	e := newPostgres(t)
	events := e.Collect(wasteTopic)
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 50 {
		e.insert(fmt.Sprintf("kok-%d", i), day.Format(time.DateOnly), 1)
	}
	yaml := e.yaml("  batch: 7")
	r := e.Start(yaml)
	waitFor(t, "50 events", 10*time.Second, func() bool { return len(events.All()) >= 50 })
	r.Stop()
	for i := range 10 {
		e.insert(fmt.Sprintf("kok-%d", i), day.AddDate(0, 0, 1).Format(time.DateOnly), 1)
	}
	r2 := e.Start(yaml)
	waitFor(t, "60 events", 10*time.Second, func() bool { return len(unique(events.All())) >= 60 })
	waitFor(t, "10 records in", 5*time.Second, func() bool { return r2.Runtime.Status().RecordsIn >= 10 })
	waitFor(t, "no lag", 5*time.Second, func() bool { return r2.Runtime.Status().Lag == 0 })
	if got := r2.Runtime.Status().RecordsIn; got != 10 {
		t.Errorf("the restart read %d records; 10 were new", got)
	}
	if n := len(events.All()); n != 60 {
		t.Errorf("%d events for 60 rows", n)
	}
	if len(unique(events.All())) != 60 {
		t.Errorf("%d distinct events for 60 rows", len(unique(events.All())))
	}
}

// TestConfigErrors names every problem of a config.
func TestConfigErrors(t *testing.T) {
	yaml := `name: bad
kind: sqlpoll
topic: meals.food-waste.v1
config:
  dsn: postgres://u:s3cret@127.0.0.1/db
  dsn_env: ALSO
  column: "id; DROP TABLE x"
  interval: fast
  batch: -1
  colour: blue
mapping:
  fields:
    kitchen_id: row.kitchen
`
	for _, tc := range []struct{ yaml, want string }{
		{strings.Replace(yaml, "  colour: blue\n", "", 1), ""},
		{yaml, "colour"},
	} {
		cfg, err := connectors.ParseConfig([]byte(tc.yaml), "bad.yaml")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = registry(t).Build(cfg, nil)
		if err == nil {
			t.Fatal("Build accepted a bad config")
		}
		msg := err.Error()
		if tc.want != "" {
			if !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not name %s", msg, tc.want)
			}
			continue
		}
		for _, want := range []string{
			"sqlpoll: table: required",
			"sqlpoll: dsn: set only one",
			`sqlpoll: column: "id; DROP TABLE x"`,
			`sqlpoll: interval: "fast"`,
			"sqlpoll: batch: must not be negative",
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("error does not say %q:\n%s", want, msg)
			}
		}
		if strings.Contains(msg, "s3cret") {
			t.Errorf("error shows the password: %s", msg)
		}
	}
}
