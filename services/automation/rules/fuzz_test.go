package rules_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/vasteras/civicbus/schemas"
)

// FuzzEvaluate feeds arbitrary JSON events to the worked examples: no
// panic, and every decision is a whole record (an error instead when the
// event names no case).
func FuzzEvaluate(f *testing.F) {
	good, _ := json.Marshal(application())
	f.Add(string(good))
	f.Add(`{"application_id":"0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a13","preferred_unit_ids":"x","desired_start_date":7}`)
	f.Add(`{"application_id":"0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a13","child_personnummer":["a"],"hours_per_week":null}`)
	e := examples(f).WithLookups(register(), 0)
	f.Fuzz(func(t *testing.T, payload string) {
		var ev map[string]any
		if json.Unmarshal([]byte(payload), &ev) != nil {
			return
		}
		ds, err := e.Evaluate(context.Background(), appTopic, "evt", ev, now)
		if err != nil {
			return
		}
		for _, d := range ds {
			if d.DecisionID == "" || d.CaseID == "" || d.Motivering == "" || len(d.LegalBasis) == 0 || d.DelegationRef == "" || d.Inputs == nil {
				t.Fatalf("incomplete record %+v", d)
			}
			if d.Outcome != schemas.OutcomeCompleted && d.Outcome != schemas.OutcomeReferred {
				t.Fatalf("outcome %q", d.Outcome)
			}
		}
	})
}
