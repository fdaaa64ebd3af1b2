package release_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/services/opendata/dataset"
	"github.com/vasteras/civicbus/services/opendata/release"
)

// The districts file's points are rough, made-up centres of Västerås
// districts: enough to test assignment, not a map.
const geo = header + `source:
  topics: [care.alarm.v1]
  fields: {position: quasi, kind: public}
shape:
  kind: microdata
  columns:
    - {name: place, expr: event.position}
    - {name: kind, expr: event.kind}
privacy:
  k: 5
  quasi_identifiers:
    - {column: place, hierarchy: {kind: districts, file: testdata/districts.csv}}
`

// loadGeo loads the geo definition from a directory holding its districts
// file, as a definition's hierarchy files sit next to it.
func loadGeo(t *testing.T) *dataset.Loaded {
	t.Helper()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "districts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "testdata"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "testdata", "districts.csv"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := dataset.Parse([]byte(geo), filepath.Join(dir, "geo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCoordinatesGeneraliseToDistricts(t *testing.T) {
	d := loadGeo(t)
	var rows [][]any
	for i := range 300 {
		// Around Centrum and Bäckby, a few metres apart: each point unique.
		lat, lon := 59.6110+float64(i%50)*0.0001, 16.5450-float64(i%50)*0.0001
		if i%3 == 0 {
			lat, lon = 59.6200+float64(i%40)*0.0001, 16.4800+float64(i%40)*0.0001
		}
		rows = append(rows, []any{fmt.Sprintf("%.5f,%.5f", lat, lon), "fall"})
	}
	out, err := release.Build(release.Input{Def: d, Version: 1, Rows: rows, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[any]int{}
	for _, r := range out.Rows {
		seen[r[0]]++
		if strings.Contains(fmt.Sprint(r[0]), ",") {
			t.Fatalf("a coordinate was published: %v", r[0])
		}
	}
	if seen["Centrum"] != 200 || seen["Bäckby"] != 100 {
		t.Errorf("places %v: want 200 in Centrum and 100 in Bäckby, generalised to the district level", seen)
	}
	if g := out.Report.Results.Generalisation; len(g) != 1 || g[0].Level != 1 || g[0].LevelName != "district" {
		t.Errorf("generalisation %+v", g)
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, fmt.Sprint(k))
	}
	if slices.Contains(keys, "*") {
		t.Errorf("over-generalised: %v", keys)
	}
}

func TestBadCoordinateRefusesWithoutTheValue(t *testing.T) {
	d := loadGeo(t)
	rows := [][]any{{"Storgatan 12", "fall"}}
	for range 10 {
		rows = append(rows, []any{"59.61,16.54", "fall"})
	}
	_, err := release.Build(release.Input{Def: d, Version: 1, Rows: rows, Now: time.Now()})
	if err == nil || strings.Contains(err.Error(), "Storgatan") {
		t.Fatalf("err %v: want an error that does not quote the address", err)
	}
}
