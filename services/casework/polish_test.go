package casework

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// TestAutomatedStepsWithoutDecisionRecords: the simulated case system
// completes automated steps without decision records (its steps carry a
// decision_id, or none), the automation sends a decision record and a
// step-completed with the same decision_id. The row counts each automated
// step once, as the timeline shows them, whatever comes first — also
// steps completed before their case is opened, and after a migration of a
// store that counted decision records only.
func TestAutomatedStepsWithoutDecisionRecords(t *testing.T) {
	databases(t, func(t *testing.T, dsn string) {
		s, _ := start(t, dsn)
		ctx := context.Background()
		apply := func(topic, id string, body any) {
			t.Helper()
			js, _ := json.Marshal(body)
			if _, err := s.Apply(ctx, topic, id, js); err != nil {
				t.Fatalf("apply %s: %v", topic, err)
			}
		}
		at := time.Date(2024, 3, 4, 19, 42, 0, 0, time.UTC)
		caseID := uid(4200)
		rule := schemas.Actor{Kind: schemas.ActorRule, ID: "residency-check", Version: "1"}
		step := func(n int, stepID, decisionID string, automated bool) {
			t.Helper()
			apply(TopicStepCompleted, uid(4200+n), schemas.StepCompleted{CaseID: caseID, CaseType: "preschool-placement", StepID: stepID,
				CompletedAt: at.Add(-time.Duration(n) * time.Second), CompletedBy: rule, Automated: automated, DecisionID: decisionID})
		}
		step(1, "residency-check", uid(4291), true) // before the opening, and before the opening's time
		apply(TopicCaseOpened, uid(4210), schemas.CaseOpened{CaseID: caseID, CaseType: "preschool-placement", OpenedAt: at, OrgUnitID: "forskoleplacering"})
		step(2, "queue-priority", "", true)
		step(3, "guardian-reply", "", false)
		counts := func() int {
			t.Helper()
			c, err := s.store.caseByID(ctx, caseID)
			if err != nil {
				t.Fatal(err)
			}
			return c.Automated
		}
		if got := counts(); got != 2 {
			t.Fatalf("automated steps on the row: %d, want 2 (the simulated case system's)", got)
		}
		// The automation's pair: a decision record and its step.
		apply(TopicDecision, uid(4292), schemas.DecisionRecorded{DecisionID: uid(4292), CaseID: caseID, CaseType: "preschool-placement",
			StepID: "age-check", DecidedAt: at.Add(time.Minute), Automated: true, DecidedBy: rule,
			DecisionContent: schemas.DecisionContent{Outcome: schemas.OutcomeCompleted, Motivering: "Ålder rätt.", LegalBasis: []string{"Skollagen"}}})
		apply(TopicStepCompleted, uid(4293), schemas.StepCompleted{CaseID: caseID, CaseType: "preschool-placement", StepID: "age-check",
			CompletedAt: at.Add(time.Minute), CompletedBy: rule, Automated: true, DecisionID: uid(4292)})
		if got := counts(); got != 3 {
			t.Fatalf("after a decision record and its step: %d automated, want 3", got)
		}
		if only, _, err := s.store.cases(ctx, Filter{Units: []string{"forskoleplacering"}, Automated: true}); err != nil || len(only) != 1 {
			t.Fatalf("automated filter: %d cases (%v), want 1", len(only), err)
		}

		// The timeline starts with the opening although two steps are
		// stamped before it.
		tl, err := s.store.timeline(ctx, caseID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tl) != 6 || tl[0].Kind != KindOpened {
			t.Fatalf("timeline %v, want 6 entries, the opening first", kindsAt(tl))
		}
		for i := 2; i < len(tl); i++ {
			if tl[i].At.Before(tl[i-1].At) {
				t.Errorf("timeline after the opening not in time order: %v", kindsAt(tl))
			}
		}

		// A store that counted decision records only (and has no
		// automated steps kept) is counted again when opened.
		for _, q := range []string{`DELETE FROM casework_automated_steps`, `UPDATE casework_cases SET automated_steps = 1`} {
			if _, err := s.store.db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.store.migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := counts(); got != 3 {
			t.Fatalf("after migration: %d automated, want 3", got)
		}
	})
}

func kindsAt(tl []Entry) []string {
	var out []string
	for _, e := range tl {
		out = append(out, e.Kind+"@"+e.At.Format(time.TimeOnly))
	}
	return out
}
