package privacy

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		value string
		want  Kind
	}{
		// personnummer, every written form
		{"811218-9876", KindPersonnummer},
		{"811218+9876", KindPersonnummer},
		{"8112189876", KindPersonnummer},
		{"198112189876", KindPersonnummer},
		{"19811218-9876", KindPersonnummer},
		{"121212-1212", KindPersonnummer},
		{"811218 9876", KindPersonnummer},
		{"19811218 9876", KindPersonnummer},
		{"811218 9877", ""},
		{"20000229-1239", ""}, // leap day, Luhn fails
		{"pnr: 811218-9876, inskriven 2024", KindPersonnummer},
		{"Eleven (811218-9876) har flyttat", KindPersonnummer},
		// samordningsnummer: day + 60
		{"640883-9873", KindSamordningsnummer},
		{"196408839873", KindSamordningsnummer},
		// fails Luhn, or not a date
		{"811218-9877", ""},
		{"811318-9876", ""},
		{"811232-9875", ""},
		{"1234567890", ""},
		{"18112189876", ""}, // 11 digits
		{"9811218-9876", ""},
		{"811218-98761", ""},
		// organisationsnummer
		{"212000-2080", KindOrganisationsnummer},
		{"2120002080", KindOrganisationsnummer},
		{"16212000-2080", KindOrganisationsnummer},
		{"162120002080", KindOrganisationsnummer},
		{"556036-0793", KindOrganisationsnummer},
		{"212000-2081", ""},
		{"012000-2080", ""},
		// e-mail
		{"anna.andersson@vasteras.se", KindEmail},
		{"skriv till åsa@skola.vasteras.se idag", KindEmail},
		{"@vasteras", ""},
		{"a@b", ""},
		// Swedish phone numbers
		{"070-123 45 67", KindPhone},
		{"ring 070-123 45 67", KindPhone},
		{"0701234567", ""}, // Luhn fails and it is not a phone? see below
		{"070-1234567", KindPhone},
		{"070 123 45 67", KindPhone},
		{"08-123 456 78", KindPhone},
		{"08-123 45 67", KindPhone},
		{"021-12 34 56", KindPhone},
		{"021-39 00 00", KindPhone},
		{"(021) 12 34 56", KindPhone},
		{"021/12 34 56", KindPhone},
		{"0771-12 34 56", KindPhone},
		{"+46 70 123 45 67", KindPhone},
		{"+46701234567", KindPhone},
		{"+46 (0)21-12 34 56", KindPhone},
		{"+46 21 12 34 56", KindPhone},
		{"0046 70 123 45 67", KindPhone},
		{"+1 212 555 0100", KindPhone},
		{"+44 20 7946 0958", KindPhone},
		// not phone numbers: dates, timestamps, decimals, postcodes, years
		{"2024-01-15", ""},
		{"2024-01-15T10:00:00+01:00", ""},
		{"2024-01-15 08:30", ""},
		{"15/01/2024", ""},
		{"08-12-2024", ""},
		{"01-12-2024", ""},
		{"0.123456789", ""},
		{"0,123456789", ""},
		{"3.14159265358979", ""},
		{"722 14", ""},
		{"722 14 Västerås", ""},
		{"2024", ""},
		{"1999 2000 2001 2002", ""},
		{"+5", ""},
		{"+12.5", ""},
		{"08:30", ""},
		{"0,5 kg", ""},
		{"1 234 567 kr", ""},
		{"59.6099, 16.5448", ""},
		{"v. 2024-W03", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if tt.value == "0701234567" {
			// One group of ten digits starting 07 is a mobile number;
			// it is a personnummer only when it also passes Luhn.
			tt.want = KindPhone
		}
		if got := detect(tt.value); got != tt.want {
			t.Errorf("detect(%q) = %q, want %q", tt.value, got, tt.want)
		}
	}
}

// A ten-digit mobile number that happens to pass Luhn and be a date is in
// doubt, and doubt is a personnummer.
func TestDetectDoubtIsPersonnummer(t *testing.T) {
	if got := detect("0701234569"); got != KindPersonnummer {
		t.Fatalf("detect(0701234569) = %q, want personnummer (valid Luhn and date)", got)
	}
}

func TestLuhnAndDate(t *testing.T) {
	for _, d := range []string{"8112189876", "2120002080", "5560360793", "1212121212"} {
		if !luhn(d) {
			t.Errorf("luhn(%s) = false", d)
		}
	}
	if luhn("8112189875") {
		t.Error("luhn(8112189875) = true")
	}
	if !validDate(2000, 2, 29) || validDate(1900, 2, 29) || validDate(2023, 2, 29) || validDate(2023, 4, 31) {
		t.Error("validDate is wrong about leap years or month lengths")
	}
	// 000229 is a date in 2000, so in doubt
	if personnummer("0002290002", false) == "" && luhn("0002290002") {
		t.Error("000229 should be a date")
	}
}

func TestCheckAllowAndDirect(t *testing.T) {
	s, err := NewScanner(ScannerOptions{
		Dataset:           "forskolor",
		DirectIdentifiers: []string{"name"},
		Allow:             map[string][]Kind{"phone": {KindPhone}, "email": {KindEmail}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		column, value string
		want          Kind
	}{
		{"name", "Anna", KindDirectIdentifier},
		{"name", "-", KindDirectIdentifier},
		{"name", "  ", ""},
		{"phone", "021-39 00 00", ""},
		{"phone", "811218-9876", KindPersonnummer},
		{"email", "forskola@vasteras.se", ""},
		{"email", "021-39 00 00", KindPhone},
		{"note", "021-39 00 00", KindPhone},
		{"note", "Öppet 06:30–18:00", ""},
		{"phone", "021-39 00 00, anna.andersson@example.se", KindEmail},
		{"phone", "0701234569", KindPersonnummer},
		{"phone", "070-123 45 69", ""},
	}
	for _, tt := range tests {
		f := s.Check(tt.column, tt.value)
		var got Kind
		if f != nil {
			got = f.Kind
			if f.Dataset != "forskolor" || f.Column != tt.column || f.Row != -1 {
				t.Errorf("Check(%q, %q) = %+v: wrong dataset, column or row", tt.column, tt.value, f)
			}
		}
		if got != tt.want {
			t.Errorf("Check(%q, %q) = %q, want %q", tt.column, tt.value, got, tt.want)
		}
	}
}

func TestNewScannerRefusesAllowingPersonnummer(t *testing.T) {
	for _, k := range []Kind{KindPersonnummer, KindSamordningsnummer, KindDirectIdentifier, "whatever"} {
		_, err := NewScanner(ScannerOptions{Allow: map[string][]Kind{"c": {k}}})
		if err == nil || !strings.Contains(err.Error(), `"c"`) {
			t.Errorf("allowing %q: err = %v, want an error naming the column", k, err)
		}
	}
}

var digitRun = regexp.MustCompile(`\d{6,}`)

// assertNoValue fails when msg holds value, or any run of six or more of
// its digits.
func assertNoValue(t *testing.T, msg, value string) {
	t.Helper()
	if strings.Contains(msg, value) {
		t.Errorf("message %q contains the value %q", msg, value)
	}
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, value)
	for i := 0; i+6 <= len(digits); i++ {
		if strings.Contains(msg, digits[i:i+6]) {
			t.Errorf("message %q contains digits %q of the value", msg, digits[i:i+6])
		}
	}
	for _, run := range digitRun.FindAllString(value, -1) {
		for i := 0; i+6 <= len(run); i++ {
			if strings.Contains(msg, run[i:i+6]) {
				t.Errorf("message %q contains %q of the value", msg, run[i:i+6])
			}
		}
	}
}

func TestFindingNeverHoldsTheValue(t *testing.T) {
	s, err := NewScanner(ScannerOptions{Dataset: "elever", DirectIdentifiers: []string{"namn"}})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]string{
		"pnr":   "19811218-9876",
		"samnr": "640883-9873",
		"org":   "556036-0793",
		"epost": "anna.andersson@example.se",
		"tel":   "ring 070-123 45 67",
		"intl":  "+46 21 12 34 56",
		"namn":  "Anna Andersson 811218",
	}
	cols := slices.Sorted(func(yield func(string) bool) {
		for c := range values {
			if !yield(c) {
				return
			}
		}
	})
	row := make([]string, len(cols))
	for i, c := range cols {
		row[i] = values[c]
	}
	out, err := s.ScanRows(cols, slices.Values([][]string{row}))
	if err == nil || out.Passed {
		t.Fatal("scan passed a row full of identifiers")
	}
	if len(out.Findings) != len(cols) {
		t.Errorf("findings = %+v, want one per column", out.Findings)
	}
	msg := err.Error()
	for c, v := range values {
		assertNoValue(t, msg, v)
		if !strings.Contains(msg, `column "`+c+`"`) {
			t.Errorf("error %q does not name column %q", msg, c)
		}
	}
	for _, f := range out.Findings {
		assertNoValue(t, f.Error(), values[f.Column])
		var target *Finding
		if !errors.As(err, &target) {
			t.Error("the joined error holds no *Finding")
		}
	}
}

func TestTableScan(t *testing.T) {
	s, err := NewScanner(ScannerOptions{Dataset: "matsvinn"})
	if err != nil {
		t.Fatal(err)
	}
	tab := s.Table([]string{"skola", "datum", "kg"})
	rows := [][]string{
		{"Skiljeboskolan", "2024-01-15", "12.5"},
		{"Kvarnbackaskolan", "2024-01-15", "8,25"},
		{"Hamreskolan", "2024-01-16", "7"},
		{"Hamreskolan", "kontakt 021-39 00 00", "7"},
		{"Hamreskolan", "2024-01-17", "7", "extra"},
		{"Hamreskolan", "2024-01-18", "021-39 00 01"},
	}
	var firsts []*Finding
	for _, r := range rows {
		firsts = append(firsts, tab.Row(r))
	}
	for i := 0; i < 3; i++ {
		if firsts[i] != nil {
			t.Errorf("row %d: unexpected finding %v", i, firsts[i])
		}
	}
	want := []Finding{
		{Dataset: "matsvinn", Column: "datum", Row: 3, Kind: KindPhone},
		{Dataset: "matsvinn", Column: "#3", Row: 4, Kind: KindDirectIdentifier},
		{Dataset: "matsvinn", Column: "kg", Row: 5, Kind: KindPhone},
	}
	out := tab.Outcome()
	if !slices.Equal(out.Findings, want) {
		t.Errorf("findings = %+v, want %+v", out.Findings, want)
	}
	if out.Passed || out.RowsScanned != len(rows) || !slices.Equal(out.ColumnsScanned, []string{"skola", "datum", "kg"}) {
		t.Errorf("outcome = %+v", out)
	}
	// A second finding of the same kind in the same column is not repeated.
	tab.Row([]string{"x", "ring 070-123 45 67", "1"})
	if n := len(tab.Outcome().Findings); n != 3 {
		t.Errorf("findings after a repeat = %d, want 3", n)
	}
}

func TestScanPasses(t *testing.T) {
	s, _ := NewScanner(ScannerOptions{Dataset: "snodjup"})
	out, err := s.ScanRows([]string{"station", "datum", "cm"}, slices.Values([][]string{
		{"Västerås", "2024-01-15", "12"},
		{"Västerås", "2024-01-16", "0.5"},
	}))
	if err != nil || !out.Passed || out.RowsScanned != 2 {
		t.Fatalf("ScanRows = %+v, %v; want passed", out, err)
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"811218-9876", "ring 070-123 45 67", "+46 (0)21-12 34 56", "2024-01-15T10:00:00+01:00",
		"a@b.se", "16212000-2080", "0046 70", "+", "(0", "0-"} {
		f.Add(s)
	}
	s, _ := NewScanner(ScannerOptions{Dataset: "fuzz"})
	f.Fuzz(func(t *testing.T, v string) {
		k := detect(v)
		if fd := s.Check("c", v); (fd != nil) != (k != "") {
			t.Fatalf("Check and detect disagree on %q", v)
		} else if fd != nil {
			for _, run := range digitRun.FindAllString(v, -1) {
				if strings.Contains(fd.Error(), run) {
					t.Fatalf("error %q holds digits of the value", fd.Error())
				}
			}
		}
		// Text around an identity number never hides it.
		if k == KindPersonnummer {
			if got := detect("x " + v + " y"); got != KindPersonnummer {
				t.Fatalf("detect(%q) = %q inside text, %q alone", v, got, k)
			}
		}
	})
}

// Known limits, stated in the package doc: a test fails when they change.
func TestDetectKnownLimits(t *testing.T) {
	// A compact timestamp with a valid date and check digit is in doubt.
	if got := detect("202401151030"); got != "" {
		t.Errorf("detect(202401151030) = %q", got)
	}
	if got := detect("202401151036"); got != KindPersonnummer {
		t.Errorf("detect(202401151036) = %q, want personnummer (date and Luhn valid)", got)
	}
	// Digits after a decimal point are a decimal.
	if got := detect("1.8112189876"); got != "" {
		t.Errorf("detect(1.8112189876) = %q, want nothing", got)
	}
}
