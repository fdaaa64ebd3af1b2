package automation

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
)

// TestPlacementProposal: three preschools on the bus with their places and
// enrolment (Haga full, Bäckby and Rosen with free places); three
// applications. The first, wanting Haga then Bäckby, is proposed Bäckby;
// the second, wanting only Haga, is proposed Rosen, the unit in the child's
// district with the most free places, below the threshold; the third, in a
// district with no free place, gets no proposal. Every decision is
// referred (the step may only be proposed), by the model with its
// version, and no personnummer is copied.
func TestPlacementProposal(t *testing.T) {
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	dir := t.TempDir()
	ct, err := os.ReadFile(filepath.Join("..", "..", "demo", "rules.d", "preschool-placement", "case-type.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "case-type.yaml"), ct, 0o644)
	os.WriteFile(filepath.Join(dir, "model.yaml"), []byte("kind: model-settings\nmodel: preschool-placement\nthreshold: 0.8\n"), 0o644)
	decisions := collect(t, conn, TopicDecision)
	steps := collect(t, conn, TopicStepCompleted)
	s, stop := startService(t, Config{RulesDir: dir, Conn: conn, DB: filepath.Join(t.TempDir(), "a.db")})
	defer stop()
	if !s.cfg.Placement {
		t.Fatal("model-settings did not turn the placement model on")
	}
	publish(t, conn, TopicSchoolUnit, []string{"00000000-0000-4000-8000-0000000000c1", "00000000-0000-4000-8000-0000000000c2", "00000000-0000-4000-8000-0000000000c3"}, []any{
		schemas.SchoolUnit{UnitID: "forskola-haga", Name: "Haga", UnitType: schemas.UnitPreschool, Capacity: 20, AreaCode: "1980-415"},
		schemas.SchoolUnit{UnitID: "forskola-backby", Name: "Bäckby", UnitType: schemas.UnitPreschool, Capacity: 30, AreaCode: "1980-422"},
		schemas.SchoolUnit{UnitID: "forskola-rosen", Name: "Rosen", UnitType: schemas.UnitPreschool, Capacity: 50, AreaCode: "1980-422"},
	})
	four := 4
	publish(t, conn, TopicEnrolment, []string{"00000000-0000-4000-8000-0000000000e1", "00000000-0000-4000-8000-0000000000e2", "00000000-0000-4000-8000-0000000000e3", "00000000-0000-4000-8000-0000000000e4"}, []any{
		schemas.Enrolment{UnitID: "forskola-haga", ReferenceDate: "2026-01-15", Grade: schemas.GradePreschool, Age: &four, Enrolled: 20},
		schemas.Enrolment{UnitID: "forskola-backby", ReferenceDate: "2026-01-15", Grade: schemas.GradePreschool, Age: &four, Enrolled: 10},
		schemas.Enrolment{UnitID: "forskola-rosen", ReferenceDate: "2025-09-15", Grade: schemas.GradePreschool, Age: &four, Enrolled: 45},
		schemas.Enrolment{UnitID: "forskola-rosen", ReferenceDate: "2026-01-15", Grade: schemas.GradePreschool, Age: &four, Enrolled: 10},
	})
	waitFor(t, "the units and their enrolment", func() bool {
		us, err := s.store.preschools(context.Background())
		return err == nil && len(us) == 3 && us["forskola-haga"].enrolled == 20 && us["forskola-rosen"].enrolled == 10 && us["forskola-backby"].enrolled == 10
	})
	app := func(id string, units []string, area string) map[string]any {
		return map[string]any{"application_id": id, "submitted_at": "2026-03-02T08:59:30+01:00", "kind": "new",
			"child_personnummer": "20230314-4568", "guardian_personnummer": "19900101-1234", "desired_start_date": "2026-08-17",
			"preferred_unit_ids": units, "area_code": area}
	}
	publish(t, conn, TopicApplication, []string{"00000000-0000-4000-8000-0000000000a1", "00000000-0000-4000-8000-0000000000a2", "00000000-0000-4000-8000-0000000000a3"}, []any{
		app("0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a01", []string{"forskola-haga", "forskola-backby"}, "1980-415"),
		app("0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a02", []string{"forskola-haga"}, "1980-422"),
		app("0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a03", []string{"forskola-haga"}, "1980-999"),
	})
	waitFor(t, "three proposals", func() bool { return len(decisions.distinct()) >= 3 })
	want := map[string][2]string{
		"0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a01": {"placement-proposed", "forskola-backby"},
		"0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a02": {"placement-proposed", "forskola-rosen"},
		"0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a03": {"no-free-place", ""},
	}
	for _, m := range decisions.distinct() {
		var d schemas.DecisionRecorded
		json.Unmarshal(m.Payload, &d)
		w := want[d.CaseID]
		unit, _ := d.Fields["proposed_unit_id"].(string)
		if d.Result != w[0] || unit != w[1] || d.Outcome != schemas.OutcomeReferred || d.StepID != StepPlacementProposal ||
			d.DecidedBy.ID != ModelPlacement || d.DecidedBy.Version != PlacementVersion {
			t.Errorf("case %s: %s %s %q (%s), want %s %q: %s", d.CaseID, d.Outcome, d.Result, unit, d.StepID, w[0], w[1], d.Motivering)
		}
		if strings.Contains(string(m.Payload), "20230314-4568") || strings.Contains(string(m.Payload), "19900101-1234") {
			t.Errorf("a personnummer in the decision: %s", m.Payload)
		}
		t.Logf("%s: %s", d.Result, d.Motivering)
	}
	if n := len(steps.distinct()); n != 0 {
		t.Errorf("%d steps completed: a placement is only proposed", n)
	}
}
