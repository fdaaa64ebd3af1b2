package automation

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestDemoRules: the demo's definitions (demo/rules.d) load into the
// service: the four worked case types and premises need, each model's
// threshold and unit from its model-settings, the snow areas, and the
// person-only steps (acknowledge, approve-order, plan-premises) not
// automatable.
func TestDemoRules(t *testing.T) {
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	s, err := New(context.Background(), Config{RulesDir: filepath.Join("..", "..", "demo", "rules.d"), Conn: conn, DB: filepath.Join(t.TempDir(), "a.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, ct := range []string{"preschool-placement", "snow-report", "meal-order", "care-alarm", "premises-need", "snow-work-order"} {
		if _, ok := s.engine.CaseType(ct); !ok {
			t.Errorf("case type %s not loaded", ct)
		}
	}
	// The preschool rules read the population register, the snow report's
	// the snow plan: their topics are handled one event at a time, not to
	// run ahead of those projections.
	for topic, want := range map[string]string{TopicApplication: ProjectionRegister, "roads.fault-report.v1": ProjectionSnowPlan, TopicAlarm: ""} {
		if got := strings.Join(s.engine.Projections(topic), ","); got != want {
			t.Errorf("Projections(%s) = %q, want %q", topic, got, want)
		}
	}
	c := s.cfg
	if c.RoutineModel.ReviewBelow != 0.8 || c.CareUnit != "hemtjanst" || c.MealThreshold != 0.8 || c.MealUnit != "maltidsservice" ||
		c.SnowThreshold != 0.6 || c.SnowUnit != "gata-park" || len(c.SnowAreas) != 2 || c.SnowAreas[0].HeatingSite == "" ||
		c.PremisesThreshold != 0.5 || c.PremisesUnit != "lokalforsorjning" || !c.Placement || c.PlacementThreshold != 0.8 {
		t.Errorf("settings not applied: %+v", c)
	}
	for _, step := range [][2]string{{CaseTypeCareAlarm, StepAcknowledge}, {CaseTypeMealOrder, StepApproveOrder}, {CaseTypePremisesNeed, StepPlanPremises}} {
		if _, auto := s.stepAutomated(step[0], step[1], true); auto {
			t.Errorf("%s %s may be automated", step[0], step[1])
		}
	}
	for _, step := range [][2]string{{CaseTypeCareAlarm, StepRaiseAlarm}, {CaseTypeMealOrder, StepProposeOrder}, {CaseTypeSnowWorkOrder, StepWorkOrder}, {CaseTypePremisesNeed, StepIdentifyNeed}} {
		if _, auto := s.stepAutomated(step[0], step[1], false); !auto {
			t.Errorf("%s %s may not be automated", step[0], step[1])
		}
	}
}
