package dataset_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/services/opendata/dataset"
)

const alarms = `id: 0b0c6c1e-5d1a-4f7e-8a3b-1c2d3e4f5a6b
name: care-alarms
title: {sv: Larm i äldreomsorgen, en: Elderly-care alarms}
description: {sv: Larm per månad och område., en: Alarms per month and area.}
themes: [HEAL]
contact_point: {name: Öppna data, email: opendata@vasteras.se}
licence: cc-by-4.0
update_frequency: monthly
source:
  topics: [care.alarm.v1]
  filter: event.status != "false-alarm"
  fields:
    area_code: quasi
    kind: public
    raised_at: quasi
    status: public
    resident_id: direct
shape:
  kind: aggregate
  columns:
    - {name: area_code, expr: event.area_code}
    - {name: month, expr: event.raised_at, type: date}
    - {name: kind, expr: event.kind}
  group_by: [area_code, month, kind]
  time_bucket: {column: month, unit: month}
  measures:
    - {name: alarms, fn: count}
privacy: {}
`

func parse(t *testing.T, src string) (*dataset.Loaded, dataset.Problems) {
	t.Helper()
	l, err := dataset.Parse([]byte(src), "alarms.yaml")
	if err == nil {
		return l, nil
	}
	var ps dataset.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v is not Problems", err)
	}
	return nil, ps
}

func TestParseFillsDefaults(t *testing.T) {
	l, ps := parse(t, alarms)
	if ps != nil {
		t.Fatal(ps)
	}
	if l.Privacy.K != 5 || l.Privacy.MaxSuppression != 0.04 || l.Privacy.SmallCells.Threshold != 5 || l.Privacy.SmallCells.Measure != "alarms" {
		t.Errorf("defaults not filled: %+v", l.Privacy)
	}
	if l.Publisher.IRI() != "http://dataportal.se/organisation/SE2120002080" {
		t.Errorf("publisher IRI %q", l.Publisher.IRI())
	}
}

func TestRowSeesOnlyClassifiedFields(t *testing.T) {
	l, ps := parse(t, strings.Replace(alarms, "expr: event.kind}", `expr: 'has(event.care_unit_id) ? "leak" : event.kind'}`, 1))
	if ps == nil {
		t.Fatal("an expression reading an unclassified field was accepted")
	}
	if !strings.Contains(ps.Error(), `"care_unit_id", which source.fields does not classify`) {
		t.Errorf("problem does not name the field: %v", ps)
	}
	l, _ = parse(t, alarms)
	event := map[string]any{"area_code": "1980-422", "raised_at": "2024-02-03T04:05:06Z", "kind": "no-activity", "status": "open", "resident_id": "R-1", "care_unit_id": "U-9"}
	keep, key, row, err := l.Compiled.Row("care.alarm.v1", "id-1", event)
	if err != nil || !keep {
		t.Fatalf("keep %v err %v", keep, err)
	}
	if row[1] != "2024-02-03" || row[0] != "1980-422" {
		t.Errorf("row %v", row)
	}
	if key == "id-1" || len(key) != 32 {
		t.Errorf("key %q: want a hash of the event id", key)
	}
	if got := l.Compiled.Unclassified(event); len(got) != 1 || got[0] != "care_unit_id" {
		t.Errorf("unclassified %v", got)
	}
	event["status"] = "false-alarm"
	if keep, _, _, _ := l.Compiled.Row("care.alarm.v1", "id-2", event); keep {
		t.Error("the filter kept a false alarm")
	}
}

func TestDirectFieldsOnlyThroughPseudonyms(t *testing.T) {
	src := strings.Replace(alarms, "- {name: kind, expr: event.kind}", "- {name: kind, expr: event.kind}\n    - {name: resident, expr: event.resident_id}", 1)
	_, ps := parse(t, src)
	if ps == nil || !strings.Contains(ps.Error(), `reads field "resident_id", a direct identifier`) {
		t.Fatalf("a column reading a direct identifier was accepted: %v", ps)
	}
	if strings.Contains(ps.Error(), "R-1") {
		t.Fatal("problem quotes a value")
	}
	micro := strings.NewReplacer("kind: aggregate", "kind: microdata", "  group_by: [area_code, month, kind]\n", "", "  time_bucket: {column: month, unit: month}\n", "",
		"  measures:\n    - {name: alarms, fn: count}\n", "", "privacy: {}", "privacy: {pseudonymise: [resident]}").Replace(src)
	_, ps = parse(t, micro)
	if ps == nil || !strings.Contains(ps.Error(), `reads field "raised_at", a quasi-identifier`) {
		t.Fatalf("microdata publishing a quasi-identifier outside k-anonymity was accepted: %v", ps)
	}
	micro = strings.Replace(micro, "privacy: {pseudonymise: [resident]}",
		"privacy: {pseudonymise: [resident], quasi_identifiers: [{column: area_code, hierarchy: {kind: mask}}, {column: month, hierarchy: {kind: date}}]}", 1)
	l, ps := parse(t, micro)
	if ps != nil {
		t.Fatalf("a pseudonymised column may read a direct field: %v", ps)
	}
	_, _, row, err := l.Compiled.Row("care.alarm.v1", "x", map[string]any{"area_code": "1980", "raised_at": "2024-01-01", "kind": "fall", "status": "open", "resident_id": "R-1"})
	if err != nil || row[3] != "R-1" {
		t.Fatalf("row %v err %v", row, err)
	}
}

func TestProblemsHaveLines(t *testing.T) {
	src := strings.NewReplacer("licence: cc-by-4.0", "licence: mit", "themes: [HEAL]", "themes: [HEALTH]",
		"group_by: [area_code, month, kind]", "group_by: [area_code, month, district]").Replace(alarms)
	_, ps := parse(t, src)
	want := map[string]int{"licence": 7, "themes[0]": 5, "shape.group_by[2]": 0}
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		if strings.Contains(l, "group_by:") {
			want["shape.group_by[2]"] = i + 1
		}
	}
	for path, line := range want {
		found := false
		for _, p := range ps {
			if p.Path == path {
				found = true
				if p.Line != line {
					t.Errorf("%s: line %d, want %d", path, p.Line, line)
				}
			}
		}
		if !found {
			t.Errorf("no problem at %s in %v", path, ps)
		}
	}
	_, ps = parse(t, alarms+"colour: blue\n")
	if len(ps) != 1 || ps[0].Line != strings.Count(alarms, "\n")+1 || !strings.Contains(ps[0].Msg, "colour") {
		t.Errorf("unknown key: %v", ps)
	}
}

func TestDemoDefinitionsLoad(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "demo", "datasets.d")
	ds, err := dataset.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) == 0 {
		t.Fatal("no demo datasets")
	}
}

func TestSchema(t *testing.T) {
	js, err := dataset.Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(js, &s); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "title", "themes", "source", "shape", "privacy", "hvd_category"} {
		if _, ok := s.Properties[k]; !ok {
			t.Errorf("schema lacks %s", k)
		}
	}
}
