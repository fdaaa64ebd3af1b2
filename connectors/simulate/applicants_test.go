package simulate

import (
	"strings"
	"testing"
	"time"
)

// resumable checks, for a scenario whose records are not in every window
// of the shared tests, that cfg gives the same records twice, another seed
// others, and that seeking to a record's position reads exactly the rest.
func resumable(t *testing.T, cfg Config, least int) {
	t.Helper()
	all := readAll(t, newTestSource(t, cfg))
	if len(all) < least {
		t.Fatalf("%d records, want at least %d", len(all), least)
	}
	if i := same(all, readAll(t, newTestSource(t, cfg))); i >= 0 {
		t.Fatalf("two runs differ at record %d", i)
	}
	other := cfg
	other.Seed++
	if i := same(all, readAll(t, newTestSource(t, other))); i != 0 {
		t.Errorf("seeds %d and %d: the first difference is at record %d, want 0", cfg.Seed, other.Seed, i)
	}
	keys := map[string]bool{}
	for _, r := range all {
		if keys[r.Key] || r.Fields["_simulated"] != true || r.Fields["_scenario"] != cfg.Scenario {
			t.Fatalf("record %s repeats its key or is not labelled", r.Key)
		}
		keys[r.Key] = true
	}
	for _, i := range []int{0, len(all) / 2, len(all) - 2} {
		s := newTestSource(t, cfg)
		if err := s.Seek(all[i].Position); err != nil {
			t.Fatal(err)
		}
		if j := same(all[i+1:], readAll(t, s)); j >= 0 {
			t.Fatalf("after seeking to record %d the records differ at %d", i, j)
		}
	}
}

// TestApplicantsComplete: most applications carry what the completeness
// rule reads (guardian's personnummer and e-mail, hours a week, preferred
// units), a few leave out the e-mail or the hours; the guardian's number
// is never Luhn-valid and the e-mail is at example.invalid.
func TestApplicantsComplete(t *testing.T) {
	recs := year(t, "preschool-applications")
	incomplete := 0
	for _, r := range recs {
		f := r.Fields
		g, _ := f["guardian_personnummer"].(string)
		digits := strings.ReplaceAll(g, "-", "")
		if !pnrPattern.MatchString(g) || len(digits) != 12 || luhnDigit(digits[2:11]) == int(digits[11]-'0') {
			t.Fatalf("application %s: guardian's number %q malformed or Luhn-valid", r.Key, g)
		}
		if g[:8] >= f["child_personnummer"].(string)[:8] {
			t.Fatalf("application %s: the guardian is born after the child", r.Key)
		}
		email, hasEmail := f["guardian_email"].(string)
		_, hasHours := f["hours_per_week"]
		if hasEmail && !strings.HasSuffix(email, "@example.invalid") {
			t.Fatalf("application %s: e-mail %q", r.Key, email)
		}
		if !hasEmail || !hasHours {
			incomplete++
		}
	}
	share := float64(incomplete) / float64(len(recs))
	t.Logf("%d of %d applications incomplete (%.1f %%)", incomplete, len(recs), share*100)
	if share < 0.02 || share > 0.08 {
		t.Errorf("%.1f %% incomplete, want a realistic few (about 4.5 %%)", share*100)
	}
}

// TestRegisterKnowsApplicants: every application of a year has its
// child's register notice, 30 days before it, with the child's birth date
// and a move-in date between birth and the notice; about 3 % of the new
// children are registered elsewhere, none of the transfers.
func TestRegisterKnowsApplicants(t *testing.T) {
	apps := year(t, "preschool-applications")
	notices := readAll(t, newTestSource(t, Config{Scenario: "population-register", Seed: 1980, Start: "2023-12-02", End: "2024-12-01"}))
	if len(notices) != len(apps) {
		t.Fatalf("%d notices for %d applications", len(notices), len(apps))
	}
	byID := map[string]map[string]any{}
	for _, n := range notices {
		byID[n.Fields["register_event_id"].(string)] = n.Fields
	}
	outside, movedIn := 0, 0
	for _, a := range apps {
		f := a.Fields
		n := byID["sim-navet-"+f["application_id"].(string)]
		if n == nil || n["personnummer"] != f["child_personnummer"] {
			t.Fatalf("application %s: no register notice of its child", a.Key)
		}
		sub := parseAt(t, f["submitted_at"])
		birth, moved := n["birth_date"].(string), n["moved_in_on"].(string)
		if birth != f["child_personnummer"].(string)[:4]+"-"+f["child_personnummer"].(string)[4:6]+"-"+f["child_personnummer"].(string)[6:8] {
			t.Fatalf("application %s: birth date %s", a.Key, birth)
		}
		if moved < birth || moved > addDays(dayOf(sub), -registerLead).Format(time.DateOnly) {
			t.Fatalf("application %s: moved in on %s, born %s, submitted %v", a.Key, moved, birth, sub)
		}
		if moved != birth {
			movedIn++
		}
		if n["municipality_code"] != "1980" {
			outside++
			if f["kind"] == "transfer" {
				t.Fatalf("application %s: a transfer of a child registered in %v", a.Key, n["municipality_code"])
			}
		} else if n["area_code"] != f["area_code"] {
			t.Fatalf("application %s: home %v, registered in %v", a.Key, f["area_code"], n["area_code"])
		}
	}
	t.Logf("%d applications: %d children registered elsewhere, %d moved in after birth", len(apps), outside, movedIn)
	if outside == 0 || float64(outside) > 0.06*float64(len(apps)) {
		t.Errorf("%d children registered elsewhere, want a few (about 2.5 %%)", outside)
	}
	if movedIn < len(apps)/10 || movedIn > len(apps)/3 {
		t.Errorf("%d of %d children moved in after birth, want about a fifth", movedIn, len(apps))
	}
}

// TestSchoolUnits: the 80 preschools the applications name, each with its
// district and places (about 8,500 in all), on 1 January; deterministic
// and resumable.
func TestSchoolUnits(t *testing.T) {
	recs := year(t, "school-units")
	if len(recs) != preschools {
		t.Fatalf("%d unit descriptions in 2024, want %d (on 1 January)", len(recs), preschools)
	}
	total := 0
	for _, u := range spread("sim-fsk", preschools) {
		var f map[string]any
		for _, r := range recs {
			if r.Fields["unit_id"] == u.id {
				f = r.Fields
			}
		}
		if f == nil {
			t.Fatalf("no description of %s", u.id)
		}
		c := f["capacity"].(int)
		if c < 36 || c > 204 || c%6 != 0 || f["area_code"] != districts[u.district].areaCode() || !strings.HasPrefix(f["name"].(string), "Simulerad förskola ") {
			t.Fatalf("unit %s: %v", u.id, f)
		}
		total += c
	}
	t.Logf("%d preschools, %d places", len(recs), total)
	if total < 7000 || total > 9500 {
		t.Errorf("%d places in all, want about 8,500", total)
	}
	resumable(t, Config{Scenario: "school-units", Seed: 4, Start: "2024-01-01", End: "2025-01-01", BatchSize: 7}, 2*preschools)
}

// TestSnowReports: reports only on snowy winter days, snow or ice, mostly
// from the demo's snow areas, anonymous; deterministic and resumable.
func TestSnowReports(t *testing.T) {
	recs := year(t, "snow-reports")
	days := map[string]int{}
	demoAreas := 0
	for _, r := range recs {
		f := r.Fields
		at := parseAt(t, f["reported_at"])
		if m := at.Month(); m > time.March && m < time.November {
			t.Fatalf("report %s in %v", r.Key, m)
		}
		if f["category"] != "snow" && f["category"] != "ice" {
			t.Fatalf("report %s: category %v", r.Key, f["category"])
		}
		if _, ok := f["contact"]; ok {
			t.Fatalf("report %s has a contact", r.Key)
		}
		if a := f["area_code"]; a == "1980-422" || a == "1980-415" {
			demoAreas++
		}
		days[at.Format(time.DateOnly)]++
	}
	t.Logf("%d snow reports on %d snowy days, %d in the demo's snow areas", len(recs), len(days), demoAreas)
	if len(days) < 20 || len(days) > 80 || len(recs) < 10*len(days)/2 {
		t.Errorf("%d reports on %d days, want 20–80 snowy days of about 12 reports", len(recs), len(days))
	}
	if 10*demoAreas < 7*len(recs) {
		t.Errorf("%d of %d reports in the demo's snow areas, want about 80 %%", demoAreas, len(recs))
	}
	resumable(t, Config{Scenario: "snow-reports", Seed: 5, Start: "2024-01-01", End: "2024-02-29", BatchSize: 9}, 50)
}
