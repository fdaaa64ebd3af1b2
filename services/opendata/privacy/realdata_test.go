package privacy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/internal/testenv"
)

// sharedData returns the team's data folder, ../shared/data from the
// repository root, skipping when it is absent (most of its files may not
// be copied into the repository).
func sharedData(t *testing.T) string {
	t.Helper()
	return testenv.SharedData(t, "")
}

// Real public data holds no personal identifiers, and the scanner must not
// invent any: dates, times, decimals, coordinates, postcodes, years and
// counts of SCB, SMHI, Skolverket and Västerås stad pass untouched.
func TestScannerPassesRealPublicData(t *testing.T) {
	data := sharedData(t)
	s, err := NewScanner(ScannerOptions{Dataset: "real"})
	if err != nil {
		t.Fatal(err)
	}
	files := []string{
		"scb_population/municipal_2019/SCB_alderkon.csv",
		"scb_population/county_vastmanland_etc/migration_data_per_region.csv",
		"smhi_weather/Snodjup_Handsjo.csv",
		"smhi_weather/Temperatur_minmax_Ytterhogdal.csv",
		"municipal_open_data/skolverket_grade9/Skolverket_gymnasiebehorighet2.csv",
		"municipal_open_data/helsingborg_school_food_waste/vramlosa_waste.csv",
		"municipal_open_data/vasteras_poi/vasteras_pkt.geojson",
		"municipal_open_data/vasteras_poi/vallokal.geojson",
	}
	total := 0
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(data, f))
		if err != nil {
			t.Fatal(err)
		}
		vals := values(t, f, b)
		total += len(vals)
		for _, v := range vals {
			if fd := s.Check("c", v); fd != nil {
				t.Errorf("%s: %q reported as %s", f, v, fd.Kind)
			}
		}
	}
	if total < 100000 {
		t.Errorf("scanned %d values, want the files' hundreds of thousands", total)
	}
	t.Logf("%d real values scanned", total)
}

// values splits a CSV file into its fields, or collects a JSON file's
// strings and numbers.
func values(t *testing.T, name string, b []byte) []string {
	var out []string
	if strings.HasSuffix(name, "json") {
		var walk func(any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for _, x := range v {
					walk(x)
				}
			case []any:
				for _, x := range v {
					walk(x)
				}
			case string:
				out = append(out, v)
			case float64:
				out = append(out, fmt.Sprint(v))
			}
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		walk(v)
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ';' || r == ',' || r == '\t' }) {
			out = append(out, strings.Trim(strings.TrimSpace(f), `"`))
		}
	}
	return out
}
