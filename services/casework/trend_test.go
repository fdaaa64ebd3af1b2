package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// weekOfDecisions applies, in unit, n cases each with one automated
// decision by actor made on day, the first overridden of them amended by a
// person; ids start at first.
func weekOfDecisions(t *testing.T, s *Service, first int, unit string, actor schemas.Actor, day time.Time, n, overridden int) {
	t.Helper()
	ctx := context.Background()
	apply := func(topic, id string, body any) {
		t.Helper()
		js, _ := json.Marshal(body)
		if _, err := s.Apply(ctx, topic, id, js); err != nil {
			t.Fatalf("apply %s: %v", topic, err)
		}
	}
	for i := range n {
		k := first + i
		caseID, decID := uid(k*10), uid(k*10+1)
		at := day.Add(time.Duration(i) * time.Hour)
		apply(TopicCaseOpened, uid(k*10+2), schemas.CaseOpened{CaseID: caseID, CaseType: "meal-order", CaseTypeVersion: 1, OpenedAt: at,
			OrgUnitID: unit, ReferenceNumber: fmt.Sprintf("KS 2025/%05d", k), SubjectRef: "meals.order/" + fmt.Sprint(k), Deadline: "2025-12-31"})
		apply(TopicDecision, decID, schemas.DecisionRecorded{DecisionID: decID, CaseID: caseID, CaseType: "meal-order", StepID: "check",
			DecidedAt: at.Add(time.Minute), Automated: true, DecidedBy: actor,
			DecisionContent: schemas.DecisionContent{Outcome: schemas.OutcomeCompleted, Motivering: "Enligt regeln.", LegalBasis: []string{"KL 6 kap. 37 §"}}})
		if i < overridden {
			apply(TopicDecisionAmended, uid(k*10+3), schemas.DecisionAmended{DecisionID: uid(k*10 + 3), AmendsDecisionID: decID, CaseID: caseID,
				CaseType: "meal-order", StepID: "check", AmendedAt: at.Add(48 * time.Hour), AmendedBy: schemas.Actor{Kind: schemas.ActorPerson, ID: "anna"},
				Reason: "Fel.", DecisionContent: schemas.DecisionContent{Outcome: schemas.OutcomeReferred, Motivering: "Fel.", LegalBasis: []string{"KL 6 kap. 37 §"}}})
		}
	}
}

// TestOverrideTrend: automated decisions spread over weeks give each
// rule's override rate per week, in the supervisor's units only; a week
// above the threshold with enough decisions is highlighted — in the
// chart, in its text alternative and in the table — and one at the
// threshold or with too few decisions is not.
func TestOverrideTrend(t *testing.T) {
	databases(t, func(t *testing.T, dsn string) {
		w := newWeb(t, dsn)
		s := w.s
		snow := schemas.Actor{Kind: schemas.ActorRule, ID: "snow-check", Version: "1"}
		meal := schemas.Actor{Kind: schemas.ActorRule, ID: "meal-order-check", Version: "2"}
		tiny := schemas.Actor{Kind: schemas.ActorRule, ID: "tiny", Version: "1"}
		alarm := schemas.Actor{Kind: schemas.ActorModel, ID: "care-alarm", Version: "1.0.0"}
		w17 := time.Date(2025, 4, 21, 8, 0, 0, 0, time.UTC) // Monday of 2025-W17
		week := func(i int) time.Time { return w17.AddDate(0, 0, 7*i) }
		n := 1000
		for i, over := range []int{1, 0, 6} {
			weekOfDecisions(t, s, n, "forskoleplacering", snow, week(i), 10, over)
			n += 10
		}
		for i, over := range []int{2, 1, 1} { // 20 % is the threshold, not over it
			weekOfDecisions(t, s, n, "forskoleplacering", meal, week(i), 10, over)
			n += 10
		}
		weekOfDecisions(t, s, n, "forskoleplacering", tiny, week(2), 2, 2) // 100 % of 2
		n += 10
		weekOfDecisions(t, s, n, "hemtjanst", alarm, week(2), 6, 6) // another unit

		days, err := s.store.ruleDays(context.Background(), Filter{Units: []string{"forskoleplacering"}})
		if err != nil {
			t.Fatal(err)
		}
		trends := trends(days, 0.2)
		byActor := map[string]Trend{}
		for _, tr := range trends {
			byActor[tr.Actor] = tr
			if len(tr.Weeks) != TrendWeeks || tr.Weeks[0].Week != "2025-W08" || tr.Weeks[TrendWeeks-1].Week != "2025-W19" {
				t.Fatalf("%s: weeks %v", tr.Actor, tr.Weeks)
			}
		}
		if len(byActor) != 3 {
			t.Fatalf("trends of %d rules, want 3 (the other unit's model left out): %v", len(byActor), trends)
		}
		got := byActor["rule:snow-check@1"]
		last3 := got.Weeks[TrendWeeks-3:]
		if !got.Flagged || last3[0].Overridden != 1 || last3[0].Automated != 10 || last3[1].Rate != 0 || last3[2].Rate != 0.6 || !last3[2].Over || last3[0].Over {
			t.Errorf("snow-check: %+v", got)
		}
		if m := byActor["rule:meal-order-check@2"]; m.Flagged || m.Weeks[TrendWeeks-3].Rate != 0.2 {
			t.Errorf("meal-order-check at the threshold: %+v", m)
		}
		if tn := byActor["rule:tiny@1"]; tn.Flagged || tn.Weeks[TrendWeeks-1].Rate != 1 {
			t.Errorf("tiny, two decisions: %+v", tn)
		}

		cecilia := w.login(t, "cecilia")
		st, page := cecilia.get("/casework/supervisor")
		if st != 200 {
			t.Fatalf("supervisor view: %d", st)
		}
		if strings.Contains(page, "care-alarm") {
			t.Error("the supervisor view shows another unit's model")
		}
		sections := map[string]string{}
		for _, sec := range strings.Split(page, `<section class="trend`)[1:] {
			for _, a := range []string{"snow-check", "meal-order-check", "tiny"} {
				if strings.Contains(sec, "rule:"+a+"@") {
					sections[a] = sec[:strings.Index(sec, "</section>")]
				}
			}
		}
		if len(sections) != 3 {
			t.Fatalf("%d charts, want 3:\n%s", len(sections), page)
		}
		sn := sections["snow-check"]
		for _, want := range []string{` flagged"`, `role="img"`, `<title id="trend-`, `<desc id="trend-`, "från v. 8 2025 till v. 19 2025",
			"v. 19 2025: 60,0 % av 10, över gränsen.", `<tr class="over"><th scope="row">v. 19 2025</th><td>10</td><td>6</td><td>60,0 % <strong>över gränsen</strong>`,
			`<th scope="row">v. 17 2025</th><td>10</td><td>1</td><td>10,0 %</td>`, `<text class="axis" x="`} {
			if !strings.Contains(sn, want) {
				t.Errorf("snow-check's chart lacks %q:\n%s", want, sn)
			}
		}
		if strings.Contains(sn, `<th scope="row">v. 9 2025</th>`) || strings.Count(sn, `<th scope="row">v. `) != 3 {
			t.Error("snow-check's table has other rows than its three weeks with decisions")
		}
		if c := strings.Count(sn, `class="bar over"`); c != 1 {
			t.Errorf("snow-check: %d highlighted bars, want 1", c)
		}
		if c := strings.Count(sn, `class="bar"`); c != 2 {
			t.Errorf("snow-check: %d plain bars, want 2 (weeks 17, 18: a 0 %% bar is drawn flat)", c)
		}
		for _, quiet := range []string{"meal-order-check", "tiny"} {
			if sec := sections[quiet]; strings.Contains(sec, "över gränsen") || strings.HasPrefix(sec, ` flagged`) || strings.Contains(sec, `bar over`) {
				t.Errorf("%s highlighted:\n%s", quiet, sec)
			}
		}
		if !strings.Contains(sections["tiny"], "100,0 %") {
			t.Error("tiny's rate is not shown")
		}
	})
}
