package release_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/services/opendata/dataset"
	"github.com/vasteras/civicbus/services/opendata/release"
)

const header = `id: 11111111-2222-4333-8444-555555555555
name: test
title: {sv: Test, en: Test}
description: {sv: Test., en: Test.}
themes: [SOCI]
contact_point: {name: Öppna data, email: opendata@vasteras.se}
licence: cc0
update_frequency: monthly
`

const micro = header + `source:
  topics: [school.preschool-application.v1]
  fields: {area_code: quasi, desired_start_date: quasi, hours_per_week: quasi, kind: public, child_personnummer: direct}
shape:
  kind: microdata
  columns:
    - {name: area_code, expr: event.area_code}
    - {name: desired_start, expr: event.desired_start_date, type: date}
    - {name: hours_per_week, expr: int(event.hours_per_week), type: integer}
    - {name: kind, expr: event.kind}
privacy:
  k: 5
  max_suppression: 0.04
  quasi_identifiers:
    - {column: area_code, hierarchy: {kind: mask, levels: 3}}
    - {column: desired_start, hierarchy: {kind: date}}
    - {column: hours_per_week, hierarchy: {kind: interval, widths: [5, 10, 20, 40]}}
`

func load(t *testing.T, src string) *dataset.Loaded {
	t.Helper()
	d, err := dataset.Parse([]byte(src), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// applications makes n rows: eight districts, start dates over a year,
// 15-45 hours a week.
func applications(d *dataset.Loaded, n int) [][]any {
	var rows [][]any
	for i := range n {
		event := map[string]any{
			"area_code":          fmt.Sprintf("1980-%03d", 100+(i*7)%8),
			"desired_start_date": time.Date(2024, time.Month(1+(i*5)%12), 1+(i*3)%28, 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
			"hours_per_week":     float64(15 + (i*11)%31),
			"kind":               "new",
			"child_personnummer": fmt.Sprintf("20200101%04d", i),
		}
		_, _, row, err := d.Compiled.Row("school.preschool-application.v1", fmt.Sprint(i), event)
		if err != nil {
			panic(err)
		}
		rows = append(rows, row)
	}
	return rows
}

func TestMicrodataIsKAnonymous(t *testing.T) {
	d := load(t, micro)
	out, err := release.Build(release.Input{Def: d, Version: 1, Rows: applications(d, 500), Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]int{}
	for _, r := range out.Rows {
		classes[fmt.Sprint(r[0], "|", r[1], "|", r[2])]++
	}
	for c, n := range classes {
		if n < 5 {
			t.Errorf("class %s has %d rows, fewer than k = 5", c, n)
		}
	}
	rep := out.Report
	if rep.Results.KReached < 5 || rep.Results.RecordsSuppressed > 20 || len(out.Rows) != 500-rep.Results.RecordsSuppressed {
		t.Errorf("report %+v with %d rows", rep.Results, len(out.Rows))
	}
	if len(rep.Results.Generalisation) != 3 || rep.Results.InformationLoss <= 0 {
		t.Errorf("generalisation %+v loss %v", rep.Results.Generalisation, rep.Results.InformationLoss)
	}
	if !rep.Scan.Passed || out.Rows[0][3] != "new" {
		t.Errorf("scan %+v, row %v", rep.Scan, out.Rows[0])
	}
}

func TestUnreachableKRefuses(t *testing.T) {
	d := load(t, micro)
	_, err := release.Build(release.Input{Def: d, Version: 1, Rows: applications(d, 3), Now: time.Now()})
	if !errors.Is(err, release.ErrRefused) {
		t.Fatalf("3 rows at k = 5: %v, want a refusal", err)
	}
	if strings.Contains(err.Error(), "1980-1") {
		t.Errorf("the refusal quotes a value: %v", err)
	}
	t.Log(err)
}

func TestIdentifierInAPublicColumnRefuses(t *testing.T) {
	d := load(t, micro)
	rows := applications(d, 200)
	rows[17][3] = "ring 070-123 45 67" // a phone number in free text
	_, err := release.Build(release.Input{Def: d, Version: 1, Rows: rows, Now: time.Now()})
	if !errors.Is(err, release.ErrRefused) || !strings.Contains(err.Error(), `column "kind"`) {
		t.Fatalf("err %v: want a refusal naming the column kind", err)
	}
	if strings.Contains(err.Error(), "070") {
		t.Errorf("the refusal quotes the value: %v", err)
	}
}

func TestPseudonymsRotatePerVersion(t *testing.T) {
	src := strings.NewReplacer(
		"    - {name: kind, expr: event.kind}\n", "    - {name: kind, expr: event.kind}\n    - {name: child, expr: event.child_personnummer}\n",
		"privacy:\n", "privacy:\n  pseudonymise: [child]\n").Replace(micro)
	d := load(t, src)
	rows := applications(d, 100)
	key := []byte("a test key that is long enough for hkdf!")
	if _, err := release.Build(release.Input{Def: d, Version: 1, Rows: rows}); !errors.Is(err, release.ErrRefused) {
		t.Fatalf("no key: %v, want a refusal", err)
	}
	v1, err := release.Build(release.Input{Def: d, Version: 1, Rows: rows, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := release.Build(release.Input{Def: d, Version: 2, Rows: rows, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	p1 := map[any]bool{}
	for _, r := range v1.Rows {
		if strings.HasPrefix(fmt.Sprint(r[4]), "2020") {
			t.Fatalf("a personnummer was published: row %d", 0)
		}
		p1[r[4]] = true
	}
	for _, r := range v2.Rows {
		if p1[r[4]] {
			t.Fatal("version 2 reuses a pseudonym of version 1: the key did not rotate")
		}
	}
	if v1.Report.Policy.PseudonymLabel == v2.Report.Policy.PseudonymLabel {
		t.Error("both reports name the same rotation label")
	}
}

const agg = header + `source:
  topics: [care.alarm.v1]
  fields: {area_code: quasi, raised_at: quasi, kind: public}
shape:
  kind: aggregate
  columns:
    - {name: area_code, expr: event.area_code}
    - {name: month, expr: event.raised_at, type: date}
  group_by: [area_code, month]
  time_bucket: {column: month, unit: month}
  measures:
    - {name: alarms, fn: count}
privacy:
  epsilon: 1.0
`

func alarmCells() []release.Cell {
	var cells []release.Cell
	for i, n := range []int64{120, 80, 3, 95, 60, 41} {
		cells = append(cells, release.Cell{Group: []any{fmt.Sprintf("1980-%d", i/2), fmt.Sprintf("2024-0%d-01", 1+i%2)}, Agg: release.Agg{N: n}})
	}
	return cells
}

func TestAggregateSmallCells(t *testing.T) {
	d := load(t, strings.Replace(agg, "  epsilon: 1.0\n", "  small_cells: {threshold: 5}\n", 1))
	out, err := release.Build(release.Input{Def: d, Version: 1, Cells: alarmCells(), Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	rep := out.Report
	if rep.Results.CellsSuppressedPrimary == 0 || rep.Results.CellsSuppressedSecondary == 0 {
		t.Errorf("the cell of 3 and one that would give it away must be suppressed: %+v", rep.Results)
	}
	hidden := 0
	for _, r := range out.Rows {
		if r[2] == nil {
			hidden++
		}
	}
	if out.Rows[2][2] != nil || hidden < 2 {
		t.Errorf("the small cell, or the one hiding it, was published: %v", out.Rows)
	}
	if rep.Results.RowsHidden != hidden || rep.Results.RecordsOut != len(out.Rows) {
		t.Errorf("report: %d of %d rows hidden; the published table hides %d of %d", rep.Results.RowsHidden, rep.Results.RecordsOut, hidden, len(out.Rows))
	}
	if want := fmt.Sprintf("Siffrorna är dolda i %d av tabellens %d rader.", hidden, len(out.Rows)); !strings.Contains(rep.Plain("sv"), want) {
		t.Errorf("plain text lacks %q: %s", want, rep.Plain("sv"))
	}
}

// TestAggregateEveryRowHiddenRefuses: the care-alarm dataset's QA version
// had one row, counting 3; it was published with its figure hidden and a
// report of "8 av 8 celler". Such a version says nothing and tells that the
// only group is small: it is refused. Once a group reaches the threshold,
// the version is published with the small ones hidden.
func TestAggregateEveryRowHiddenRefuses(t *testing.T) {
	const three = header + `source:
  topics: [care.alarm.v1]
  fields: {area_code: quasi, raised_at: quasi, kind: public}
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
privacy:
  small_cells: {threshold: 5}
`
	d := load(t, three)
	one := []release.Cell{{Group: []any{"1980-104", "2026-10-01", "night-wandering"}, Agg: release.Agg{N: 3}}}
	out, err := release.Build(release.Input{Def: d, Version: 1, Cells: one, Now: time.Now()})
	if !errors.Is(err, release.ErrRefused) {
		t.Fatalf("a version whose one row is hidden: %v, %v; want ErrRefused", out, err)
	}
	if !strings.Contains(err.Error(), "every row (1 of 1)") || strings.Contains(err.Error(), "1980-104") {
		t.Errorf("refusal does not say why, or names a group: %v", err)
	}
	// Several rows, all small: refused too.
	two := append(one, release.Cell{Group: []any{"1980-105", "2026-10-01", "night-wandering"}, Agg: release.Agg{N: 4}})
	if _, err := release.Build(release.Input{Def: d, Version: 1, Cells: two, Now: time.Now()}); !errors.Is(err, release.ErrRefused) {
		t.Errorf("two small rows: %v; want ErrRefused", err)
	}
	// One group reaches the threshold: published, the small ones hidden.
	three3 := append(two, release.Cell{Group: []any{"1980-106", "2026-10-01", "night-wandering"}, Agg: release.Agg{N: 40}})
	out, err = release.Build(release.Input{Def: d, Version: 1, Cells: three3, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if r := out.Report.Results; r.RowsHidden < 2 || r.RowsHidden >= r.RecordsOut || r.RecordsOut != 3 {
		t.Errorf("report: %d of %d rows hidden; want the 2 small ones (at least) of 3, not all", r.RowsHidden, r.RecordsOut)
	}
}

func TestAggregateNoise(t *testing.T) {
	d := load(t, agg)
	cells := alarmCells()
	out, err := release.Build(release.Input{Def: d, Version: 1, Cells: cells, NoiseSeed: 42, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if out.Report.Results.EpsilonSpent != 1.0 {
		t.Errorf("epsilon spent %v, want 1", out.Report.Results.EpsilonSpent)
	}
	same := 0
	for i, r := range out.Rows {
		if r[2] == nil {
			continue // suppressed: judged on the noisy count
		}
		n, ok := r[2].(int64)
		if !ok {
			t.Fatalf("a noisy count is %T, want an integer", r[2])
		}
		if n > 0 && n < 5 {
			t.Errorf("a noisy count of %d was published: small cells are judged after the noise", n)
		}
		if n == cells[i].Agg.N {
			same++
		}
	}
	if same == len(out.Rows) {
		t.Error("no count got noise")
	}
}
