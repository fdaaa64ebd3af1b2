package automation

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/rules"
)

// TestStore runs the store's queries on SQLite and on PostgreSQL
// (testenv.PostgresDSN skips without one unless CIVICBUS_REQUIRE_SERVICES
// is set): decisions on record, cases opened, a kitchen's portions and its
// due mark, weather by area, units' places and enrolment.
func TestStore(t *testing.T) {
	for name, dsn := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "a.db") },
		"postgres": func(t *testing.T) string { return testenv.PostgresDSN(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, err := openStore(ctx, dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			defer st.close()

			ds := []rules.Decision{{DecisionID: "00000000-0000-4000-8000-000000000001", CaseID: "c1"}, {DecisionID: "00000000-0000-4000-8000-000000000002", CaseID: "c1"}}
			if err := st.recordAll(ctx, ds[:1]); err != nil {
				t.Fatal(err)
			}
			fresh, err := st.unrecorded(ctx, ds)
			if err != nil || len(fresh) != 1 || fresh[0].DecisionID != ds[1].DecisionID {
				t.Errorf("unrecorded %v %v", fresh, err)
			}
			if err := st.recordCase(ctx, "c1", "meal-order"); err != nil {
				t.Fatal(err)
			}
			if ok, err := st.caseOpened(ctx, "c1"); !ok || err != nil {
				t.Errorf("case c1 not on record: %v", err)
			}

			for i, d := range []string{"2024-05-29", "2024-05-30", "2024-05-31"} {
				if err := st.putPortions(ctx, "kok-1", d, 100+i); err != nil {
					t.Fatal(err)
				}
			}
			ps, err := st.portions(ctx, "kok-1", 2)
			if err != nil || len(ps) != 2 || ps[0].Date != "2024-05-30" || ps[1].Portions != 102 {
				t.Errorf("portions %+v %v", ps, err)
			}
			due, err := st.settled(ctx, dueKitchen, 0)
			if err != nil || len(due) != 1 || due[0].key != "kok-1" {
				t.Fatalf("settled %+v %v", due, err)
			}
			if err := st.handled(ctx, dueKitchen, due[0]); err != nil {
				t.Fatal(err)
			}
			if due, _ := st.settled(ctx, dueKitchen, 0); len(due) != 0 {
				t.Errorf("still due after handled: %+v", due)
			}

			area := SnowArea{ID: "1980-422", Stations: []string{"124290"}, ForecastLocations: []string{"1980-422"}}
			at := time.Date(2026, 1, 17, 6, 0, 0, 0, time.UTC)
			if err := st.putWeather(ctx, "obs", "124290", at.Add(-24*time.Hour), time.Time{}, "day", []byte(`{"station_id":"124290","observed_at":"2026-01-16T06:00:00Z"}`), []string{area.ID}); err != nil {
				t.Fatal(err)
			}
			if err := st.putWeather(ctx, "obs", "124290", at, time.Time{}, "day", []byte(`{"station_id":"124290","observed_at":"2026-01-17T06:00:00Z"}`), []string{area.ID}); err != nil {
				t.Fatal(err)
			}
			if err := st.putWeather(ctx, "fc", "1980-422", at.Add(3*time.Hour), at.Add(-time.Hour), "hour", []byte(`{"location_id":"1980-422","valid_at":"2026-01-17T09:00:00Z"}`), []string{area.ID}); err != nil {
				t.Fatal(err)
			}
			last, obs, fcs, err := st.weather(ctx, area)
			if err != nil || !last.Equal(at) || len(obs) != 2 || len(fcs) != 1 {
				t.Errorf("weather %v %d %d %v", last, len(obs), len(fcs), err)
			}

			for _, u := range []schemas.SchoolUnit{
				{UnitID: "f-1", UnitType: schemas.UnitPreschool, Capacity: 30, AreaCode: "1980-422"},
				{UnitID: "f-2", UnitType: schemas.UnitPreschool, Capacity: 10, AreaCode: "1980-415", Status: schemas.UnitClosed},
				{UnitID: "s-1", UnitType: schemas.UnitCompulsory, Capacity: 400, AreaCode: "1980"},
			} {
				if err := st.putUnit(ctx, u); err != nil {
					t.Fatal(err)
				}
			}
			c, err := st.capacity(ctx, "1980")
			if err != nil || c["forskola-1-5"] != 30 || c["grundskola-6-15"] != 400 {
				t.Errorf("capacity %v %v", c, err)
			}
			age := 4
			for _, e := range []schemas.Enrolment{
				{UnitID: "f-1", ReferenceDate: "2025-09-15", Grade: schemas.GradePreschool, Age: &age, Enrolled: 29},
				{UnitID: "f-1", ReferenceDate: "2026-01-15", Grade: schemas.GradePreschool, Age: &age, Enrolled: 12},
			} {
				if err := st.putEnrolment(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			us, err := st.preschools(ctx)
			if err != nil || len(us) != 1 || us["f-1"].free() != 18 {
				t.Errorf("preschools %+v %v", us, err)
			}
		})
	}
}
