package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/services/automation/rules"
)

// The exact outcomes of the demo's preschool rules on the simulated
// applications of 2024 (seed 1980) with the simulated register: the
// figures demo/README.md gives and the e2e demo test expects.
const (
	wantApplications        = 2214
	wantCompletenessRefered = 108 // guardian's e-mail or hours left out
	wantResidencyReferred   = 52  // registered in a neighbouring municipality
)

// TestSimulatedSourcesMeetTheRules: the demo's rules (demo/rules.d), run on
// the simulated applications as the connectors publish them, with the
// population-register projection made from the simulated register notices,
// complete most completeness, residency and age steps and refer a realistic
// few; every preferred preschool is a simulated unit with places; the
// snow reports are snow or ice in the demo's areas.
func TestSimulatedSourcesMeetTheRules(t *testing.T) {
	apps := simulated(t, "sim-preschool-applications.yaml")
	register := rules.MapLookups{"population-register": {}}
	for _, n := range simulated(t, "sim-population-register.yaml") {
		if luhnValid(n["personnummer"].(string)) || !strings.HasPrefix(n["register_event_id"].(string), "sim-navet-") {
			t.Fatalf("register notice %v: Luhn-valid or not labelled", n["register_event_id"])
		}
		register["population-register"][n["personnummer"].(string)] = n
	}
	engine, err := rules.Load("rules.d")
	if err != nil {
		t.Fatal(err)
	}
	engine = engine.WithLookups(register, time.Second)
	outcomes := map[string]map[string]int{} // step, then outcome/result
	for _, a := range apps {
		if g, ok := a["guardian_personnummer"].(string); ok && luhnValid(g) {
			t.Fatalf("application %v: a Luhn-valid guardian's number", a["application_id"])
		}
		ds, err := engine.Evaluate(context.Background(), "school.preschool-application.v1", "evt-"+a["application_id"].(string), a, time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if outcomes[d.StepID] == nil {
				outcomes[d.StepID] = map[string]int{}
			}
			outcomes[d.StepID][string(d.Outcome)]++
			outcomes[d.StepID][string(d.Outcome)+"/"+d.Result]++
		}
	}
	t.Logf("%d applications: %v", len(apps), outcomes)
	if len(apps) != wantApplications {
		t.Fatalf("%d applications, want %d", len(apps), wantApplications)
	}
	for step, referred := range map[string]int{"completeness-check": wantCompletenessRefered, "residency-check": wantResidencyReferred} {
		if o := outcomes[step]; o["referred"] != referred || o["completed"] != len(apps)-referred {
			t.Errorf("%s: %v, want %d referred and the rest completed", step, o, referred)
		}
	}
	if o := outcomes["residency-check"]; o["referred/not-resident"] != wantResidencyReferred {
		t.Errorf("residency-check: %v, want every referral not-resident (each child is in the register)", o)
	}
	if o := outcomes["age-check"]; o["completed"] < 9*len(apps)/10 || o["referred/age-outside-range"] == 0 || o["completed"]+o["referred"] != len(apps) {
		t.Errorf("age-check: %v, want nine in ten or more completed and a few outside 1–5", o)
	}

	units := map[string]float64{}
	for _, u := range simulated(t, "sim-school-units.yaml") {
		units[u["unit_id"].(string)] = u["capacity"].(float64)
	}
	for _, a := range apps {
		for _, u := range a["preferred_unit_ids"].([]any) {
			if units[u.(string)] <= 0 {
				t.Fatalf("application %v prefers %v, which has no places", a["application_id"], u)
			}
		}
	}

	reports := simulated(t, "sim-snow-reports.yaml")
	areas := map[string]int{}
	for _, r := range reports {
		if c := r["category"]; c != "snow" && c != "ice" {
			t.Fatalf("snow report %v: %v", r["report_id"], c)
		}
		areas[r["area_code"].(string)]++
	}
	t.Logf("%d snow reports by area %v", len(reports), areas)
	if areas["1980-422"] == 0 || areas["1980-415"] == 0 {
		t.Errorf("snow reports by area %v: want reports in Bäckby (1980-422) and Centrum (1980-415)", areas)
	}
}
