package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
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
		mine, err := s.store.cases(ctx, Filter{Units: []string{"forskoleplacering"}})
		if err != nil || len(mine) != 2 {
			t.Fatalf("unit forskoleplacering: %d cases, want 2 (%v)", len(mine), err)
		}
		c := mine[1]
		if c.ID != uid(100) || c.Status != StatusOpen || c.Automated != 2 || c.Referred != 1 || c.Deadline != "2024-07-04" {
			t.Errorf("case 1 = %+v", c)
		}
		closed, err := s.store.cases(ctx, Filter{AllUnits: true, Status: StatusClosed})
		if err != nil || len(closed) != 1 || closed[0].ID != uid(200) || closed[0].Resolution != "granted" {
			t.Errorf("closed cases = %+v (%v)", closed, err)
		}
		if none, _ := s.store.cases(ctx, Filter{Units: []string{"hemtjanst"}, CaseType: "care-alarm"}); len(none) != 0 {
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
