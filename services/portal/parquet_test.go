package portal

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// v1Rows reads every row of a version through GET /api/v1/…/rows, page by
// page: the fields, then each row's values in their order.
func v1Rows(t *testing.T, base, dataset string, version int) ([]string, []Row) {
	t.Helper()
	next := "/api/v1/datasets/" + dataset + "/rows?" + url.Values{"version": {strconv.Itoa(version)}, "limit": {"1000"}}.Encode()
	var fields []string
	var rows []Row
	for next != "" {
		var page rowsBody
		if code := getV1(t, base+next, &page); code != 200 || page.Version != version {
			t.Fatalf("%s: %d, version %d", next, code, page.Version)
		}
		fields = page.Fields
		for _, obj := range page.Data {
			row := make(Row, len(fields))
			for i, f := range fields {
				row[i] = obj[f]
			}
			rows = append(rows, row)
		}
		next = page.Next
	}
	return fields, rows
}

// readParquet opens a Parquet file with parquet-go and returns its columns
// (name and type), its number of row groups, and its rows.
func readParquet(t *testing.T, b []byte) (names, types []string, groups int, rows []parquet.Row) {
	t.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("open the Parquet file: %v", err)
	}
	for _, field := range f.Schema().Fields() {
		names = append(names, field.Name())
		if !field.Optional() {
			t.Errorf("column %s is not optional", field.Name())
		}
		types = append(types, field.Type().String())
	}
	groups = len(f.RowGroups())
	r := parquet.NewReader(f)
	defer r.Close()
	buf := make([]parquet.Row, 64)
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			rows = append(rows, row.Clone())
		}
		if err != nil {
			break
		}
	}
	if int64(len(rows)) != f.NumRows() {
		t.Fatalf("read %d of the file's %d rows", len(rows), f.NumRows())
	}
	return names, types, groups, rows
}

// sameValue reports whether a Parquet value of column type typ is the JSON
// value want.
func sameValue(typ string, got parquet.Value, want json.RawMessage) bool {
	text := cellText(want, false)
	if got.IsNull() {
		return text == "" && (len(want) == 0 || string(want) == "null")
	}
	switch typ {
	case "integer":
		return strconv.FormatInt(got.Int64(), 10) == text
	case "number":
		f, err := strconv.ParseFloat(text, 64)
		return err == nil && got.Double() == f
	case "date":
		return time.Unix(int64(got.Int32())*86400, 0).UTC().Format(time.DateOnly) == text
	case "boolean":
		return strconv.FormatBool(got.Boolean()) == text
	default:
		return string(got.ByteArray()) == text
	}
}

// TestParquetDownload downloads the latest version and version 1 as
// Parquet, reads them back with parquet-go and compares every row with
// the API's: the columns in the version's order with the definition's
// types, nulls as nulls, written in several row groups.
func TestParquetDownload(t *testing.T) {
	defer func(n int64) { parquetRowGroup = n }(parquetRowGroup)
	parquetRowGroup = 100
	s := newSeeded(t)
	typed := Definition{ID: "2f9d7a31-6b4e-4c8a-b1d5-0e3c7f9a2b64", Name: "typed", Title: Text{SV: "Typer"}, Licence: "cc0",
		Shape: Shape{Kind: "aggregate", Columns: []Column{{Name: "area_name"}, {Name: "open", Type: "boolean"}, {Name: "month", Type: "date"}},
			Measures: []Measure{{Name: "n", Fn: "count"}, {Name: "mean_kg", Fn: "mean", Column: "kg"}}}}
	seedVersion(t, s.svc.store, typed, 1, time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), []string{"area_name", "open", "month", "n", "mean_kg", "extra"}, []Row{
		raw(`"Bäckby \"norra\""`, `true`, `"1969-12-31"`, `12`, `1.25`, `"x"`),
		raw(`"Centrum"`, `false`, `"2024-02-29"`, `null`, `null`, `null`),
		raw(`""`, `null`, `null`, `0`, `-3e-7`, `7`),
	})
	for _, c := range []struct {
		dataset, file string
		version       int
		types         []string
		groups        int
	}{
		{weatherDef.Name, "latest.parquet", 2, []string{"string", "date", "number", "integer"}, 3},
		{weatherDef.Name, "versions/1.parquet", 1, []string{"string", "date", "number", "integer"}, 1},
		{typed.Name, "latest.parquet", 1, []string{"string", "boolean", "date", "integer", "number", "string"}, 1},
	} {
		u := s.srv.URL + "/datasets/" + c.dataset + "/" + c.file
		resp, body := get(t, u, "Accept-Encoding", "gzip")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != mediaTypeParquet || resp.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s: %d, %s, Content-Encoding %q", u, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding"))
		}
		names, types, groups, got := readParquet(t, body)
		fields, want := v1Rows(t, s.srv.URL, c.dataset, c.version)
		if !slices.Equal(names, fields) {
			t.Fatalf("%s: columns %q, the API's %q", u, names, fields)
		}
		wantTypes := map[string]string{"string": "STRING", "date": "DATE", "number": "DOUBLE", "integer": "INT(64,true)", "boolean": "BOOLEAN"}
		for i, typ := range c.types {
			if types[i] != wantTypes[typ] {
				t.Errorf("%s: column %s is %s, want %s", u, names[i], types[i], wantTypes[typ])
			}
		}
		if groups != c.groups {
			t.Errorf("%s: %d row groups, want %d", u, groups, c.groups)
		}
		if len(got) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d rows, the API has %d", u, len(got), len(want))
		}
		for i := range want {
			for j, typ := range c.types {
				if !sameValue(typ, got[i][j], want[i][j]) {
					t.Fatalf("%s: row %d column %s is %v, the API's %s", u, i+1, names[j], got[i][j], want[i][j])
				}
			}
		}
	}
	// Offered on the dataset page, as a CKAN resource and in the v1 links.
	_, page := html(t, s, "/datasets/"+weatherDef.Name)
	mustContain(t, "the dataset page", page, `href="/datasets/weather-per-station-day/latest.parquet"`, `href="/datasets/weather-per-station-day/versions/1.parquet"`)
	_, env := ckanCall(t, s, "package_show", url.Values{"id": {weatherDef.Name}})
	res := env["result"].(map[string]any)["resources"].([]any)
	last := res[len(res)-1].(map[string]any)
	if last["format"] != "PARQUET" || last["mimetype"] != mediaTypeParquet || last["url"] != "https://data.vasteras.se/datasets/weather-per-station-day/latest.parquet" {
		t.Errorf("the Parquet resource: %v", last)
	}
	var ds struct {
		Links    map[string]string `json:"links"`
		Versions []struct {
			Links map[string]string `json:"links"`
		} `json:"versions"`
	}
	getV1(t, s.srv.URL+"/api/v1/datasets/"+weatherDef.Name, &ds)
	if ds.Links["parquet"] == "" || len(ds.Versions) != 2 || ds.Versions[1].Links["parquet"] != "https://data.vasteras.se/datasets/"+weatherDef.ID+"/versions/1.parquet" {
		t.Errorf("v1 links: %v %v", ds.Links, ds.Versions)
	}

	// Conditional requests: the ETag names the format.
	resp, _ := get(t, s.srv.URL+"/datasets/"+weatherDef.Name+"/versions/1.parquet")
	etag := resp.Header.Get("ETag")
	if resp, _ := get(t, s.srv.URL+"/datasets/"+weatherDef.Name+"/versions/1.parquet", "If-None-Match", etag); resp.StatusCode != 304 || etag == "" {
		t.Errorf("If-None-Match %s: %d, want 304", etag, resp.StatusCode)
	}
}

// TestParquetGroupBytes: wide rows end a row group before its row count
// does, and the file still reads back whole.
func TestParquetGroupBytes(t *testing.T) {
	defer func(n int) { parquetGroupBytes = n }(parquetGroupBytes)
	parquetGroupBytes = 2000
	rows := weatherRows(250)
	var buf bytes.Buffer
	v := Version{Columns: weatherCols}
	if err := writeParquet(&buf, weatherDef, v, rowsOf(rows...)); err != nil {
		t.Fatal(err)
	}
	_, _, groups, got := readParquet(t, buf.Bytes())
	if groups < 5 || len(got) != len(rows) {
		t.Errorf("%d row groups, %d rows; want several groups of about 2000 bytes of JSON, 250 rows", groups, len(got))
	}
	for i, r := range rows {
		for j, typ := range []string{"string", "date", "number", "integer"} {
			if !sameValue(typ, got[i][j], r[j]) {
				t.Fatalf("row %d column %d: %v, want %s", i+1, j+1, got[i][j], r[j])
			}
		}
	}
}

func TestParquetValue(t *testing.T) {
	for _, c := range []struct {
		typ, cell string
		ok        bool
	}{
		{"integer", `12`, true}, {"integer", `12.0`, true}, {"integer", `12.5`, false}, {"integer", `"12"`, false},
		{"number", `1e3`, true}, {"number", `"x"`, false},
		{"boolean", `true`, true}, {"boolean", `1`, false},
		{"date", `"2024-02-29"`, true}, {"date", `"2023-02-29"`, false}, {"date", `20240229`, false},
		{"string", `"a"`, true}, {"string", `5`, true}, {"integer", `null`, true},
	} {
		if _, err := parquetValue(c.typ, json.RawMessage(c.cell)); (err == nil) != c.ok {
			t.Errorf("parquetValue(%s, %s): %v, want ok %v", c.typ, c.cell, err, c.ok)
		}
	}
}
