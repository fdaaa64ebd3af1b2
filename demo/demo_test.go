// Package demo_test runs the demo connectors of demo/connectors.d through the
// real connector runtime, on copies of the real data in demo/data, against
// an embedded Kafka broker.
package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/all"
	"github.com/vasteras/civicbus/connectors/connectortest"
)

// env runs the demo connectors on the connector test harness: an embedded
// broker, SQLite checkpoints and the catalog's contracts.
type env struct{ *connectortest.Env }

func newEnv(t *testing.T) *env {
	t.Helper()
	e := connectortest.New(t, all.Registry())
	e.PublishTimeout = 5 * time.Second
	return &env{e}
}

var dirLine = regexp.MustCompile(`(?m)^  dir: .*$`)

// start loads demo/connectors.d/<file>, points its dir at a fresh drop
// folder holding copies of dataFiles, and runs it until the test ends. The
// caller has created the connector's topics.
func (e *env) start(file string, dataFiles ...string) {
	e.startFrom(file, "data", dataFiles...)
}

// startFrom is start with the data files in dataDir.
func (e *env) startFrom(file, dataDir string, dataFiles ...string) {
	t := e.T
	t.Helper()
	text, err := os.ReadFile(filepath.Join("connectors.d", file))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(dirLine.FindAll(text, -1)); n != 1 {
		t.Fatalf("%s: %d dir: lines, want 1", file, n)
	}
	drop := t.TempDir()
	text = dirLine.ReplaceAll(text, []byte("  dir: "+drop))
	text = []byte(strings.Replace(string(text), "poll_interval_ms: 500", "poll_interval_ms: 20", 1))
	e.Start(string(text))
	// Copy through a .part name and rename, as a careful writer does.
	for _, f := range dataFiles {
		b, err := os.ReadFile(filepath.Join(dataDir, f))
		if err != nil {
			t.Fatal(err)
		}
		to := filepath.Join(drop, filepath.Base(f))
		if err := os.WriteFile(to+".part", b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(to+".part", to); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, f := range dataFiles {
			if _, err := os.Stat(filepath.Join(drop, "processed", filepath.Base(f))); err != nil && !t.Failed() {
				t.Errorf("%s was not moved to processed/: %v", f, err)
			}
		}
	})
}

var waitFor = connectortest.WaitFor

// events starts the connector on the data, waits for want events, checks
// that each validates against its contract and that no dead letter came,
// and returns the events' payloads decoded.
func (e *env) events(file string, want int, dataFiles ...string) []map[string]any {
	return e.eventsFrom(file, want, "data", dataFiles...)
}

// eventsFrom is events with the data files in dataDir.
func (e *env) eventsFrom(file string, want int, dataDir string, dataFiles ...string) []map[string]any {
	t := e.T
	t.Helper()
	text, err := os.ReadFile(filepath.Join("connectors.d", file))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := connectors.ParseConfig(text, file)
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range []string{cfg.Topic, cfg.Topic + ".dlq"} {
		if _, err := bus.EnsureTopic(context.Background(), e.Conn, topic, 1); err != nil {
			t.Fatal(err)
		}
	}
	got, dlq := e.Collect(cfg.Topic), e.Collect(cfg.Topic+".dlq")
	e.startFrom(file, dataDir, dataFiles...)
	waitFor(t, file+" events", 15*time.Second, func() bool { return len(got.All()) >= want || len(dlq.All()) > 0 })
	time.Sleep(200 * time.Millisecond) // anything beyond want would show now
	for _, l := range dlq.All() {
		t.Errorf("dead letter: %s: %s", l.Metadata.Get("dlq_error"), l.Payload)
	}
	msgs := got.All()
	if len(msgs) != want {
		t.Fatalf("%d events, want %d", len(msgs), want)
	}
	ids := map[string]bool{}
	out := make([]map[string]any, 0, len(msgs))
	for i, msg := range msgs {
		if err := e.Contracts.Check(cfg.Topic, msg.Metadata.Get(bus.HeaderDataSchema), msg.Payload); err != nil {
			t.Fatalf("event %d does not validate: %v", i, err)
		}
		if ids[msg.UUID] {
			t.Errorf("event id %s twice", msg.UUID)
		}
		ids[msg.UUID] = true
		var p map[string]any
		if err := json.Unmarshal(msg.Payload, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// TestSCBPopulation: SCB's population by age and sex on 31 Dec 2019 for
// Västmanlands län's ten municipalities, 202 rows each; Västerås sums to
// SCB's official 154,049.
func TestSCBPopulation(t *testing.T) {
	e := newEnv(t)
	evs := e.events("scb-population.yaml", 10*101*2, "scb/SCB_alderkon_vastmanland_2019.csv")
	perArea := map[string]int{}
	vasteras, rows := 0, 0
	for _, p := range evs {
		perArea[p["area_code"].(string)]++
		if p["area_code"] == "1980" {
			if p["area_name"] != "Västerås" {
				t.Fatalf("1980 is %v", p["area_name"])
			}
			vasteras += int(p["persons"].(float64))
			rows++
		}
		if p["age"] == float64(100) && p["age_open_ended"] != true {
			t.Errorf("age 100 is not open-ended: %v", p)
		}
		if p["age"] != float64(100) && p["age_open_ended"] != nil {
			t.Errorf("age %v is open-ended", p["age"])
		}
	}
	if len(perArea) != 10 {
		t.Errorf("%d area codes, want 10: %v", len(perArea), perArea)
	}
	if rows != 202 || vasteras != 154049 {
		t.Errorf("Västerås: %d rows summing to %d, want 202 rows summing to 154049", rows, vasteras)
	}
}

// TestSMHISnowDepth: every one of Handsjön's 5,023 daily snow-depth rows is
// an event, metres turned into centimetres.
func TestSMHISnowDepth(t *testing.T) {
	e := newEnv(t)
	evs := e.events("smhi-snow-depth.yaml", 5023, "smhi/Snodjup_Handsjo.csv")
	byTime := map[string]map[string]any{}
	maxCm, missing := 0.0, 0
	for _, p := range evs {
		if p["station_id"] != "124290" {
			t.Fatalf("station_id %v", p["station_id"])
		}
		byTime[p["observed_at"].(string)] = p
		if d, ok := p["snow_depth_cm"].(float64); ok {
			maxCm = max(maxCm, d)
		} else {
			missing++
		}
	}
	if len(byTime) != 5023 {
		t.Errorf("%d distinct observation times, want 5023", len(byTime))
	}
	// 2006-04-01;06:00:00;0.32;G and 2010-02-15;06:00:00;0.57;Y in the file.
	for at, want := range map[string][2]any{
		"2006-04-01T06:00:00Z": {32.0, "checked"},
		"2010-02-15T06:00:00Z": {57.0, "suspect"},
	} {
		p := byTime[at]
		if p == nil || p["snow_depth_cm"] != want[0] || p["quality"] != want[1] {
			t.Errorf("%s: %v, want snow_depth_cm %v quality %v", at, p, want[0], want[1])
		}
	}
	// Six days have no reading (2011-04-07..09, 2016-02-12..14); the deepest
	// snow of the 14 winters is 1.12 m.
	if missing != 6 || maxCm != 112 {
		t.Errorf("%d observations without snow depth (want 6), deepest %v cm (want 112)", missing, maxCm)
	}
}

// TestSMHITemperature: Ytterhogdal's 20,368 daily mean temperatures since
// 1961, each an observation of the day ending at observed_at.
func TestSMHITemperature(t *testing.T) {
	e := newEnv(t)
	evs := e.events("smhi-temperature.yaml", 20368, "smhi/Temperatur_dygn_Ytterhogdal.csv")
	byTime := map[string]map[string]any{}
	low := 0.0
	for _, p := range evs {
		if p["station_id"] != "124110" || p["period"] != "day" {
			t.Fatalf("event %v", p)
		}
		byTime[p["observed_at"].(string)] = p
		low = min(low, p["air_temperature_c"].(float64))
	}
	if len(byTime) != 20368 {
		t.Errorf("%d distinct days, want 20368", len(byTime))
	}
	// 1978-12-31 (ending 1979-01-01 00:00 UTC) is the coldest day: -40.9 °C.
	if p := byTime["1979-01-01T00:00:00Z"]; p == nil || p["air_temperature_c"] != -40.9 || p["quality"] != "suspect" || low != -40.9 {
		t.Errorf("1978-12-31: %v; the lowest mean %v, want -40.9", p, low)
	}
	if p := byTime["2020-08-01T00:00:00Z"]; p == nil || p["air_temperature_c"] != 14.3 {
		t.Errorf("2020-07-31: %v, want 14.3 °C", p)
	}
}

// TestSMHIPrecipitation: Handsjön's 5,143 daily precipitation sums, 9,141.5
// mm in all; the wettest day, 2013-08-31, had 41.4 mm.
func TestSMHIPrecipitation(t *testing.T) {
	e := newEnv(t)
	evs := e.events("smhi-precipitation.yaml", 5143, "smhi/Rainfall_dygn_Handsjon.csv")
	total, wettest := 0.0, map[string]any(nil)
	for _, p := range evs {
		if p["period"] != "day" || p["station_id"] != "124290" {
			t.Fatalf("event %v", p)
		}
		mm := p["precipitation_mm"].(float64)
		total += mm
		if wettest == nil || mm > wettest["precipitation_mm"].(float64) {
			wettest = p
		}
	}
	if total < 9141.49 || total > 9141.51 {
		t.Errorf("the sums add up to %.2f mm, want 9141.5", total)
	}
	if wettest["observed_at"] != "2013-09-01T06:00:00Z" || wettest["precipitation_mm"] != 41.4 {
		t.Errorf("the wettest day: %v, want 41.4 mm ending 2013-09-01 06 UTC", wettest)
	}
}

// TestSCBBirthsCounty reads SCB's births per county from the team's data
// folder, where it stays (its copy's owner reserves reuse): 21 counties ×
// 56 years; Västmanland (19) had 4,108 births in 1968 and 2,568 in 2023.
func TestSCBBirthsCounty(t *testing.T) {
	src := filepath.Join("..", "..", "shared", "data", "scb_population", "county_vastmanland_etc", "birth_data_per_region.csv")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Skipf("SCB's births per county are not on this machine (%v); they are not copied into the repository", err)
	}
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "births.csv"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	evs := e.eventsFrom("scb-births-county.yaml", 21*56, tmp, "births.csv")
	got := map[string]float64{}
	for _, p := range evs {
		got[fmt.Sprint(p["area_code"], "/", p["year"])] = p["live_births"].(float64)
	}
	if got["19/1968"] != 4108 || got["19/2023"] != 2568 || got["01/1968"] != 20095 {
		t.Errorf("Västmanland 1968 %v, 2023 %v; Stockholm 1968 %v", got["19/1968"], got["19/2023"], got["01/1968"])
	}
}

// TestVasterasSchoolUnits reads the city's preschools and schools (GeoJSON
// from its web map) from the team's data folder, where they stay (no data
// licence is stated): 138 + 62 points. Brandthovda förskola is in the file
// twice with the same id, so its two events share one event id and
// consumers apply it once: 199 distinct units.
func TestVasterasSchoolUnits(t *testing.T) {
	src := filepath.Join("..", "..", "shared", "data", "municipal_open_data", "vasteras_poi")
	if _, err := os.Stat(filepath.Join(src, "vasteras_pkt_forskola.geojson")); err != nil {
		t.Skipf("the Västerås points of interest are not on this machine (%v); they are not copied into the repository", err)
	}
	e := newEnv(t)
	const topic = "school.unit.v1"
	for _, tp := range []string{topic, topic + ".dlq"} {
		if _, err := bus.EnsureTopic(context.Background(), e.Conn, tp, 1); err != nil {
			t.Fatal(err)
		}
	}
	got, dlq := e.Collect(topic), e.Collect(topic+".dlq")
	e.startFrom("vasteras-school-units.yaml", src, "vasteras_pkt_forskola.geojson", "vasteras_pkt_grundskola.geojson")
	waitFor(t, "200 school units", 30*time.Second, func() bool { return len(got.All()) >= 200 || len(dlq.All()) > 0 })
	for _, l := range dlq.All() {
		t.Errorf("dead letter: %s", l.Metadata.Get("dlq_error"))
	}
	types := map[string]int{}
	for _, m := range got.All() {
		if err := e.Contracts.Check(topic, m.Metadata.Get(bus.HeaderDataSchema), m.Payload); err != nil {
			t.Fatal(err)
		}
		var u map[string]any
		json.Unmarshal(m.Payload, &u)
		types[u["unit_type"].(string)]++
	}
	if n := len(connectortest.Unique(got.All())); n != 199 || types["preschool"] != 138 || types["compulsory"] != 62 {
		t.Errorf("%d distinct ids, types %v; want 199 distinct, 138 preschool and 62 compulsory events", n, types)
	}
}
