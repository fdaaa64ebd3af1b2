package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// TestProjection: real case events through the embedded broker become the
// inbox: cases per unit, timelines with every event, decision records as
// published; the same events delivered again change nothing.
func TestProjection(t *testing.T) {
	databases(t, func(t *testing.T, dsn string) {
		s, conn := start(t, dsn)
		ctx := context.Background()
		evs := append(caseEvents(1, "forskoleplacering", false), caseEvents(2, "hemtjanst", true)...)
		publish(t, conn, evs)
		waitFor(t, "both timelines", func() bool {
			a, _ := s.store.timeline(ctx, uid(100))
			b, _ := s.store.timeline(ctx, uid(200))
			return len(a) == 4 && len(b) == 5
		})
		publish(t, conn, evs) // redelivered
		publish(t, conn, caseEvents(3, "forskoleplacering", false))
		waitFor(t, "the third case", func() bool {
			c, _ := s.store.timeline(ctx, uid(300))
			return len(c) == 4
		})
		for id, want := range map[string]int{uid(100): 4, uid(200): 5} {
			tl, err := s.store.timeline(ctx, id)
			if err != nil || len(tl) != want {
				t.Fatalf("case %s: %d timeline entries after redelivery, want %d (%v)", id, len(tl), want, err)
			}
		}
		mine, _, err := s.store.cases(ctx, Filter{Units: []string{"forskoleplacering"}})
		if err != nil || len(mine) != 2 {
			t.Fatalf("unit forskoleplacering: %d cases, want 2 (%v)", len(mine), err)
		}
		c := mine[1]
		if c.ID != uid(100) || c.Status != StatusOpen || c.Automated != 2 || c.Referred != 1 || c.Deadline != "2024-07-04" {
			t.Errorf("case 1 = %+v", c)
		}
		closed, _, err := s.store.cases(ctx, Filter{AllUnits: true, Status: StatusClosed})
		if err != nil || len(closed) != 1 || closed[0].ID != uid(200) || closed[0].Resolution != "granted" {
			t.Errorf("closed cases = %+v (%v)", closed, err)
		}
		if none, _, _ := s.store.cases(ctx, Filter{Units: []string{"hemtjanst"}, CaseType: "care-alarm"}); len(none) != 0 {
			t.Errorf("case type filter let through %d cases", len(none))
		}
		ds, err := s.store.decisions(ctx, uid(100))
		if err != nil || len(ds) != 2 {
			t.Fatalf("decisions of case 1: %d (%v)", len(ds), err)
		}
		var rec map[string]any
		if err := json.Unmarshal(ds[0], &rec); err != nil || rec["motivering"] != "Barnet är folkbokfört i Västerås kommun." {
			t.Errorf("decision record not kept as published: %v (%v)", rec, err)
		}
	})
}

// TestClosedBeforeOpened: the topics are not ordered with each other; a
// closure projected before its case still closes it.
func TestClosedBeforeOpened(t *testing.T) {
	s, _ := start(t, t.TempDir()+"/c.db")
	ctx := context.Background()
	evs := caseEvents(4, "hemtjanst", true)
	for _, e := range []event{evs[4], evs[0]} {
		js, _ := json.Marshal(e.body)
		if ok, err := s.Apply(ctx, e.topic, e.id, js); !ok || err != nil {
			t.Fatalf("apply %s: %v %v", e.topic, ok, err)
		}
	}
	c, err := s.store.caseByID(ctx, uid(400))
	if err != nil || c.Status != StatusClosed {
		t.Fatalf("case = %+v (%v), want closed", c, err)
	}
	if _, err := s.Apply(ctx, TopicCaseOpened, "x", []byte(`[1]`)); err == nil {
		t.Error("a payload that is not an object was applied")
	}
}

// FuzzApply: any payload on any projected topic is applied or refused with
// an error, never a panic; a refused one leaves its event id unclaimed.
func FuzzApply(f *testing.F) {
	for _, e := range caseEvents(1, "forskoleplacering", true) {
		js, _ := json.Marshal(e.body)
		f.Add(uint8(slices.Index(Topics, e.topic)), js)
	}
	f.Add(uint8(0), []byte(`{"case_id": 7}`))
	f.Add(uint8(2), []byte(`null`))
	st, err := openStore(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.close() })
	s := &Service{store: st} // Apply needs the store only
	n := 0
	f.Fuzz(func(t *testing.T, topic uint8, payload []byte) {
		n++
		id := fmt.Sprintf("fuzz-%d", n)
		ok, err := s.Apply(context.Background(), Topics[int(topic)%len(Topics)], id, payload)
		if err != nil && ok {
			t.Fatal("Apply failed and reported the event applied")
		}
		if err != nil {
			var claimed int
			_ = s.store.db.QueryRow(s.store.db.Q(`SELECT COUNT(*) FROM casework_applied WHERE event_id = ?`), id).Scan(&claimed)
			if claimed != 0 {
				t.Fatal("a refused event's id was claimed")
			}
		}
	})
}

// TestInboxPages: the inbox comes in pages of PageSize by a keyset
// cursor, newest first, each case once, the last page without a cursor;
// cases opened in the same instant are ordered by id across a page
// boundary; a cursor that no page gave is refused.
func TestInboxPages(t *testing.T) {
	databases(t, func(t *testing.T, dsn string) {
		st, err := openStore(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.close()
		s := &Service{store: st}
		ctx := context.Background()
		const n = 2*PageSize + 7
		for i := 1; i <= n; i++ {
			e := caseEvents(i/2, "forskoleplacering", false)[0] // two cases per opening instant
			body := e.body.(schemas.CaseOpened)
			body.CaseID = uid(900000 + i)
			js, _ := json.Marshal(body)
			if _, err := s.Apply(ctx, e.topic, uid(800000+i), js); err != nil {
				t.Fatal(err)
			}
		}
		var all []Case
		f := Filter{Units: []string{"forskoleplacering"}}
		for pages := 1; ; pages++ {
			cs, next, err := st.cases(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, cs...)
			if next == "" {
				if pages != 3 || len(cs) != 7 {
					t.Fatalf("%d pages, the last of %d cases; want 3, the last of 7", pages, len(cs))
				}
				break
			}
			f.After = next
		}
		if len(all) != n {
			t.Fatalf("%d cases over the pages, want %d", len(all), n)
		}
		for i := 1; i < len(all); i++ {
			a, b := all[i-1], all[i]
			if a.OpenedAt.Before(b.OpenedAt) || (a.OpenedAt.Equal(b.OpenedAt) && a.ID <= b.ID) {
				t.Fatalf("cases %d and %d out of order or repeated", i-1, i)
			}
		}
		if _, _, err := st.cases(ctx, Filter{Units: f.Units, After: "not-a-cursor"}); !errors.Is(err, errBadCursor) {
			t.Fatalf("a bad cursor: %v, want errBadCursor", err)
		}
	})
}

// TestCountsOnTheCaseRow: the inbox's counts of automated and referred
// decisions are kept on the case row, in the projection's transaction:
// decisions projected before their case's opening are counted when it
// opens, one decision under a second event id is counted once, an
// amendment that refers the step counts as referred, and a store made
// before the counts existed gets them counted when it is opened.
func TestCountsOnTheCaseRow(t *testing.T) {
	databases(t, func(t *testing.T, dsn string) {
		s, _ := start(t, dsn)
		ctx := context.Background()
		evs := caseEvents(7, "hemtjanst", false)
		apply := func(topic, id string, body any) {
			t.Helper()
			js, _ := json.Marshal(body)
			if _, err := s.Apply(ctx, topic, id, js); err != nil {
				t.Fatalf("apply %s: %v", topic, err)
			}
		}
		apply(evs[1].topic, evs[1].id, evs[1].body) // a decision before its case
		apply(evs[0].topic, evs[0].id, evs[0].body)
		apply(evs[3].topic, evs[3].id, evs[3].body)
		apply(evs[3].topic, "another-event-id", evs[3].body) // the same record again
		counts := func() (int, int) {
			c, err := s.store.caseByID(ctx, uid(700))
			if err != nil {
				t.Fatal(err)
			}
			return c.Automated, c.Referred
		}
		if a, r := counts(); a != 2 || r != 1 {
			t.Fatalf("counts %d automated, %d referred; want 2, 1", a, r)
		}
		apply(TopicDecisionAmended, uid(799), schemas.DecisionAmended{DecisionID: uid(799), AmendsDecisionID: uid(702), CaseID: uid(700),
			CaseType: "preschool-placement", StepID: "residency-check", AmendedAt: time.Now().UTC(),
			AmendedBy: schemas.Actor{Kind: schemas.ActorPerson, ID: "bo"}, Reason: "Fel adress.",
			DecisionContent: schemas.DecisionContent{Outcome: schemas.OutcomeReferred, Motivering: "Fel adress.", LegalBasis: []string{"Skollagen (2010:800) 8 kap. 14 §"}}})
		if a, r := counts(); a != 2 || r != 2 {
			t.Fatalf("after a referring amendment: %d automated, %d referred; want 2, 2", a, r)
		}
		// The supervisor's rows: the rule's decision overridden, the
		// model's referred, whatever order they came in.
		supervisor := func() map[string][3]int {
			t.Helper()
			days, err := s.store.ruleDays(ctx, Filter{Units: []string{"hemtjanst"}})
			if err != nil {
				t.Fatal(err)
			}
			m := map[string][3]int{}
			for _, st := range stats(days) {
				m[st.Actor] = [3]int{st.Automated, st.Referred, st.Overridden}
			}
			return m
		}
		want := map[string][3]int{"rule:preschool-residency-check@3": {1, 0, 1}, "model:placement-model@1.2.0": {1, 1, 0}}
		if got := supervisor(); !maps.Equal(got, want) {
			t.Fatalf("supervisor's counts %v, want %v", got, want)
		}
		if none, _ := s.store.ruleDays(ctx, Filter{Units: []string{"forskoleplacering"}}); len(none) != 0 {
			t.Errorf("another unit's supervisor counts %v", none)
		}
		// An amendment before the decision it amends.
		late := caseEvents(8, "hemtjanst", false)
		apply(late[0].topic, late[0].id, late[0].body)
		apply(TopicDecisionAmended, uid(899), schemas.DecisionAmended{DecisionID: uid(899), AmendsDecisionID: uid(804), CaseID: uid(800),
			CaseType: "preschool-placement", StepID: "placement-proposal", AmendedAt: time.Now().UTC(),
			AmendedBy: schemas.Actor{Kind: schemas.ActorPerson, ID: "bo"}, Reason: "Plats finns.",
			DecisionContent: schemas.DecisionContent{Outcome: schemas.OutcomeCompleted, Motivering: "Plats finns.", LegalBasis: []string{"Skollagen (2010:800) 8 kap. 15 §"}}})
		apply(late[3].topic, late[3].id, late[3].body)
		want["model:placement-model@1.2.0"] = [3]int{2, 2, 1}
		if got := supervisor(); !maps.Equal(got, want) {
			t.Fatalf("after an amendment that came first: %v, want %v", got, want)
		}

		only, _, err := s.store.cases(ctx, Filter{Units: []string{"hemtjanst"}, Automated: true})
		if err != nil || len(only) != 2 {
			t.Fatalf("automated filter: %d cases (%v), want 2", len(only), err)
		}

		// A store from before the counts: drop the columns' values by
		// recreating the table without them, then open it again.
		db := s.store.db
		for _, q := range []string{
			`CREATE TABLE old_cases AS SELECT case_id, case_type, org_unit_id, reference_number, subject_ref, deadline, opened_at, assignee FROM casework_cases`,
			`DROP TABLE casework_cases`,
			`ALTER TABLE old_cases RENAME TO casework_cases`,
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		for _, q := range []string{`DELETE FROM casework_rule_decisions`, `DELETE FROM casework_unit_types`} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.store.migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if a, r := counts(); a != 2 || r != 2 {
			t.Fatalf("after migration: %d automated, %d referred; want 2, 2", a, r)
		}
		if got := supervisor(); !maps.Equal(got, want) {
			t.Fatalf("supervisor's counts after migration %v, want %v", got, want)
		}
		if types, err := s.store.caseTypes(ctx, Filter{Units: []string{"hemtjanst"}}); err != nil || !slices.Equal(types, []string{"preschool-placement"}) {
			t.Errorf("case types after migration: %v (%v)", types, err)
		}
		if err := s.store.migrate(ctx); err != nil {
			t.Fatalf("a second migration: %v", err)
		}
	})
}
