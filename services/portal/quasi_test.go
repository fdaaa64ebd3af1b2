package portal

import (
	"net/url"
	"testing"
	"time"
)

// TestGeneralisedColumnsAreText: k-anonymity publishes a quasi-identifier
// generalised ("2024", "2024-04", "*"), so whatever type the definition
// declares for it, every face types it as text: the Parquet download
// (which failed mid-stream, an empty reply, on the demo's preschool
// applications), CKAN's datastore fields, the v1 API's columns and the
// dataset page. A column that is no quasi-identifier keeps its type.
func TestGeneralisedColumnsAreText(t *testing.T) {
	s := newSeeded(t)
	def := Definition{ID: "6c1e0f5a-2b7d-4e93-8a41-d5f0b2c7e913", Name: "applications", Title: Text{SV: "Ansökningar"}, Licence: "cc0",
		Shape: Shape{Kind: "microdata", Columns: []Column{{Name: "desired_start", Type: "date"}, {Name: "hours_per_week", Type: "integer"},
			{Name: "submitted", Type: "date"}, {Name: "simulated", Type: "boolean"}}}}
	def.Privacy.QuasiIdentifiers = []QuasiIdentifier{{"desired_start"}, {"hours_per_week"}}
	cols := []string{"desired_start", "hours_per_week", "submitted", "simulated"}
	seedVersion(t, s.svc.store, def, 1, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), cols, []Row{
		raw(`"2024"`, `"*"`, `"2024-04-02"`, `true`),
		raw(`"2024-05"`, `"10-19"`, `"2024-05-03"`, `true`),
	})

	resp, body := get(t, s.srv.URL+"/datasets/applications/latest.parquet")
	if resp.StatusCode != 200 || len(body) == 0 {
		t.Fatalf("latest.parquet: %d, %d bytes", resp.StatusCode, len(body))
	}
	names, types, _, rows := readParquet(t, body)
	want := []string{"STRING", "STRING", "DATE", "BOOLEAN"}
	for i := range want {
		if i >= len(types) || types[i] != want[i] {
			t.Fatalf("Parquet columns %q typed %q, want %q", names, types, want)
		}
	}
	if len(rows) != 2 || rows[0][0].String() != "2024" || rows[0][1].String() != "*" || rows[1][1].String() != "10-19" {
		t.Errorf("Parquet rows: %v", rows)
	}

	_, env := ckanCall(t, s, "datastore_search", url.Values{"resource_id": {def.ID}})
	fields, _ := env["result"].(map[string]any)["fields"].([]any)
	got := map[string]string{}
	for _, f := range fields {
		m := f.(map[string]any)
		got[m["id"].(string)] = m["type"].(string)
	}
	if got["desired_start"] != "text" || got["hours_per_week"] != "text" || got["submitted"] != "date" || got["simulated"] != "bool" {
		t.Errorf("datastore fields: %v", got)
	}

	var ds struct {
		Columns []Column `json:"columns"`
	}
	getV1(t, s.srv.URL+"/api/v1/datasets/applications", &ds)
	if len(ds.Columns) != 4 || ds.Columns[0].Type != "string" || ds.Columns[1].Type != "string" || ds.Columns[2].Type != "date" {
		t.Errorf("v1 columns: %+v", ds.Columns)
	}
}
