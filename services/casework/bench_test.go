package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkApply projects whole fixture cases (four events each, opened to
// referred) into a SQLite inbox; ns/op is per event.
func BenchmarkApply(b *testing.B) {
	st, err := openStore(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.close()
	s := &Service{store: st} // Apply needs the store only
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		evs := caseEvents(n/4+1, "forskoleplacering", false)
		e := evs[n%4]
		js, _ := json.Marshal(e.body)
		id := fmt.Sprintf("%s-%d", e.id, n) // distinct event ids across fixture reuse
		if _, err := s.Apply(ctx, e.topic, id, js); err != nil {
			b.Fatal(err)
		}
		n++
	}
}

// BenchmarkInbox lists a page of a unit's open cases with their step counts, from an
// inbox of 2,000 cases (four events each) in two units.
func BenchmarkInbox(b *testing.B) {
	st, err := openStore(context.Background(), filepath.Join(b.TempDir(), "inbox.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.close()
	s := &Service{store: st}
	ctx := context.Background()
	for n := 1; n <= 2000; n++ {
		unit := []string{"forskoleplacering", "hemtjanst"}[n%2]
		for _, e := range caseEvents(n, unit, false) {
			js, _ := json.Marshal(e.body)
			if _, err := s.Apply(ctx, e.topic, e.id, js); err != nil {
				b.Fatal(err)
			}
		}
	}
	f := Filter{Units: []string{"forskoleplacering"}, Status: StatusOpen, Automated: true}
	b.ReportAllocs()
	for b.Loop() {
		cs, _, err := st.cases(ctx, f)
		if err != nil || len(cs) != PageSize {
			b.Fatalf("%d cases (%v), want a page of %d", len(cs), err, PageSize)
		}
	}
}
