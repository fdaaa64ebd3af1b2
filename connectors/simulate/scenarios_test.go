package simulate

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/internal/calendar"
)

func year(t *testing.T, scenario string) []connectors.Record {
	return readAll(t, newTestSource(t, Config{Scenario: scenario, Seed: 1980, Start: "2024-01-01", End: "2024-12-31"}))
}

func parseAt(t *testing.T, v any) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, v.(string))
	if err != nil {
		t.Fatal(err)
	}
	return at.In(Stockholm)
}

var pnrPattern = regexp.MustCompile(`^(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-[0-9]{4}$`)

// TestApplicationsYear: a year's volume, the spring peak, valid but never
// Luhn-valid personnummer, 1–5 distinct preferred units.
func TestApplicationsYear(t *testing.T) {
	recs := year(t, "preschool-applications")
	if n := len(recs); n < 1900 || n > 2500 {
		t.Errorf("%d applications in 2024, want about 2,200", n)
	}
	units := map[string]bool{}
	for _, u := range spread("sim-fsk", preschools) {
		units[u.id] = true
	}
	var perMonth [12]int
	transfers := 0
	for _, r := range recs {
		f := r.Fields
		sub := parseAt(t, f["submitted_at"])
		perMonth[sub.Month()-1]++
		pnr := f["child_personnummer"].(string)
		digits := strings.ReplaceAll(pnr, "-", "")[2:]
		if !pnrPattern.MatchString(pnr) || luhnDigit(digits[:9]) == int(digits[9]-'0') {
			t.Fatalf("application %s: a child's number that is malformed or passes the Luhn test", r.Key)
		}
		prefs := f["preferred_unit_ids"].([]string)
		seen := map[string]bool{}
		for _, p := range prefs {
			if !units[p] || seen[p] {
				t.Fatalf("application %s: preferred %v", r.Key, prefs)
			}
			seen[p] = true
		}
		if len(prefs) < 1 || len(prefs) > 5 {
			t.Fatalf("application %s: %d preferred units", r.Key, len(prefs))
		}
		if d, _ := time.ParseInLocation(time.DateOnly, f["desired_start_date"].(string), Stockholm); !d.After(sub) {
			t.Fatalf("application %s: desired start %v not after submission %v", r.Key, d, sub)
		}
		if f["kind"] == "transfer" {
			transfers++
		}
	}
	spring := float64(perMonth[2]+perMonth[3]+perMonth[4]) / 3
	rest := float64(len(recs)-perMonth[2]-perMonth[3]-perMonth[4]) / 9
	t.Logf("%d applications, by month %v, %d transfers", len(recs), perMonth, transfers)
	if spring < 1.4*rest {
		t.Errorf("March–May %.0f a month, the other months %.0f: no spring peak (%v)", spring, rest, perMonth)
	}
	if share := float64(transfers) / float64(len(recs)); share < 0.12 || share > 0.25 {
		t.Errorf("transfers are %.0f %% of applications, want about 18 %%", share*100)
	}
}

// TestCasesFollowApplications: every case opened in the period is about an
// application of the same seed, closes once after it opened, and people's
// steps fall in office hours.
func TestCasesFollowApplications(t *testing.T) {
	apps := map[string]bool{}
	for _, r := range year(t, "preschool-applications") {
		apps[r.Key] = true
	}
	opened := map[string]time.Time{}
	for _, r := range year(t, "case-opened") {
		ref := strings.TrimPrefix(r.Fields["subject_ref"].(string), "school.preschool-application/")
		if !apps[ref] {
			t.Fatalf("case %s is about no simulated application", r.Key)
		}
		opened[r.Key] = parseAt(t, r.Fields["opened_at"])
	}
	if len(opened) != len(apps) {
		t.Errorf("%d cases opened for %d applications", len(opened), len(apps))
	}
	for _, r := range year(t, "case-step-completed") {
		f := r.Fields
		at := parseAt(t, f["completed_at"])
		by := f["completed_by"].(map[string]any)
		if by["kind"] == "person" && (!calendar.Workday(at) || at.Hour() < 8 || at.Hour()*60+at.Minute() >= 16*60+30) {
			t.Fatalf("step %s by a person at %v, outside office hours", r.Key, at)
		}
		if (f["automated"] == true) != (f["decision_id"] != nil) {
			t.Fatalf("step %s: automated %v, decision_id %v", r.Key, f["automated"], f["decision_id"])
		}
	}
	closed, granted := 0, 0
	for _, r := range year(t, "case-closed") {
		o, ok := opened[r.Key]
		if !ok {
			continue // opened in 2023
		}
		if !parseAt(t, r.Fields["closed_at"]).After(o) {
			t.Fatalf("case %s closed before it opened", r.Key)
		}
		closed++
		if r.Fields["resolution"] == "granted" {
			granted++
		}
	}
	t.Logf("%d cases opened, %d of them closed in the year, %d granted", len(opened), closed, granted)
	if share := float64(granted) / float64(closed); closed < len(opened)/2 || share < 0.85 || share > 0.97 {
		t.Errorf("%d of %d cases of 2024 closed in 2024, %.0f %% granted (want about 90 %%)", closed, len(opened), share*100)
	}
}

// TestPurchasesCalendar: deliveries only on school days (never on a
// weekend, a holiday or in July), ordered two workdays ahead in office
// hours.
func TestPurchasesCalendar(t *testing.T) {
	recs := year(t, "meal-purchases")
	if n := len(recs); n < 40000 || n > 80000 {
		t.Errorf("%d order lines in 2024 from 60 kitchens", n)
	}
	t.Logf("%d order lines", len(recs))
	kitchens := map[string]bool{}
	for _, r := range recs {
		f := r.Fields
		d, err := time.ParseInLocation(time.DateOnly, f["delivery_date"].(string), Stockholm)
		if err != nil {
			t.Fatal(err)
		}
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || calendar.Holiday(d) || d.Month() == time.July {
			t.Fatalf("a delivery on %s (%s)", d.Format(time.DateOnly), d.Weekday())
		}
		at := parseAt(t, f["ordered_at"])
		if !calendar.Workday(at) || !orderDay(d).Equal(dayOf(at)) || at.Hour() < 8 || at.Hour() >= 14 {
			t.Fatalf("order %s placed %v for %s", r.Key, at, d.Format(time.DateOnly))
		}
		if f["quantity"].(float64) <= 0 || f["amount_sek"].(float64) <= 0 {
			t.Fatalf("line %s: quantity or amount not positive", r.Key)
		}
		kitchens[f["kitchen_id"].(string)] = true
	}
	if len(kitchens) != schoolKitchens {
		t.Errorf("%d kitchens ordered, want %d", len(kitchens), schoolKitchens)
	}
}

func TestCalendar(t *testing.T) {
	day := func(s string) time.Time { d, _ := parseDay(s); return d }
	for _, tc := range []struct {
		date            string
		holiday, school bool
	}{
		{"2024-03-29", true, false},  // Good Friday
		{"2024-04-02", false, false}, // Easter break
		{"2024-04-08", false, true},
		{"2024-05-09", true, false},  // Ascension Day
		{"2024-05-10", false, false}, // klämdag
		{"2024-06-14", false, true},  // the last day of spring term
		{"2024-06-17", false, false}, // summer break
		{"2024-06-21", true, false},  // midsummer eve
		{"2024-08-16", false, false},
		{"2024-08-19", false, true},  // autumn term
		{"2024-10-30", false, false}, // autumn break, week 44
		{"2025-02-26", false, false}, // sports break, week 9
		{"2025-04-18", true, false},  // Good Friday 2025
	} {
		d := day(tc.date)
		if calendar.Holiday(d) != tc.holiday || schoolDay(d) != tc.school {
			t.Errorf("%s: holiday %v school day %v, want %v %v", tc.date, calendar.Holiday(d), schoolDay(d), tc.holiday, tc.school)
		}
	}
}

// TestLuhn: Skatteverket's example 811218-9876 has check digit 6.
func TestLuhn(t *testing.T) {
	if got := luhnDigit("811218987"); got != 6 {
		t.Errorf("luhnDigit = %d, want 6", got)
	}
}

// TestPortionsYear: one lunch report per kitchen and school day (about 178
// school days, as a Swedish school year has), from the purchases' kitchens,
// special diets a few percent of the lunches.
func TestPortionsYear(t *testing.T) {
	recs := year(t, "meal-portions")
	days := map[string]int{}
	kitchens := map[string]bool{}
	for _, r := range recs {
		f := r.Fields
		days[f["date"].(string)]++
		kitchens[f["kitchen_id"].(string)] = true
		lunches, special := f["portions"].(int64), f["special_diet_portions"].(int64)
		if lunches < 90 || lunches > 1100 || special > lunches/10 || special < lunches/25 {
			t.Fatalf("%s: %d lunches, %d special diets", r.Key, lunches, special)
		}
	}
	t.Logf("%d lunch reports on %d school days", len(recs), len(days))
	if len(days) < 170 || len(days) > 185 {
		t.Errorf("%d school days in 2024, want about 178", len(days))
	}
	for d, n := range days {
		if n != schoolKitchens {
			t.Fatalf("%s: %d reports from %d kitchens", d, n, schoolKitchens)
		}
	}
	for _, k := range kitchensOf(params{seed: 1980, volume: 1}) {
		if !kitchens[k.id] {
			t.Errorf("kitchen %s of the purchases reports no lunches", k.id)
		}
	}
}

// TestDaylightSaving: on the days the clocks change, every application is
// still submitted on its own day.
func TestDaylightSaving(t *testing.T) {
	for _, d := range []string{"2024-03-31", "2024-10-27"} {
		recs := readAll(t, newTestSource(t, Config{Scenario: "preschool-applications", Seed: 5, Volume: 20, Start: d, End: d}))
		for _, r := range recs {
			if got := parseAt(t, r.Fields["submitted_at"]).Format(time.DateOnly); got != d {
				t.Fatalf("an application of %s submitted on %s", d, got)
			}
		}
	}
}
