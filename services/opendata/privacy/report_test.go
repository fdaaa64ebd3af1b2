package privacy

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from its golden file:\n got: %s\nwant: %s", name, got, want)
	}
}

func microdataReport() Report {
	return Report{
		DatasetID: "6f1c3c1e-2f43-4d0a-9d1e-5a0d2f3b7c11",
		Version:   "2026-11",
		CreatedAt: time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC),
		Shape:     "microdata",
		Policy: PolicyReport{
			Dropped:        []string{"namn", "adress"},
			Pseudonymised:  []string{"elev_id"},
			PseudonymLabel: "2026-11",
			Generalised: []Hierarchy{
				{Attribute: "alder", Levels: []string{"år", "5-årsklass", "10-årsklass", "*"}},
				{Attribute: "postnummer", Levels: []string{"postnummer", "3 siffror", "*"}},
			},
			K: 5, L: 2, LColumn: "stod", SuppressionBudget: 0.04,
		},
		Results: Results{
			KReached: 6, RecordsIn: 1200, RecordsOut: 1187, RecordsSuppressed: 13,
			Generalisation: []Level{
				{Attribute: "alder", Level: 2, LevelName: "10-årsklass"},
				{Attribute: "postnummer", Level: 1, LevelName: "3 siffror"},
			},
			InformationLoss: 0.21, InformationLossMetric: "loss",
		},
		Scan: ScanOutcome{ColumnsScanned: []string{"elev_id", "alder", "postnummer", "stod"}, RowsScanned: 1187, Passed: true},
	}
}

func aggregateReport() Report {
	return Report{
		DatasetID: "0b7b3f0e-7f5e-4b0c-8a57-2b8f3f2f6a90",
		Version:   "2026-W47",
		CreatedAt: time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC),
		Shape:     "aggregate",
		Policy:    PolicyReport{SmallCellThreshold: 5, Epsilon: 0.5, SumBound: 10},
		Results: Results{
			RecordsIn: 5400, RecordsOut: 180, CellsTotal: 252, CellsSuppressedPrimary: 46, CellsSuppressedSecondary: 21, RowsHidden: 41,
			EpsilonSpent: 0.5, EpsilonLedger: []Spend{{"counts", 0.25}, {"kg", 0.25}},
		},
		Scan: ScanOutcome{ColumnsScanned: []string{"stadsdel", "vecka", "antal", "kg"}, RowsScanned: 252, Passed: true},
	}
}

func TestReportJSON(t *testing.T) {
	for name, r := range map[string]Report{"report_microdata.json": microdataReport(), "report_aggregate.json": aggregateReport()} {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, append(b, '\n'))
		if bytes.Contains(b, []byte("null")) {
			t.Errorf("%s holds null", name)
		}
		var back Report
		if err := json.Unmarshal(b, &back); err != nil || back.ReportVersion != ReportVersion {
			t.Errorf("%s: round trip: %v, version %d", name, err, back.ReportVersion)
		}
	}
	// Marshalling fills in nothing of the caller's report.
	r := Report{Policy: PolicyReport{Generalised: []Hierarchy{{Attribute: "a"}}}}
	if _, err := json.Marshal(r); err != nil || r.Policy.Generalised[0].Levels != nil || r.ReportVersion != 0 {
		t.Errorf("MarshalJSON changed its report: %+v, %v", r, err)
	}
}

// Every JSON name is snake_case.
func TestReportFieldNames(t *testing.T) {
	b, _ := json.Marshal(microdataReport())
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k != strings.ToLower(k) || strings.ContainsAny(k, " -") {
					t.Errorf("field %q is not snake_case", k)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	walk(m)
}

func TestPlain(t *testing.T) {
	failed := aggregateReport()
	failed.Scan = ScanOutcome{ColumnsScanned: []string{"note"}, Findings: []Finding{
		{Dataset: "x", Column: "note", Row: 3, Kind: KindPhone},
		{Dataset: "x", Column: "note", Row: 9, Kind: KindPersonnummer},
	}}
	md, ag := microdataReport(), aggregateReport()
	reports := map[string]*Report{"microdata": &md, "aggregate": &ag, "failed": &failed}
	for name, r := range reports {
		for _, lang := range []string{"sv", "en"} {
			golden(t, "plain_"+name+"_"+lang+".txt", []byte(r.Plain(lang)+"\n"))
		}
	}
	sv, en := reports["microdata"].Plain("sv"), reports["microdata"].Plain("en")
	for _, want := range []string{"minst 6 personer", "13 av 1200 rader", "alder (10-årsklass)", "elev_id", "namn och adress"} {
		if !strings.Contains(sv, want) {
			t.Errorf("sv text lacks %q: %s", want, sv)
		}
	}
	if !strings.Contains(en, "at least 6 people") || sv == en {
		t.Errorf("en text: %s", en)
	}
	if reports["microdata"].Plain("de") != en {
		t.Error("an unknown language does not fall back to English")
	}
	agg := reports["aggregate"].Plain("sv")
	for _, want := range []string{"Antal mellan 1 och 4 visas inte", "dolda i 41 av tabellens 180 rader", "större grupper", "ε = 0,5"} {
		if !strings.Contains(agg, want) {
			t.Errorf("aggregate sv text lacks %q: %s", want, agg)
		}
	}
	if strings.Contains(agg, "k-anonym") || strings.Contains(agg, "pseudonym") {
		t.Errorf("aggregate text names steps that were not taken: %s", agg)
	}
	f := reports["failed"].Plain("en")
	if !strings.Contains(f, "phone numbers and personal identity numbers") || !strings.Contains(f, "must not be published") {
		t.Errorf("failed scan text: %s", f)
	}
	if slices.Contains(strings.Fields(f), "None") {
		t.Errorf("failed scan says none were found: %s", f)
	}
}

// TestPlainSmallCellsSpeaksOfRows: QA read "8 av 8 celler" for a version of
// one row. The numbers were those of the protected table (a group of three
// dimensions is 8 entries with its subtotals and grand total), not of what a
// citizen sees; the text now counts the published rows.
func TestPlainSmallCellsSpeaksOfRows(t *testing.T) {
	res, err := SuppressSmallCells([]Cell{cell(3, "1980-104", "2026-10-01", "fall")}, []string{"area_code", "month", "kind"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 8 || res.Primary != 8 {
		t.Fatalf("one group of three dimensions: %d entries, %d primary; want 8 and 8 (the QA numbers)", len(res.Entries), res.Primary)
	}
	var r Report
	r.Version = "1"
	r.RecordSuppression(res)
	r.Results.RecordsOut, r.Results.RowsHidden = 1, 1
	for lang, want := range map[string]string{"sv": "Siffrorna är dolda i 1 av tabellens 1 rad.", "en": "Figures are hidden in 1 of the table's 1 row."} {
		got := r.Plain(lang)
		if !strings.Contains(got, want) || strings.Contains(got, "8") {
			t.Errorf("%s: %q; want %q and no count of the protected table", lang, got, want)
		}
	}

	// Nothing hidden: said so, with the rows.
	r = Report{Version: "2", Policy: PolicyReport{SmallCellThreshold: 5}, Results: Results{RecordsOut: 12, CellsTotal: 39}}
	if got := r.Plain("sv"); !strings.Contains(got, "inga så små grupper: alla tabellens 12 rader visas") {
		t.Errorf("nothing hidden: %q", got)
	}
	// Hidden, none of them secondary: no sentence about larger groups.
	r.Results.RowsHidden, r.Results.CellsSuppressedPrimary = 3, 5
	if got := r.Plain("en"); !strings.Contains(got, "hidden in 3 of the table's 12 rows.") || strings.Contains(got, "larger groups") {
		t.Errorf("three hidden, no secondary: %q", got)
	}
	// A report stored before rows_hidden: no number it cannot back.
	r.Results.RowsHidden = 0
	if got := r.Plain("en"); strings.Contains(got, "rows") || !strings.Contains(got, "Counts from 1 to 4 are not shown") {
		t.Errorf("old report: %q", got)
	}
}

func TestRecord(t *testing.T) {
	res, err := SuppressSmallCells([]Cell{cell(3, "a"), cell(9, "b"), cell(12, "c")}, []string{"d"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	b := mustBudget(t, 1)
	if _, err := NewSeededNoise(b, 1).Counts("antal", []int64{1}, 1, 0.4); err != nil {
		t.Fatal(err)
	}
	var r Report
	r.RecordSuppression(res)
	r.RecordBudget(b)
	want := Results{CellsTotal: 4, CellsSuppressedPrimary: 1, CellsSuppressedSecondary: 1, EpsilonSpent: 0.4, EpsilonLedger: []Spend{{"antal", 0.4}}}
	if r.Policy.SmallCellThreshold != 5 || r.Policy.Epsilon != 1 || !reflect.DeepEqual(r.Results, want) {
		t.Errorf("report = %+v, %+v; want results %+v", r.Policy, r.Results, want)
	}
}
