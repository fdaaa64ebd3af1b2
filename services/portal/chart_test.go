package portal

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestChooseChart(t *testing.T) {
	alarms := Definition{Shape: Shape{Kind: "aggregate", Columns: []Column{{Name: "area_code"}, {Name: "month", Type: "date"}, {Name: "kind"}},
		GroupBy: []string{"area_code", "month", "kind"}, TimeBucket: &TimeBucket{Column: "month", Unit: "month"},
		Measures: []Measure{{Name: "alarms", Fn: "count"}}}}
	population := Definition{Shape: Shape{Kind: "aggregate", Columns: []Column{{Name: "area_code"}, {Name: "area_name"}, {Name: "year", Type: "integer"},
		{Name: "age_band"}, {Name: "persons", Type: "integer"}}, Measures: []Measure{{Name: "persons", Fn: "sum", Column: "persons"}}}}
	perArea := Definition{Shape: Shape{Kind: "aggregate", Columns: []Column{{Name: "area_code"}, {Name: "area_name"}, {Name: "sex"}},
		Measures: []Measure{{Name: "mean_age", Fn: "mean", Column: "age"}}}}
	perUnit := Definition{Shape: Shape{Kind: "aggregate", Columns: []Column{{Name: "unit_id"}, {Name: "grade"}},
		Measures: []Measure{{Name: "enrolled", Fn: "max", Column: "enrolled"}}}}
	areaNoFigure := Definition{Shape: Shape{Kind: "microdata", Columns: []Column{{Name: "district"}, {Name: "kind"}}}}
	yearAsNumber := Definition{Shape: Shape{Kind: "microdata", Columns: []Column{{Name: "year", Type: "number"}, {Name: "kg", Type: "number"}}}}
	for _, c := range []struct {
		name string
		def  Definition
		cols []string
		want chartSpec
		ok   bool
	}{
		{"alarms per month", alarms, []string{"area_code", "month", "kind", "alarms"}, chartSpec{chartLine, 1, 3, "month", "alarms", "sum"}, true},
		{"persons per year", population, []string{"area_code", "area_name", "year", "age_band", "persons"}, chartSpec{chartLine, 2, 4, "year", "persons", "sum"}, true},
		{"weather: the mean of microdata", weatherDef, weatherCols, chartSpec{chartLine, 1, 2, "day", "celsius", "mean"}, true},
		{"per area by name, not code", perArea, []string{"area_code", "area_name", "sex", "mean_age"}, chartSpec{chartBar, 1, 3, "area_name", "mean_age", "mean"}, true},
		{"per unit", perUnit, []string{"unit_id", "grade", "enrolled"}, chartSpec{chartBar, 0, 2, "unit_id", "enrolled", "max"}, true},
		{"neither time nor area", wasteDef, []string{"kitchen", "kg"}, chartSpec{}, false},
		{"an area but no figure", areaNoFigure, []string{"district", "kind"}, chartSpec{}, false},
		{"a year that is a measure is not a time", yearAsNumber, []string{"year", "kg"}, chartSpec{}, false},
		{"the measure is not published", alarms, []string{"area_code", "month", "kind"}, chartSpec{}, false},
	} {
		got, ok := chooseChart(c.def, c.cols)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("%s: got %+v, %v; want %+v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func rowsOf(rows ...Row) func(func(Row) error) error {
	return func(fn func(Row) error) error {
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func raw(vs ...string) Row {
	r := make(Row, len(vs))
	for i, v := range vs {
		r[i] = json.RawMessage(v)
	}
	return r
}

func TestBuildChart(t *testing.T) {
	// Years order as numbers; rows of one year add up; a suppressed (null)
	// cell is left out and counted.
	c, err := buildChart(chartSpec{chartLine, 0, 1, "year", "persons", "sum"}, rowsOf(
		raw(`2010`, `5`), raw(`999`, `1`), raw(`2010`, `7`), raw(`2009`, `null`), raw(`2009`, `3`), raw(`null`, `4`)))
	if err != nil {
		t.Fatal(err)
	}
	want := []chartPoint{{"999", 1}, {"2009", 3}, {"2010", 12}}
	if !equalPoints(c.Points, want) || c.Skipped != 2 || c.Groups != 3 {
		t.Errorf("line: %+v skipped %d groups %d; want %+v, 2, 3", c.Points, c.Skipped, c.Groups, want)
	}
	// Means; the newest maxLinePoints of more.
	var rows []Row
	day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range maxLinePoints + 10 {
		d := `"` + day.AddDate(0, 0, i).Format("2006-01-02") + `"`
		rows = append(rows, raw(d, `1`), raw(d, `2.5`))
	}
	c, err = buildChart(chartSpec{chartLine, 0, 1, "day", "celsius", "mean"}, rowsOf(rows...))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Points) != maxLinePoints || c.Groups != maxLinePoints+10 || c.Points[0].Label != "2024-01-11" || c.Points[0].Value != 1.75 {
		t.Errorf("mean: %d points of %d, first %+v", len(c.Points), c.Groups, c.Points[0])
	}
	// Bars: largest first, ties by name, at most maxBars.
	rows = nil
	for i := range maxBars + 5 {
		rows = append(rows, raw(`"area `+string(rune('A'+i))+`"`, jsonInt(i%7)))
	}
	c, err = buildChart(chartSpec{chartBar, 0, 1, "area_name", "persons", "max"}, rowsOf(rows...))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Points) != maxBars || c.Points[0] != (chartPoint{"area G", 6}) || c.Points[1] != (chartPoint{"area N", 6}) || c.Points[maxBars-1].Value != 1 {
		t.Errorf("bars: %+v", c.Points)
	}
	// Nothing to show: no chart.
	if c, err := buildChart(chartSpec{chartBar, 0, 1, "area", "n", "sum"}, rowsOf(raw(`"a"`, `null`))); c != nil || err != nil {
		t.Errorf("all null: %+v, %v", c, err)
	}
	// Too many areas: no chart.
	many := func(fn func(Row) error) error {
		for i := range maxChartGroups + 1 {
			if err := fn(raw(jsonInt(i), `1`)); err != nil {
				return err
			}
		}
		return nil
	}
	if c, err := buildChart(chartSpec{chartBar, 0, 1, "area", "n", "sum"}, many); c != nil || err != nil {
		t.Errorf("too many groups: %+v, %v", c, err)
	}
	// A failing read is an error.
	boom := errors.New("boom")
	if _, err := buildChart(chartSpec{chartBar, 0, 1, "area", "n", "sum"}, func(func(Row) error) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
}

func equalPoints(a, b []chartPoint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var svgPattern = regexp.MustCompile(`(?s)<svg .*?</svg>`)

// checkSVG checks that page has one well-formed inline SVG chart with a
// role, a title and a description, and returns it.
func checkSVG(t *testing.T, what, page string) string {
	t.Helper()
	svgs := svgPattern.FindAllString(page, -1)
	if len(svgs) != 1 {
		t.Fatalf("%s: %d SVG charts", what, len(svgs))
	}
	svg := svgs[0]
	dec := xml.NewDecoder(strings.NewReader(svg))
	dec.Entity = xml.HTMLEntity
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: the SVG is not well-formed XML: %v", what, err)
		}
	}
	mustContain(t, what, svg, `role="img"`, `aria-labelledby="chart-title chart-desc"`, `<title id="chart-title">`, `<desc id="chart-desc">`)
	return svg
}

func TestDatasetPageChart(t *testing.T) {
	s := newSeeded(t)
	_, body := html(t, s, "/datasets/"+weatherDef.Name)
	svg := checkSVG(t, "the weather chart", body)
	// weatherRows(250): day i%28+1 gets celsius i%20-10+0.5 for each i.
	mustContain(t, "the weather chart", svg, "<polyline", "celsius per day", "28 punkter från 2024-01-01 till 2024-01-28", "Medelvärdet")
	if n := strings.Count(svg, "<circle"); n != 28 {
		t.Errorf("the weather chart has %d points, want 28", n)
	}
	mustContain(t, "the chart's table", body, "<summary>Visa diagrammets siffror som tabell</summary>", `<th scope="row">2024-01-01</th>`)
	// Day 1 holds i = 0, 28, …, 224: the mean of their celsius, written
	// as i%20-10 followed by ".5".
	sum, n := 0.0, 0
	for i := 0; i < 250; i += 28 {
		v, _ := strconv.ParseFloat(jsonInt(i%20-10)+".5", 64)
		sum += v
		n++
	}
	mustContain(t, "the chart's table", body, `<th scope="row">2024-01-01</th><td>`+formatNumber(sum/float64(n), "sv")+`</td>`)

	_, body = html(t, s, "/datasets/"+weatherDef.Name+"?lang=en")
	svg = checkSVG(t, "the English chart", body)
	mustContain(t, "the English chart", svg, "celsius by day", "Line chart", "28 points")
	mustContain(t, "the English chart", body, `<td>`+formatNumber(sum/float64(n), "en")+`</td>`)

	_, body = html(t, s, "/datasets/"+wasteDef.Name)
	if strings.Contains(body, "<svg") || strings.Contains(body, "Diagram") {
		t.Error("a dataset with neither a time nor an area shows a chart")
	}
}

func TestDatasetPageBarChartEscapes(t *testing.T) {
	s := newSeeded(t)
	def := Definition{ID: "0b6f3d52-7c1e-4a8f-9d20-3e5b7a1c9f44", Name: "persons-per-area",
		Title: Text{SV: "Personer per område"}, Licence: "cc0",
		Shape: Shape{Kind: "aggregate", Columns: []Column{{Name: "area_name"}}, Measures: []Measure{{Name: "persons", Fn: "sum"}}}}
	seedVersion(t, s.svc.store, def, 1, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), []string{"area_name", "persons"}, []Row{
		raw(`"<script>alert(1)</script>"`, `40`), raw(`"Bäckby & Skälby"`, `25`), raw(`"Bäckby & Skälby"`, `null`), raw(`"Centrum"`, `-5`)})
	_, body := html(t, s, "/datasets/"+def.Name)
	svg := checkSVG(t, "the bar chart", body)
	mustContain(t, "the bar chart", svg, "persons per area_name", "3 staplar", "&lt;script&gt;alert(1)&lt;/script&gt;", "Bäckby &amp; Skälby",
		"1 rader utan värde", "<rect")
	mustNotContain(t, "the page", body, "<script>")
	if n := strings.Count(svg, "<rect"); n != 3 {
		t.Errorf("%d bars, want 3", n)
	}
	mustContain(t, "the table", body, `<th scope="row">Centrum</th><td>-5</td>`)
}
