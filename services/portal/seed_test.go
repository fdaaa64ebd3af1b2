package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// hostileTitle is a title every page must show as text.
const hostileTitle = `<script>alert("x&y")</script> Väder`

// seeded is a portal whose store holds two datasets written directly (no
// broker): weather, with two versions, and food waste, from another
// publisher, with a hostile title.
type seeded struct {
	svc *Service
	srv *httptest.Server
}

var (
	weatherDef = Definition{
		ID: "7e3a9c15-2d84-4b6f-a0e7-5c1d8f2b4a93", Name: "weather-per-station-day",
		Title:       Text{SV: "Väder per station och dag", EN: "Weather per station and day"},
		Description: Text{SV: "Dygnsvärden per väderstation från SMHI.", EN: "Daily values per weather station from SMHI."},
		Themes:      []string{"ENVI", "TRAN"}, Keywords: Keywords{SV: []string{"väder", "snödjup"}, EN: []string{"weather", "snow depth"}},
		ContactPoint: Contact{Name: "Västerås stad, öppna data", Email: "opendata@vasteras.se"},
		Licence:      "cc-by-4.0", UpdateFrequency: "daily", Spatial: Spatial{Name: "Sverige", IRI: "http://sws.geonames.org/2661886"},
		HVDCategory: "meteorological",
		Shape: Shape{Kind: "microdata", Columns: []Column{
			{Name: "station", Description: Text{SV: "Stationens namn", EN: "Station name"}},
			{Name: "day", Type: "date"}, {Name: "celsius", Type: "number"}, {Name: "snow_cm", Type: "integer"}}},
	}
	wasteDef = Definition{
		ID: "4c2e8b1d-93a7-4f50-8e6d-1b7c9a3f5e02", Name: "food-waste-per-kitchen",
		Title:       Text{SV: hostileTitle, EN: hostileTitle},
		Description: Text{SV: "Matsvinn i skolkök <b>per dag</b>.", EN: "Food waste in school kitchens."},
		Themes:      []string{"EDUC"}, Keywords: Keywords{SV: []string{"matsvinn"}},
		Publisher:    Org{Name: "Mälarenergi AB", OrgNumber: "556554-1107"},
		ContactPoint: Contact{Name: "Kost och restaurang", Email: "kost@vasteras.se"},
		Licence:      "cc0", UpdateFrequency: "weekly",
		Shape: Shape{Kind: "aggregate", Columns: []Column{{Name: "kitchen"}, {Name: "kg", Type: "number"}}},
	}
)

func weatherRows(n int) []Row {
	var rows []Row
	stations := []string{`"Västerås"`, `"Handsjön"`, `"Målilla, \"norra\""`}
	for i := range n {
		snow := "null"
		if i%4 != 0 {
			snow = jsonInt(i % 30)
		}
		rows = append(rows, Row{json.RawMessage(stations[i%3]), json.RawMessage(`"2024-01-` + twoDigits(i%28+1) + `"`),
			json.RawMessage(jsonInt(i%20-10) + ".5"), json.RawMessage(snow)})
	}
	return rows
}

func jsonInt(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func twoDigits(i int) string {
	if i < 10 {
		return "0" + jsonInt(i)
	}
	return jsonInt(i)
}

// seedVersion stores a version of def with rows, its sha256 computed as the
// open-data service does.
func seedVersion(t testing.TB, st *Store, def Definition, version int, at time.Time, cols []string, rows []Row) Version {
	t.Helper()
	var csv bytesBuffer
	cw := newCSVWriter(&csv, false)
	cw.header(cols)
	for _, r := range rows {
		cw.row(r)
	}
	cw.flush()
	v := Version{DatasetID: def.ID, Version: version, PublishedAt: at, RowCount: int64(len(rows)), Columns: cols, SHA256: sha(csv.b),
		Report:        json.RawMessage(`{"report_version":1,"shape":"microdata","policy":{"dropped":["person_id"],"pseudonymised":[],"generalised":[],"k":5,"l":0,"suppression_budget":0.04,"small_cell_threshold":0,"epsilon":0},"results":{"k_reached":7,"records_in":100,"records_out":96,"records_suppressed":4,"cells_total":0,"cells_suppressed_primary":0,"cells_suppressed_secondary":0,"generalisation":[],"information_loss":0.12,"epsilon_spent":0,"epsilon_ledger":[]},"scan":{}}`),
		TemporalStart: "2024-01-01", TemporalEnd: "2024-01-28"}
	defJSON, _ := json.Marshal(def)
	added, err := st.AddVersion(context.Background(), def, defJSON, v, func(add func(Row) error) error {
		for _, r := range rows {
			if err := add(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || !added {
		t.Fatalf("seed %s v%d: added %v, %v", def.Name, version, added, err)
	}
	return v
}

type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

var weatherCols = []string{"station", "day", "celsius", "snow_cm"}

// newSeeded makes the seeded portal on a SQLite store.
func newSeeded(t testing.TB) *seeded {
	t.Helper()
	return newSeededAt(t, t.TempDir()+"/portal.db")
}

func newSeededAt(t testing.TB, dsn string) *seeded {
	t.Helper()
	svc, err := New(context.Background(), Config{DB: dsn, BaseURL: "https://data.vasteras.se"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	t0 := time.Date(2026, 11, 1, 4, 0, 0, 0, time.UTC)
	seedVersion(t, svc.store, weatherDef, 1, t0, weatherCols, weatherRows(10))
	seedVersion(t, svc.store, weatherDef, 2, t0.Add(24*time.Hour), weatherCols, weatherRows(250))
	seedVersion(t, svc.store, wasteDef, 1, t0.Add(2*time.Hour), []string{"kitchen", "kg"},
		[]Row{{json.RawMessage(`"<img src=x onerror=alert(1)>"`), json.RawMessage(`12.25`)}})
	mux := http.NewServeMux()
	svc.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &seeded{svc: svc, srv: srv}
}
