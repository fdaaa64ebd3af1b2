package demo_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/services/automation"
	"github.com/vasteras/civicbus/services/opendata"
)

// runDatasets runs the open-data service on copies of the demo dataset
// definitions named, against the env's broker, until the test ends.
func runDatasets(t *testing.T, e *env, files ...string) *opendata.Service {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("datasets.d", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The definitions' hierarchy files, next to them as in datasets.d.
	if err := os.CopyFS(filepath.Join(dir, "hierarchies"), os.DirFS(filepath.Join("datasets.d", "hierarchies"))); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := opendata.New(ctx, opendata.Config{Dir: dir, Conn: e.Conn, DB: filepath.Join(t.TempDir(), "opendata.db"), Key: []byte("demo key, long enough for HKDF!!")})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		s.Close()
	})
	return s
}

// TestPopulationDataset: SCB's real population file, through the demo
// connector and the bus, becomes the population-by-age-band dataset: ten
// municipalities × 20 bands × 2 sexes, no small cell published, and
// Västerås's published figures within its true total of 154,049.
func TestPopulationDataset(t *testing.T) {
	e := newEnv(t)
	e.events("scb-population.yaml", 10*101*2, "scb/SCB_alderkon_vastmanland_2019.csv")
	s := runDatasets(t, e, "population-by-age-band.yaml")
	ctx := context.Background()
	waitFor(t, "all 2,020 events in the dataset", 60*time.Second, func() bool {
		n, _ := s.Changes(ctx, "population-by-age-band")
		return n == 2020
	})
	v, err := s.Publish(ctx, "population-by-age-band")
	if err != nil {
		t.Fatal(err)
	}
	if v.RowCount != 10*20*2 {
		t.Fatalf("%d rows, want 400", v.RowCount)
	}
	vasteras, suppressed := int64(0), 0
	err = s.Rows(ctx, "population-by-age-band", v.Version, func(row map[string]any) {
		p, ok := row["persons"].(int64)
		if !ok {
			suppressed++
			return
		}
		if p > 0 && p < 5 {
			t.Errorf("a small cell was published: %v", row)
		}
		if row["area_code"] == "1980" {
			vasteras += p
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if vasteras > 154049 || vasteras < 150000 {
		t.Errorf("Västerås's published persons sum to %d; the true total is 154,049", vasteras)
	}
	t.Logf("version 1: %d rows, %d suppressed, Västerås's published cells sum to %d of 154,049", v.RowCount, suppressed, vasteras)
}

// TestPreschoolApplicationsDataset: a year of simulated applications
// become k-anonymous microdata, no personnummer in it.
func TestPreschoolApplicationsDataset(t *testing.T) {
	e := newEnv(t)
	evs := runToEnd(t, e, "sim-preschool-applications.yaml")
	s := runDatasets(t, e, "preschool-applications.yaml")
	ctx := context.Background()
	waitFor(t, "every application in the dataset", 60*time.Second, func() bool {
		n, _ := s.Changes(ctx, "preschool-applications")
		return n == int64(len(evs))
	})
	v, err := s.Publish(ctx, "preschool-applications")
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]int{}
	err = s.Rows(ctx, "preschool-applications", v.Version, func(row map[string]any) {
		classes[fmt.Sprint(row["area_code"], row["desired_start"], row["submitted"], row["hours_per_week"])]++
		if row["simulated"] != true {
			t.Fatalf("a row is not labelled simulated: %v", row)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	for c, n := range classes {
		if n < 5 {
			t.Errorf("class %s has %d rows", c, n)
		}
	}
	if v.RowCount < int64(len(evs))*96/100 {
		t.Errorf("%d of %d applications published: more than the 4 %% budget suppressed", v.RowCount, len(evs))
	}
	t.Logf("%d applications → %d rows in %d classes; report %s", len(evs), v.RowCount, len(classes), v.Report)
}

// runToEnd runs a simulated demo connector on e until its period ends
// and returns how many events it published.
func runToEnd(t *testing.T, e *env, file string) []struct{} {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("connectors.d", file))
	if err != nil {
		t.Fatal(err)
	}
	r := e.Start(string(text))
	waitFor(t, file+" to reach the end of its period", 120*time.Second, func() bool {
		return r.Runtime.Status().State == connectors.StateFinished
	})
	st := r.Runtime.Status()
	if st.Failed != 0 || st.RecordsOut == 0 {
		t.Fatalf("%s: %d records out, %d failed", file, st.RecordsOut, st.Failed)
	}
	return make([]struct{}, st.RecordsOut)
}

// TestForecastDataset: SCB's population through the demo connector, the
// automation service's school-place forecast, and the open-data service:
// the forecast dataset holds 10 municipalities × 2 age groups × 10 years.
func TestForecastDataset(t *testing.T) {
	e := newEnv(t)
	e.events("scb-population.yaml", 10*101*2, "scb/SCB_alderkon_vastmanland_2019.csv")
	ctx, cancel := context.WithCancel(context.Background())
	a, err := automation.New(ctx, automation.Config{RulesDir: t.TempDir(), Conn: e.Conn, DB: filepath.Join(t.TempDir(), "automation.db"), Forecast: true, ForecastEvery: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; a.Close() })
	s := runDatasets(t, e, "school-place-forecast.yaml")
	waitFor(t, "the forecast of ten municipalities", 90*time.Second, func() bool {
		n, _ := s.Changes(context.Background(), "school-place-forecast")
		return n >= 200
	})
	v, err := s.Publish(context.Background(), "school-place-forecast")
	if err != nil {
		t.Fatal(err)
	}
	if v.RowCount != 200 {
		t.Errorf("%d rows, want 200", v.RowCount)
	}
	var vasteras2029 map[string]any
	s.Rows(context.Background(), "school-place-forecast", v.Version, func(r map[string]any) {
		if r["area_code"] == "1980" && r["year"] == int64(2029) && r["age_group"] == "grundskola-6-15" {
			vasteras2029 = r
		}
	})
	if vasteras2029 == nil {
		t.Fatal("no 2029 row for Västerås's 6-15-year-olds")
	}
	t.Logf("Västerås 6-15 in 2029: %v", vasteras2029)
}
