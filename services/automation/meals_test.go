package automation

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/meals"
)

// servedDays is n weekdays of lunches of a kitchen ending on Friday
// 2024-05-31: level × weekday factor (Fridays 10 % fewer) × (1 ± noise).
func servedDays(kitchen string, n int, level, noise float64, rng *rand.Rand) []schemas.PortionsServed {
	var out []schemas.PortionsServed
	for d := time.Date(2024, 5, 31, 0, 0, 0, 0, time.UTC); len(out) < n; d = d.AddDate(0, 0, -1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		f := 1.0
		if d.Weekday() == time.Friday {
			f = 0.9
		}
		p := level * f * (1 + noise*(2*rng.Float64()-1))
		out = append(out, schemas.PortionsServed{KitchenID: kitchen, Date: schemas.DateOf(d), Meal: schemas.MealLunch, Portions: int(p)})
	}
	return out
}

// TestMealOrderProposals: three kitchens' lunches on the bus — a steady
// one, an erratic one, one with a week of history. Once they settle, each
// kitchen gets a meal-order case for each of the five workdays after its
// last served day (Mon 3 June – Mon 10 June 2024, without Thursday 6 June,
// the National Day, when no school kitchen cooks), with the meal-demand
// model's decision on propose-order: completed for the steady kitchen,
// whose confidence is above the threshold; referred for the erratic one
// (below it) and the one with too short a history; approve-order always
// referred to a person. The same portions again open nothing new.
func TestMealOrderProposals(t *testing.T) {
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	rng := rand.New(rand.NewPCG(1, 2))
	var events []any
	var ids []string
	for _, k := range [][]schemas.PortionsServed{
		servedDays("kok-stadig", 60, 300, 0.02, rng),
		servedDays("kok-ojamn", 60, 200, 0.6, rng),
		servedDays("kok-ny", 5, 150, 0.02, rng),
	} {
		for _, p := range k {
			events = append(events, p)
			ids = append(ids, fmt.Sprintf("00000000-0000-4000-8000-%012d", len(ids)))
		}
	}
	opened := collect(t, conn, TopicCaseOpened)
	decisions := collect(t, conn, TopicDecision)
	steps := collect(t, conn, TopicStepCompleted)
	s, stop := startService(t, Config{RulesDir: t.TempDir(), Conn: conn, DB: filepath.Join(t.TempDir(), "a.db"), Meals: true, SettleEvery: 200 * time.Millisecond})
	publish(t, conn, TopicPortions, ids, events)
	waitFor(t, "15 cases and 30 decisions", func() bool { return len(opened.distinct()) >= 15 && len(decisions.distinct()) >= 30 })
	waitFor(t, "the steady kitchen's 5 completed steps", func() bool { return len(steps.distinct()) >= 5 })

	cases := map[string]schemas.CaseOpened{}
	for _, m := range opened.distinct() {
		var c schemas.CaseOpened
		json.Unmarshal(m.Payload, &c)
		cases[c.CaseID] = c
		if c.CaseType != CaseTypeMealOrder || c.OrgUnitID != DefaultMealUnit || !strings.HasPrefix(c.SubjectRef, "meals.portions-served/kok-") {
			t.Errorf("case %+v", c)
		}
	}
	want := map[string]schemas.DecisionOutcome{"kok-stadig": schemas.OutcomeCompleted, "kok-ojamn": schemas.OutcomeReferred, "kok-ny": schemas.OutcomeReferred}
	days := map[string]bool{}
	for _, m := range decisions.distinct() {
		var d schemas.DecisionRecorded
		json.Unmarshal(m.Payload, &d)
		c, ok := cases[d.CaseID]
		if !ok {
			t.Errorf("a decision on a case never opened: %+v", d)
			continue
		}
		kitchen := strings.TrimPrefix(c.SubjectRef, "meals.portions-served/")
		if d.DecidedBy.ID != meals.Name || d.DecidedBy.Version != meals.Version || len(d.LegalBasis) == 0 || d.Motivering == "" {
			t.Errorf("decision %+v", d)
		}
		switch d.StepID {
		case StepProposeOrder:
			if d.Outcome != want[kitchen] {
				t.Errorf("%s propose-order %s (confidence %v): %s", kitchen, d.Outcome, d.Confidence, d.Motivering)
			}
			if kitchen == "kok-stadig" {
				days[d.Fields["date"].(string)] = true
				if n := d.Fields["order_portions"].(float64); n < 250 || n > 360 {
					t.Errorf("the steady kitchen's order %v portions, want about 300", n)
				}
			}
			if kitchen == "kok-ny" && !strings.Contains(d.Motivering, "färre än") {
				t.Errorf("short history: %s", d.Motivering)
			}
			if kitchen == "kok-ojamn" && !strings.Contains(d.Motivering, "under gränsen") {
				t.Errorf("erratic kitchen: %s", d.Motivering)
			}
		case StepApproveOrder:
			if d.Outcome != schemas.OutcomeReferred {
				t.Errorf("approve-order %s, want referred to a person", d.Outcome)
			}
		default:
			t.Errorf("a decision on step %q", d.StepID)
		}
	}
	for _, day := range []string{"2024-06-03", "2024-06-04", "2024-06-05", "2024-06-07", "2024-06-10"} {
		if !days[day] {
			t.Errorf("no proposal for %s: %v", day, days)
		}
	}
	if days["2024-06-06"] || len(days) != 5 {
		t.Errorf("proposals for %v; none is wanted for the National Day, 2024-06-06", days)
	}
	for _, m := range steps.distinct() {
		var st schemas.StepCompleted
		json.Unmarshal(m.Payload, &st)
		if st.StepID != StepProposeOrder || st.DecisionID == "" {
			t.Errorf("completed step %+v", st)
		}
	}

	// The same portions sent again (new event ids: the router's dedup does
	// not catch them): the kitchens settle again, nothing new.
	nc, nd := opened.count(), decisions.count()
	again := time.Now()
	for i := range ids {
		ids[i] = fmt.Sprintf("00000000-0000-4000-9000-%012d", i)
	}
	publish(t, conn, TopicPortions, ids, events)
	waitHandled(t, s, dueKitchen, 3, again)
	time.Sleep(time.Second)
	stop()
	if opened.count() != nc || decisions.count() != nd {
		t.Errorf("after the same portions again %d cases and %d decisions, before %d and %d", opened.count(), decisions.count(), nc, nd)
	}
}

// waitHandled waits until n keys of kind whose data changed after since
// have been handled.
func waitHandled(t *testing.T, s *Service, kind string, n int, since time.Time) {
	t.Helper()
	waitFor(t, kind+" handled", func() bool {
		rows, err := s.store.db.QueryContext(t.Context(), s.store.db.Q(`SELECT changed_at FROM automation_due WHERE kind = ? AND due = 0`), kind)
		if err != nil {
			return false
		}
		defer rows.Close()
		got := 0
		for rows.Next() {
			var at string
			rows.Scan(&at)
			if ts, err := time.Parse(time.RFC3339Nano, at); err == nil && ts.After(since) {
				got++
			}
		}
		return got == n
	})
}
