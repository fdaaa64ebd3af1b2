package portal

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// TestStore runs the store's contract against SQLite and PostgreSQL.
func TestStore(t *testing.T) {
	for name, dsn := range storeDSNs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, err := OpenStore(ctx, dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			t0 := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC)
			newer := weatherDef
			newer.Title.SV = "Väder, andra versionen"
			seedVersion(t, st, newer, 2, t0.Add(time.Hour), weatherCols, weatherRows(30))
			v1 := seedVersion(t, st, weatherDef, 1, t0, weatherCols, weatherRows(10)) // late: an older version arrives second

			d, err := st.Dataset(ctx, weatherDef.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d.Title.SV != newer.Title.SV || d.Latest.Version != 2 || !d.FirstPublished.Equal(t0) {
				t.Errorf("dataset: %q, latest %d, first %v; the older version must not replace the newer definition", d.Title.SV, d.Latest.Version, d.FirstPublished)
			}
			if byName, err := st.Dataset(ctx, weatherDef.Name); err != nil || byName.ID != d.ID {
				t.Errorf("by name: %v %v", byName.ID, err)
			}

			// Applying a version again changes nothing, even with other rows.
			defJSON, _ := json.Marshal(weatherDef)
			added, err := st.AddVersion(ctx, weatherDef, defJSON, v1, func(add func(Row) error) error {
				return add(Row{json.RawMessage(`"x"`), json.RawMessage(`null`), json.RawMessage(`1`), json.RawMessage(`2`)})
			})
			if err != nil || added {
				t.Fatalf("adding version 1 again: %v %v", added, err)
			}
			var nos []int64
			err = st.Rows(ctx, weatherDef.ID, 1, 3, 4, func(no int64, r Row) error {
				nos = append(nos, no)
				if string(r[0]) == `"x"` {
					t.Error("a redelivered version's rows were written")
				}
				return nil
			})
			if err != nil || len(nos) != 4 || nos[0] != 4 || nos[3] != 7 {
				t.Errorf("rows after 3, 4 of them: %v %v", nos, err)
			}

			// A row source that fails leaves nothing behind.
			failing := v1
			failing.Version = 3
			boom := errors.New("boom")
			if _, err := st.AddVersion(ctx, weatherDef, defJSON, failing, func(add func(Row) error) error {
				add(Row{json.RawMessage(`1`)})
				return boom
			}); !errors.Is(err, boom) {
				t.Fatalf("a failing source: %v", err)
			}
			if _, err := st.Version(ctx, weatherDef.ID, 3); !errors.Is(err, ErrNotFound) {
				t.Errorf("version 3 after a failed add: %v, want ErrNotFound", err)
			}
			if _, err := st.Dataset(ctx, "no-such"); !errors.Is(err, ErrNotFound) {
				t.Errorf("an unknown dataset: %v", err)
			}
			vs, err := st.Versions(ctx, weatherDef.ID)
			if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[1].SHA256 != v1.SHA256 {
				t.Errorf("versions: %+v %v", vs, err)
			}
		})
	}
}
