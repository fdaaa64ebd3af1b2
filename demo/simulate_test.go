package demo_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/connectors/simulate"
)

// simulated runs the simulate connector of demo/connectors.d/<file> through
// the real runtime on an embedded broker until its period ends, checks that
// every event validates, that no dead letter was sent, that no id repeats
// and that each is labelled as simulated (ce_source and the simulated
// property), and returns the events' payloads.
func simulated(t *testing.T, file string) []map[string]any {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("connectors.d", file))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := connectors.ParseConfig(text, file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(file, "sim-") || !strings.Contains(cfg.SourceURI(), "simulated") {
		t.Fatalf("%s: ce_source %s; a simulated source's file is sim-*.yaml and its name says simulated", file, cfg.SourceURI())
	}
	e := connectortest.New(t, connectortest.Registry(t, simulate.Kind()), cfg.Topic)
	e.PublishTimeout = 5 * time.Second
	got, dlq := e.Collect(cfg.Topic), e.Collect(cfg.Topic+".dlq")
	r := e.Start(string(text))
	waitFor(t, file+" to reach the end of its period", 120*time.Second, func() bool {
		return r.Runtime.Status().State == connectors.StateFinished
	})
	st := r.Runtime.Status()
	waitFor(t, "every event", 30*time.Second, func() bool { return int64(len(got.All())) >= st.RecordsOut })
	if st.Failed != 0 || len(dlq.All()) != 0 || st.LastError != "" {
		for _, l := range dlq.All() {
			t.Errorf("dead letter: %s", l.Metadata.Get("dlq_error"))
		}
		t.Fatalf("%d records failed; last error %q", st.Failed, st.LastError)
	}
	msgs := got.All()
	if int64(len(msgs)) != st.RecordsIn || len(connectortest.Unique(msgs)) != len(msgs) {
		t.Fatalf("%d events (%d distinct ids) for %d records", len(msgs), len(connectortest.Unique(msgs)), st.RecordsIn)
	}
	out := make([]map[string]any, 0, len(msgs))
	for i, msg := range msgs {
		if err := e.Contracts.Check(cfg.Topic, msg.Metadata.Get(bus.HeaderDataSchema), msg.Payload); err != nil {
			t.Fatalf("event %d does not validate: %v", i, err)
		}
		var p map[string]any
		if err := json.Unmarshal(msg.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if p["simulated"] != true || msg.Metadata.Get(bus.HeaderSource) != cfg.SourceURI() {
			t.Fatalf("event %d is not labelled as simulated", i)
		}
		out = append(out, p)
	}
	return out
}

func stockholm(t *testing.T, v any) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, v.(string))
	if err != nil {
		t.Fatal(err)
	}
	return at.In(simulate.Stockholm)
}

// luhnValid reports whether a personnummer YYYYMMDD-NNNN passes the Luhn
// test over YYMMDDNNNN, as every real one does.
func luhnValid(pnr string) bool {
	digits := strings.ReplaceAll(pnr, "-", "")[2:]
	sum := 0
	for i, c := range digits {
		v := int(c-'0') * (2 - i%2)
		sum += v/10 + v%10
	}
	return sum%10 == 0
}

// TestSimulatedPreschoolApplications: a year of about 2,200 applications
// peaking in March–May, none with a Luhn-valid personnummer.
func TestSimulatedPreschoolApplications(t *testing.T) {
	evs := simulated(t, "sim-preschool-applications.yaml")
	if n := len(evs); n < 1900 || n > 2500 {
		t.Errorf("%d applications in 2024, want about 2,200", n)
	}
	var perMonth [12]int
	for _, p := range evs {
		perMonth[stockholm(t, p["submitted_at"]).Month()-1]++
		if luhnValid(p["child_personnummer"].(string)) {
			t.Fatalf("application %v: a Luhn-valid personnummer", p["application_id"])
		}
		for _, u := range p["preferred_unit_ids"].([]any) {
			if !strings.HasPrefix(u.(string), "sim-fsk-") {
				t.Fatalf("application %v: unit %v", p["application_id"], u)
			}
		}
	}
	spring := perMonth[2] + perMonth[3] + perMonth[4]
	if 3*spring < len(evs) { // a third of the year in a quarter of it
		t.Errorf("March–May has %d of %d applications: no spring peak (%v)", spring, len(evs), perMonth)
	}
	if perMonth[6] >= perMonth[3] {
		t.Errorf("July %d, April %d: want fewer in July", perMonth[6], perMonth[3])
	}
}

// TestSimulatedCases: the cases opened, their steps and their closures tell
// one story: every step and closure of a case opened in 2024 comes after
// its opening, people work office hours and automated steps have a
// decision.
func TestSimulatedCases(t *testing.T) {
	opened := map[string]time.Time{}
	for _, p := range simulated(t, "sim-case-opened.yaml") {
		if !strings.HasPrefix(p["subject_ref"].(string), "school.preschool-application/") {
			t.Fatalf("case %v about %v", p["case_id"], p["subject_ref"])
		}
		opened[p["case_id"].(string)] = stockholm(t, p["opened_at"])
	}
	if n := len(opened); n < 1900 || n > 2500 {
		t.Errorf("%d cases opened in 2024", n)
	}
	steps := simulated(t, "sim-case-steps.yaml")
	if len(steps) < 3*len(opened) {
		t.Errorf("%d steps for %d cases", len(steps), len(opened))
	}
	for _, p := range steps {
		at := stockholm(t, p["completed_at"])
		if o, ok := opened[p["case_id"].(string)]; ok && at.Before(o) {
			t.Fatalf("case %v: step %v before the case opened", p["case_id"], p["step_id"])
		}
		by := p["completed_by"].(map[string]any)
		if by["kind"] == "person" && (at.Weekday() == time.Saturday || at.Weekday() == time.Sunday || at.Hour() < 8 || at.Hour() > 16) {
			t.Fatalf("case %v: a person completed %v at %v", p["case_id"], p["step_id"], at)
		}
		if (p["automated"] == true) != (p["decision_id"] != nil) {
			t.Fatalf("case %v step %v: automated %v without a decision, or the reverse", p["case_id"], p["step_id"], p["automated"])
		}
	}
	resolutions := map[string]int{}
	for _, p := range simulated(t, "sim-case-closed.yaml") {
		if o, ok := opened[p["case_id"].(string)]; ok && !stockholm(t, p["closed_at"]).After(o) {
			t.Fatalf("case %v closed before it opened", p["case_id"])
		}
		resolutions[p["resolution"].(string)]++
	}
	if resolutions["granted"] < 8*(resolutions["withdrawn"]+resolutions["rejected"]+resolutions["dismissed"])/2 {
		t.Errorf("resolutions %v: want about nine in ten granted", resolutions)
	}
}

// TestSimulatedMealPurchases: about 56,000 order lines from 60 kitchens,
// delivered only on school days: never on a weekend nor in July.
func TestSimulatedMealPurchases(t *testing.T) {
	evs := simulated(t, "sim-meal-purchases.yaml")
	if n := len(evs); n < 40000 || n > 80000 {
		t.Errorf("%d order lines in 2024", n)
	}
	kitchens, perMonth := map[string]bool{}, [12]int{}
	for _, p := range evs {
		d, err := time.Parse(time.DateOnly, p["delivery_date"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || d.Month() == time.July {
			t.Fatalf("order %v delivered on %s %s", p["order_id"], d.Weekday(), p["delivery_date"])
		}
		perMonth[d.Month()-1]++
		kitchens[p["kitchen_id"].(string)] = true
	}
	if len(kitchens) != 60 {
		t.Errorf("%d kitchens", len(kitchens))
	}
	if perMonth[7] >= perMonth[8]/2 { // school starts in the second half of August
		t.Errorf("August %d lines, September %d: want August at most half", perMonth[7], perMonth[8])
	}
}

// TestSimulatedMealPortions: a lunch report per kitchen and school day,
// from the kitchens that order, none on a weekend or in July.
func TestSimulatedMealPortions(t *testing.T) {
	evs := simulated(t, "sim-meal-portions.yaml")
	days, kitchens := map[string]int{}, map[string]bool{}
	for _, p := range evs {
		d, err := time.Parse(time.DateOnly, p["date"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || d.Month() == time.July {
			t.Fatalf("lunch served on %s %s", d.Weekday(), p["date"])
		}
		days[p["date"].(string)]++
		kitchens[p["kitchen_id"].(string)] = true
	}
	if len(kitchens) != 60 || len(days) < 170 || len(days) > 185 || len(evs) != 60*len(days) {
		t.Errorf("%d reports from %d kitchens on %d days; want one per kitchen (60) and school day (about 178)", len(evs), len(kitchens), len(days))
	}
}
