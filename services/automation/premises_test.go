package automation

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/forecast"
)

// TestPremisesNeedOncePerForecast: Västerås's preschools have 3,000 places
// in all (two units in districts, one closed unit not counted) and its
// schools 100,000; with the real 2019 population the forecast's preschool
// demand exceeds the places, the school demand does not. One
// premises-need case opens for the municipality and forecast version:
// identify-need (the model, naming forskola-1-5 and its first year) and
// plan-premises (referred to a person). The population sent again remakes
// the forecast but opens no second case.
func TestPremisesNeedOncePerForecast(t *testing.T) {
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	rows := collect(t, conn, TopicForecast)
	opened := collect(t, conn, TopicCaseOpened)
	decisions := collect(t, conn, TopicDecision)
	_, stop := startService(t, Config{RulesDir: t.TempDir(), Conn: conn, DB: filepath.Join(t.TempDir(), "a.db"), Forecast: true, ForecastEvery: 200 * time.Millisecond})
	defer stop()
	units := []any{
		schemas.SchoolUnit{UnitID: "forskola-haga", Name: "Haga förskola", UnitType: schemas.UnitPreschool, Capacity: 2000, AreaCode: "1980-422", Status: schemas.UnitActive},
		schemas.SchoolUnit{UnitID: "forskola-backby", Name: "Bäckby förskola", UnitType: schemas.UnitPreschool, Capacity: 1000, AreaCode: "1980-415"},
		schemas.SchoolUnit{UnitID: "forskola-gamla", Name: "Gamla förskolan", UnitType: schemas.UnitPreschool, Capacity: 900, AreaCode: "1980-415", Status: schemas.UnitClosed},
		schemas.SchoolUnit{UnitID: "skola-alla", Name: "Alla skolor", UnitType: schemas.UnitCompulsory, Capacity: 100000, AreaCode: "1980"},
		schemas.SchoolUnit{UnitID: "forskola-annan", Name: "Annan kommun", UnitType: schemas.UnitPreschool, Capacity: 50000, AreaCode: "1981-001"},
	}
	publish(t, conn, TopicSchoolUnit, []string{"00000000-0000-4000-8000-0000000000c1", "00000000-0000-4000-8000-0000000000c2", "00000000-0000-4000-8000-0000000000c3", "00000000-0000-4000-8000-0000000000c4", "00000000-0000-4000-8000-0000000000c5"}, units)
	ids, events, _ := scbVasteras(t, 0)
	publish(t, conn, TopicPopulation, ids, events)
	waitFor(t, "the premises-need case", func() bool { return len(opened.distinct()) >= 1 && len(decisions.distinct()) >= 2 })
	var c schemas.CaseOpened
	for _, m := range opened.distinct() {
		json.Unmarshal(m.Payload, &c)
	}
	if c.CaseType != CaseTypePremisesNeed || c.OrgUnitID != DefaultPremisesUnit || c.SubjectRef != "school.place-forecast/1980" {
		t.Errorf("case %+v", c)
	}
	for _, m := range decisions.distinct() {
		var d schemas.DecisionRecorded
		json.Unmarshal(m.Payload, &d)
		if d.CaseID != c.CaseID || d.DecidedBy.ID != forecast.Name {
			t.Errorf("decision %+v", d)
		}
		switch d.StepID {
		case StepIdentifyNeed:
			if d.Result != "need-identified" || !strings.Contains(d.Motivering, "forskola-1-5: från 20") || strings.Contains(d.Motivering, "grundskola") ||
				!strings.Contains(d.Motivering, "platserna (3000)") {
				t.Errorf("identify-need %s %q", d.Outcome, d.Motivering)
			}
			t.Logf("identify-need %s (confidence %.2f): %s", d.Outcome, *d.Confidence, d.Motivering)
		case StepPlanPremises:
			if d.Outcome != schemas.OutcomeReferred {
				t.Errorf("plan-premises %s, want referred", d.Outcome)
			}
		default:
			t.Errorf("a decision on step %s", d.StepID)
		}
	}
	// The population again, with new ids: the forecast is remade (its
	// rows published again), no second case.
	waitFor(t, "20 forecast rows", func() bool { return rows.count() >= 20 })
	ids, events, _ = scbVasteras(t, 100000)
	publish(t, conn, TopicPopulation, ids, events)
	waitFor(t, "the forecast remade", func() bool { return rows.count() >= 40 })
	time.Sleep(500 * time.Millisecond)
	if opened.count() != 1 || decisions.count() != 2 {
		t.Errorf("%d cases opened and %d decisions, want 1 and 2", opened.count(), decisions.count())
	}
}
