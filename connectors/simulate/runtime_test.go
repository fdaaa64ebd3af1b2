package simulate

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"go.uber.org/goleak"
)

const stepsYAML = `
name: simulated-steps
kind: simulate
topic: cases.step-completed.v1
config: {scenario: case-step-completed, seed: 11, start: 2024-01-01, end: 2024-12-31, batch_size: 7}
mapping:
  fields:
    case_id: row.case_id
    case_type: row.case_type
    step_id: row.step_id
    completed_at: row.completed_at
    completed_by: row.completed_by
    automated: row.automated
    decision_id: 'has(row.decision_id) ? row.decision_id : null'
`

// TestRestartThroughRuntime: stopped mid-way and started again, the
// connector puts every simulated record on the bus exactly once, in the
// order an uninterrupted read gives.
func TestRestartThroughRuntime(t *testing.T) {
	want := readAll(t, newTestSource(t, Config{Scenario: "case-step-completed", Seed: 11, Start: "2024-01-01", End: "2024-12-31"}))
	e := connectortest.New(t, connectortest.Registry(t, Kind()), "cases.step-completed.v1")
	events := e.Collect("cases.step-completed.v1")
	r := e.Start(stepsYAML)
	connectortest.WaitFor(t, "the first events", 20*time.Second, func() bool { return len(events.All()) >= 50 })
	r.Stop()
	if n := len(events.All()); n >= len(want) {
		t.Fatalf("the run was not stopped mid-way: %d of %d events", n, len(want))
	}
	r = e.Start(stepsYAML)
	connectortest.WaitFor(t, "the end of the period", 30*time.Second, func() bool {
		return r.Runtime.Status().State == connectors.StateFinished
	})
	connectortest.WaitFor(t, "every event", 20*time.Second, func() bool { return len(events.All()) >= len(want) })
	got := events.All()
	if len(got) != len(want) || len(connectortest.Unique(got)) != len(want) {
		t.Fatalf("%d events, %d distinct, for %d records", len(got), len(connectortest.Unique(got)), len(want))
	}
	for i, msg := range got {
		var p map[string]any
		if err := json.Unmarshal(msg.Payload, &p); err != nil {
			t.Fatal(err)
		}
		f := want[i].Fields
		if p["case_id"] != f["case_id"] || p["step_id"] != f["step_id"] || p["completed_at"] != f["completed_at"] {
			t.Fatalf("event %d is %v/%v, want record %s", i, p["case_id"], p["step_id"], want[i].Key)
		}
	}
}

// TestFollowStops: a following connector without end, paced a simulated
// week a second, sends records until it is stopped, then leaves nothing
// running.
func TestFollowStops(t *testing.T) {
	e := connectortest.New(t, connectortest.Registry(t, Kind()), "meals.portions-served.v1")
	events := e.Collect("meals.portions-served.v1")
	snapshot := goleak.IgnoreCurrent()
	r := e.Start(`
name: simulated-lunches
kind: simulate
topic: meals.portions-served.v1
config: {scenario: meal-portions, seed: 1, start: 2024-09-02, follow: true, speed: 604800, volume: 0.1}
mapping:
  fields: {kitchen_id: row.kitchen_id, date: row.date, meal: row.meal, portions: row.portions}
`)
	connectortest.WaitFor(t, "the first days' lunches", 20*time.Second, func() bool { return len(events.All()) >= 12 })
	r.Stop()
	if st := r.Runtime.Status(); st.State != connectors.StateStopped || st.Failed != 0 {
		t.Errorf("status %+v", st)
	}
	connectortest.VerifyNoLeaks(t, snapshot)
}
