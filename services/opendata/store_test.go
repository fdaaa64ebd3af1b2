package opendata

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/services/opendata/release"
)

// stores runs f against SQLite and PostgreSQL: the same suite for both.
func stores(t *testing.T, f func(t *testing.T, s *Store)) {
	t.Run("sqlite", func(t *testing.T) {
		s, err := OpenStore(context.Background(), filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		f(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		s, err := OpenStore(context.Background(), testenv.PostgresDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		f(t, s)
	})
}

func add(n float64) func(release.Agg) release.Agg {
	return func(a release.Agg) release.Agg {
		a.N++
		if a.Sum == nil {
			a.Sum = map[string]float64{}
		}
		a.Sum["x"] += n
		return a
	}
}

func TestStoreAppliesEachEventOnce(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		changes := []Change{
			{DatasetID: "d", EventID: "e1", Group: []any{"1980", int64(1)}, Fold: add(2)},
			{DatasetID: "d", EventID: "e2", Group: []any{"1980", int64(1)}, Fold: add(3)},
			{DatasetID: "d", EventID: "e3", Group: []any{"b", int64(1)}, Fold: add(5)},
		}
		if n, err := s.Apply(ctx, changes); err != nil || n != 3 {
			t.Fatalf("applied %d, %v", n, err)
		}
		// Redelivered: e2 again, and a new one.
		n, err := s.Apply(ctx, []Change{changes[1], {DatasetID: "d", EventID: "e4", Group: []any{"1980", int64(1)}, Fold: add(7)}})
		if err != nil || n != 1 {
			t.Fatalf("second apply: applied %d, %v; want 1", n, err)
		}
		cells, err := s.Cells(ctx, "d")
		if err != nil {
			t.Fatal(err)
		}
		if len(cells) != 2 || cells[0].Agg.N != 3 || cells[0].Agg.Sum["x"] != 12 || cells[1].Agg.N != 1 {
			t.Fatalf("cells %+v", cells)
		}
		if cells[0].Group[1] != int64(1) || cells[0].Group[0] != "1980" {
			t.Errorf("group value %T %v: integers must come back as int64, numeric strings as strings", cells[0].Group[1], cells[0].Group)
		}
		pending, last, err := s.Pending(ctx, "d")
		if err != nil || pending != 4 || last != 0 {
			t.Fatalf("pending %d last %d %v", pending, last, err)
		}
	})
}

func TestStoreVersionsAreImmutableAndPaged(t *testing.T) {
	stores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.Apply(ctx, []Change{{DatasetID: "d", EventID: "e1", RowKey: "k1", Row: []any{"x", int64(1)}}}); err != nil {
			t.Fatal(err)
		}
		rows := make([][]any, 250)
		for i := range rows {
			rows[i] = []any{"r", int64(i)}
		}
		v := Version{DatasetID: "d", Version: 1, PublishedAt: time.Now(), RowCount: 250, Columns: []string{"a", "b"}, SHA256: "00", Report: []byte(`{}`)}
		if err := s.AddVersion(ctx, v, rows, 1); err != nil {
			t.Fatal(err)
		}
		if err := s.AddVersion(ctx, v, rows[:1], 1); err == nil {
			t.Fatal("version 1 written twice")
		}
		if pending, last, _ := s.Pending(ctx, "d"); pending != 0 || last != 1 {
			t.Fatalf("after publishing: pending %d, last %d", pending, last)
		}
		var got []int64
		var after int64 = 200
		if err := s.VersionRows(ctx, "d", 1, after, 20, func(no int64, row []any) bool {
			got = append(got, row[1].(int64))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 20 || got[0] != 200 || got[19] != 219 {
			t.Fatalf("page after row 200: %v", got)
		}
	})
}
