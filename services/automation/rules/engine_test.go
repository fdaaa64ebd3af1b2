package rules_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/rules"
)

const appTopic = "school.preschool-application.v1"

var now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func application() map[string]any {
	return map[string]any{
		"application_id":        "0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a13",
		"submitted_at":          "2026-03-02T08:59:30+01:00",
		"kind":                  "new",
		"child_personnummer":    "20230314-4568",
		"guardian_personnummer": "19900101-1234",
		"guardian_email":        "vardnadshavare@example.se",
		"desired_start_date":    "2026-08-17",
		"preferred_unit_ids":    []any{"forskola-haga"},
		"hours_per_week":        40,
	}
}

func register() rules.MapLookups {
	return rules.MapLookups{"population-register": {"20230314-4568": {
		"register_event_id": "navet-2023-000104568", "personnummer": "20230314-4568",
		"birth_date": "2023-03-14", "moved_in_on": "2023-03-20", "municipality_code": "1980",
	}}}
}

func examples(t testing.TB) *rules.Engine {
	t.Helper()
	e, err := rules.Load("testdata/examples")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func byRule(ds []rules.Decision) map[string]rules.Decision {
	out := map[string]rules.Decision{}
	for _, d := range ds {
		out[d.DecidedBy.ID] = d
	}
	return out
}

// TestDecisionRecord checks one full record: what decided, on what, why,
// under which law and delegation, and that no personal value is copied.
func TestDecisionRecord(t *testing.T) {
	e := examples(t).WithLookups(register(), 0)
	ds, err := e.Evaluate(context.Background(), appTopic, "app-evt-1", application(), now)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := byRule(ds)["preschool-residency"]
	if !ok {
		t.Fatalf("no residency decision in %+v", ds)
	}
	if d.CaseID != "0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a13" || d.CaseType != "preschool-placement" || d.StepID != "residency-check" ||
		d.DecidedBy != (schemas.Actor{Kind: schemas.ActorRule, ID: "preschool-residency", Version: "2"}) ||
		!d.Automated || d.TriggerEventID != "app-evt-1" || !d.DecidedAt.Equal(now) ||
		d.Outcome != schemas.OutcomeCompleted || d.Result != "residency-confirmed" ||
		d.DelegationRef != "BUN delegationsordning 2024 punkt 3.2" || len(d.LegalBasis) != 3 ||
		d.Confidence == nil || *d.Confidence != 1 {
		t.Errorf("record %+v", d)
	}
	want := map[string]schemas.DecisionInput{
		"event.application_id":       {Name: "event.application_id", Value: "0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a13"},
		"event.child_personnummer":   {Name: "event.child_personnummer", Ref: "school.preschool-application/0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a13"},
		"resident.moved_in_on":       {Name: "resident.moved_in_on", Value: "2023-03-20"},
		"resident.municipality_code": {Name: "resident.municipality_code", Value: "1980"},
	}
	for _, in := range d.Inputs {
		w, ok := want[in.Name]
		if !ok || w.Ref != in.Ref || w.Value != in.Value {
			t.Errorf("input %+v, want %+v", in, w)
		}
		delete(want, in.Name)
	}
	if len(want) > 0 {
		t.Errorf("inputs missing: %v", want)
	}
	b, err := json.Marshal(ds)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"20230314-4568", "19900101-1234", "vardnadshavare@example.se", "2023-03-14"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("a decision copies the personal value %q:\n%s", secret, b)
		}
	}
}

// TestIdempotentIDs: a redelivered event gives the same decision ids; a
// new event, another case or another version gives new ones.
func TestIdempotentIDs(t *testing.T) {
	e := examples(t).WithLookups(register(), 0)
	ids := func(eventID string, ev map[string]any) []string {
		ds, err := e.Evaluate(context.Background(), appTopic, eventID, ev, now)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range ds {
			out = append(out, d.DecisionID)
		}
		return out
	}
	first, again := ids("app-evt-1", application()), ids("app-evt-1", application())
	if len(first) != 4 || strings.Join(first, ",") != strings.Join(again, ",") {
		t.Fatalf("redelivery gave %v, then %v", first, again)
	}
	other := application()
	other["application_id"] = "1c9f3a5d-4e2b-4a7f-8b68-3d2e9f0a1b24"
	seen := map[string]bool{}
	for _, id := range append(append(first, ids("app-evt-2", application())...), ids("app-evt-1", other)...) {
		if seen[id] {
			t.Fatalf("id %s given twice across events, cases or rules", id)
		}
		seen[id] = true
	}
	if rules.DecisionID("r", 1, "e", "c") == rules.DecisionID("r", 2, "e", "c") {
		t.Error("two versions of a rule give one decision id")
	}
}

// TestVersions: every version is kept; the highest active one evaluates
// and its decision names it.
func TestVersions(t *testing.T) {
	e := examples(t)
	if v := e.Evaluating("preschool-residency"); v != 2 {
		t.Errorf("evaluating version %d, want 2 (3 is inactive)", v)
	}
	for _, v := range []int{1, 2, 3} {
		if r, ok := e.Rule("preschool-residency", v); !ok || r.Version != v {
			t.Errorf("version %d not kept", v)
		}
	}
	dir := rulesDir(t, base)
	v2 := strings.Replace(strings.Replace(base, "version: 1", "version: 2", 1), "active: true", "active: false", 1)
	write(t, filepath.Join(dir, "rule-v2.yaml"), v2)
	e2, err := rules.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := e2.WithLookups(register(), 0).Evaluate(context.Background(), appTopic, "app-evt-1", application(), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].DecidedBy.Version != "1" {
		t.Fatalf("decisions %+v, want one by version 1 (version 2 is inactive)", ds)
	}
}

// silent is a projection that never answers before its deadline.
type silent struct{}

func (silent) Get(ctx context.Context, _, _ string) (map[string]any, bool, error) {
	<-ctx.Done()
	return nil, false, ctx.Err()
}

// TestLookupTimeoutRefers: a lookup that times out refers the step; it
// never completes it, and the rules without inputs still decide.
func TestLookupTimeoutRefers(t *testing.T) {
	e := examples(t).WithLookups(silent{}, time.Millisecond)
	ds, err := e.Evaluate(context.Background(), appTopic, "app-evt-1", application(), now)
	if err != nil {
		t.Fatal(err)
	}
	got := byRule(ds)
	for _, id := range []string{"preschool-residency", "preschool-age"} {
		if d := got[id]; d.Outcome != schemas.OutcomeReferred || !strings.Contains(d.Motivering, "population-register kunde inte hämtas") {
			t.Errorf("%s: %s %q, want referred because the register did not answer", id, d.Outcome, d.Motivering)
		}
	}
	if got["preschool-completeness"].Outcome != schemas.OutcomeCompleted {
		t.Errorf("completeness: %s, want completed (it reads no input)", got["preschool-completeness"].Outcome)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Evaluate(ctx, appTopic, "app-evt-1", application(), now); err == nil {
		t.Error("a cancelled evaluation gave decisions, want its error")
	}
}

// TestNoCaseNoDecision: an event without a usable case id gives an error
// that names the rule and expression, not the value.
func TestNoCaseNoDecision(t *testing.T) {
	ev := application()
	ev["application_id"] = "19900101-1234"
	_, err := examples(t).WithLookups(register(), 0).Evaluate(context.Background(), appTopic, "app-evt-1", ev, now)
	if err == nil || !strings.Contains(err.Error(), "trigger.case_id: not a UUID") || strings.Contains(err.Error(), "19900101") {
		t.Fatalf("got %v", err)
	}
}

// TestOtherTopics: an event type no rule is triggered by gives nothing.
func TestOtherTopics(t *testing.T) {
	ds, err := examples(t).Evaluate(context.Background(), "roads.weather-observation.v1", "x", map[string]any{}, now)
	if err != nil || len(ds) != 0 {
		t.Fatalf("got %v, %v", ds, err)
	}
}
