package e2e

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// writeConnector copies the demo's connector file name into dir, its drop
// folder pointed at drop.
func writeConnector(t *testing.T, dir, name, drop string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo(t), "demo", "connectors.d", name))
	if err != nil {
		t.Fatal(err)
	}
	b = regexp.MustCompile(`(?m)^(\s*)dir:.*$`).ReplaceAll(b, []byte("${1}dir: "+strconv.Quote(drop)))
	writeFile(t, filepath.Join(dir, name), b)
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, b)
}

// A CSV file dropped into a filedrop folder becomes a dataset version that
// the portal serves, with its privacy report: SCB's population by age of
// Västmanland (the demo's connector and dataset) as five-year bands, small
// cells suppressed.
func TestDroppedCSVBecomesADatasetVersionOnThePortal(t *testing.T) {
	t.Parallel()
	wd := t.TempDir()
	drop := filepath.Join(wd, "drop", "scb")
	writeConnector(t, filepath.Join(wd, "connectors"), "scb-population.yaml", drop)
	copyFile(t, filepath.Join(repo(t), "demo", "datasets.d", "population-by-age-band.yaml"), filepath.Join(wd, "datasets", "population-by-age-band.yaml"))
	env := map[string]string{
		"CIVICBUS_CONNECTORS_DIR": filepath.Join(wd, "connectors"),
		"CIVICBUS_DATASETS_DIR":   filepath.Join(wd, "datasets"),
		"CIVICBUS_RULES_DIR":      filepath.Join(wd, "no-rules"),
	}
	p := start(t, wd, env, append([]string{"run"}, freePorts...)...)
	base := p.base(t)
	c := client(t)

	csvFile, err := os.ReadFile(filepath.Join(repo(t), "demo", "data", "scb", "SCB_alderkon_vastmanland_2019.csv"))
	if err != nil {
		t.Fatal(err)
	}
	dropFile(t, drop, "SCB_alderkon_vastmanland_2019.csv", csvFile)
	dropped := time.Now()

	// Every row reached the dataset (2,020: each an event that changed it).
	const name = "population-by-age-band"
	waitFor(t, 90*time.Second, "the dropped rows in the dataset", func() bool {
		var list []struct {
			Name    string `json:"name"`
			Pending int64  `json:"pending_changes"`
		}
		if !getJSON(t, c, base+"/api/opendata/datasets", &list) {
			return false
		}
		for _, d := range list {
			if d.Name == name {
				return d.Pending == 2020
			}
		}
		t.Fatalf("no dataset %s in %+v", name, list)
		return false
	})
	t.Logf("2,020 rows from the drop folder in the dataset after %s", time.Since(dropped).Round(time.Millisecond))

	// Publish now rather than wait for the annual schedule (from loopback,
	// which the open-data service allows without a token).
	resp, err := c.Post(base+"/api/opendata/datasets/"+name+"/publish", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("publish: %d", resp.StatusCode)
	}

	// The portal harvests the version; its CSV is the dropped file grouped
	// into bands, with the cells under 5 persons suppressed.
	var got string
	waitFor(t, 60*time.Second, "the version's CSV on the portal", func() bool {
		code, body := get(c, base+"/datasets/"+name+"/latest.csv")
		got = body
		return code == http.StatusOK
	})
	t.Logf("the version downloadable from the portal %s after the drop", time.Since(dropped).Round(time.Millisecond))
	want := bands(t, csvFile)
	rows := readCSV(t, got)
	small, suppressed := 0, 0
	for _, v := range want {
		if v < 5 {
			small++
		}
	}
	smallCells := small
	seen := map[string]bool{}
	for _, r := range rows {
		k := r["area_code"] + "/" + r["age_band"] + "/" + r["sex"]
		seen[k] = true
		w, ok := want[k]
		switch {
		case !ok:
			t.Errorf("row %v is not in the dropped file", r)
		case r["year"] != "2019" || r["area_name"] == "":
			t.Errorf("row %v: year or area name wrong", r)
		case r["persons"] == "":
			suppressed++
			if w < 5 {
				small--
			}
		case r["persons"] != strconv.Itoa(w):
			t.Errorf("%s: %s persons, the dropped file sums to %d", k, r["persons"], w)
		case w < 5:
			t.Errorf("%s: a small cell (%d persons) was published", k, w)
		}
	}
	// A suppressed cell may also be left out of the file altogether.
	for k, w := range want {
		if !seen[k] && w < 5 {
			small--
		} else if !seen[k] {
			t.Errorf("%s (%d persons) is missing from the version", k, w)
		}
	}
	if small != 0 {
		t.Errorf("%d small cells neither suppressed nor left out", small)
	}

	// The privacy report says what was done: the policy's threshold, and at
	// least the dropped file's small cells suppressed as small (its count
	// includes the table's margins).
	var report struct {
		Policy struct {
			Threshold int `json:"small_cell_threshold"`
		} `json:"policy"`
		Results struct {
			Primary   int `json:"cells_suppressed_primary"`
			Secondary int `json:"cells_suppressed_secondary"`
		} `json:"results"`
	}
	if !getJSON(t, c, base+"/datasets/"+name+"/versions/1/privacy-report.json", &report) {
		code, body := get(c, base+"/datasets/"+name+"/versions/1/privacy-report.json")
		t.Fatalf("privacy report: %d %s", code, body)
	}
	if report.Policy.Threshold != 5 || report.Results.Primary < max(smallCells, 1) {
		t.Errorf("privacy report: threshold %d, %d cells suppressed as small; want 5 and at least %d", report.Policy.Threshold, report.Results.Primary, smallCells)
	}
	t.Logf("%d rows published, %d of them suppressed; the dropped file has %d small cells; report: %d primary, %d secondary suppressions",
		len(rows), suppressed, smallCells, report.Results.Primary, report.Results.Secondary)
}

// bands sums SCB's file (region,ålder,kön,X2019) into the dataset's cells:
// area code / five-year band (95+) / sex.
func bands(t *testing.T, file []byte) map[string]int {
	t.Helper()
	codes := map[string]string{"Skinnskatteberg": "1904", "Surahammar": "1907", "Kungsör": "1960",
		"Hallstahammar": "1961", "Norberg": "1962", "Västerås": "1980", "Sala": "1981", "Fagersta": "1982",
		"Köping": "1983", "Arboga": "1984"}
	sexes := map[string]string{"män": "male", "kvinnor": "female"}
	out := map[string]int{}
	for _, r := range readCSV(t, string(file)) {
		age, err1 := strconv.Atoi(r["ålder"])
		n, err2 := strconv.Atoi(r["X2019"])
		if err1 != nil || err2 != nil || codes[r["region"]] == "" {
			t.Fatalf("dropped row %v", r)
		}
		band := fmt.Sprintf("%d-%d", age/5*5, age/5*5+4)
		if age >= 95 {
			band = "95+"
		}
		out[codes[r["region"]]+"/"+band+"/"+sexes[r["kön"]]] += n
	}
	return out
}

// readCSV reads a CSV with a header into one map per row.
func readCSV(t *testing.T, s string) []map[string]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix([]byte(s), []byte("\ufeff")))).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("CSV: %v\n%.500s", err, s)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}
