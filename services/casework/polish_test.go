package casework

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
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
		apply(TopicStepCompleted, uid(4209), schemas.StepCompleted{CaseID: caseID, CaseType: "preschool-placement", StepID: "age-check",
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
		// The decision and its step share an instant (and the step's
		// event id sorts first): the decision comes first.
		if tl[4].Kind != KindDecision || tl[5].Kind != KindStep {
			t.Errorf("a decision does not precede its step of the same instant: %v", kindsAt(tl))
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

// TestPagesReadInSwedish: with the demo's case types (read by the
// automation's loader), the inbox and the case page name case types and
// steps by their Swedish titles, translate resolutions, head a case
// without a diarienummer by its type and short id, and start the timeline
// with the opening even when steps are stamped before it. Unknown ids and
// resolutions are shown as they came.
func TestPagesReadInSwedish(t *testing.T) {
	cts, err := LoadCaseTypes(filepath.Join("..", "..", "demo", "rules.d"))
	if err != nil {
		t.Fatal(err)
	}
	w := newWeb(t, filepath.Join(t.TempDir(), "casework.db"), func(c *Config) { c.CaseTypes = cts })
	at := time.Date(2024, 3, 5, 8, 0, 0, 0, time.UTC)
	caseID := uid(900)
	rule := schemas.Actor{Kind: schemas.ActorRule, ID: "residency-check"}
	publish(t, w.conn, []event{
		{TopicStepCompleted, uid(903), schemas.StepCompleted{CaseID: caseID, CaseType: "preschool-placement", StepID: "residency-check",
			CompletedAt: at.Add(-time.Minute), CompletedBy: rule, Automated: true, DecisionID: uid(904)}},
		{TopicCaseOpened, uid(901), schemas.CaseOpened{CaseID: caseID, CaseType: "preschool-placement", OpenedAt: at, OrgUnitID: "forskoleplacering"}},
		{TopicCaseClosed, uid(905), schemas.CaseClosed{CaseID: caseID, CaseType: "preschool-placement", ClosedAt: at.Add(time.Hour),
			Resolution: schemas.ResolutionRejected}},
	})
	waitFor(t, "the case without a diarienummer", func() bool {
		tl, _ := w.s.store.timeline(context.Background(), caseID)
		return len(tl) == 3
	})
	anna := w.login(t, "anna")
	_, inbox := anna.get("/casework/")
	for _, want := range []string{"<td>Ansökan om förskoleplats</td>", "Avslutat (avslag)", "<td>1</td>",
		`<option value="preschool-placement">Ansökan om förskoleplats</option>`} {
		if !strings.Contains(inbox, want) {
			t.Errorf("the inbox lacks %q:\n%s", want, inbox)
		}
	}
	if strings.Contains(inbox, "<td>preschool-placement</td>") || strings.Contains(inbox, "(rejected)") {
		t.Errorf("the inbox shows raw ids:\n%s", inbox)
	}
	_, page := anna.get("/casework/cases/" + caseID)
	for _, want := range []string{"<h1>Ärende: Ansökan om förskoleplats 00000000</h1>", "<dt>Ärendetyp</dt><dd>Ansökan om förskoleplats</dd>",
		"Steg klart: Kontroll av folkbokföring i Västerås", "Avslutat (avslag)", "inget (öppnat automatiskt)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the case page lacks %q:\n%s", want, page)
		}
	}
	if i, j := strings.Index(page, "Ärendet öppnat"), strings.Index(page, "Steg klart"); i < 0 || j < 0 || i > j {
		t.Errorf("the opening (at %d) is not before the step stamped earlier (at %d)", i, j)
	}
	if _, page := anna.get("/casework/cases/" + uid(100)); !strings.Contains(page, "<h1>Ärende BUN 2024/00123</h1>") {
		t.Errorf("a case with a diarienummer is not headed by it:\n%s", page)
	}
	var doc struct{ Case Case }
	if anna.json("/casework/api/cases/"+caseID, &doc); doc.Case.TypeTitle != "Ansökan om förskoleplats" || doc.Case.Type != "preschool-placement" {
		t.Errorf("the API's case: type %q, title %q", doc.Case.Type, doc.Case.TypeTitle)
	}
	if got := w.s.typeTitle("no-such-type"); got != "no-such-type" {
		t.Errorf("an unknown case type's title: %q", got)
	}
	if got := w.s.stepTitle("preschool-placement", "no-such-step"); got != "steg no-such-step" {
		t.Errorf("an unknown step's title: %q", got)
	}
	for in, want := range map[string]string{"granted": "beviljat", "denied": "avslag", "rejected": "avslag", "withdrawn": "återkallat", "something-new": "something-new"} {
		if got := resolutionText(in); got != want {
			t.Errorf("resolution %q reads %q, want %q", in, got, want)
		}
	}
}
