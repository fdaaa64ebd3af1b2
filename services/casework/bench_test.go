package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
)

// BenchmarkApply projects whole fixture cases (four events each, opened to
// referred) into a SQLite inbox; ns/op is per event.
func BenchmarkApply(b *testing.B) {
	br := testenv.Broker(b)
	s, err := New(context.Background(), Config{Conn: bus.Connection{Brokers: []string{br.Addr()}},
		DB: filepath.Join(b.TempDir(), "bench.db"), Users: Users{"x": &User{Username: "x", Role: RoleAdmin}}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
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
