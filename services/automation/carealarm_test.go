package automation

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/routine"
)

// TestCareAlarmOpensACase: on the real home's log with a night-time door
// opening, every alarm opens one care-alarm case in the care unit's inbox:
// the model's decision on raise-alarm (completed at a ReviewBelow the
// model's confidence reaches, with the model's name, version, confidence,
// the explanation and the inputs by reference) and acknowledge referred to
// a person, never completed; a completed step is announced with its
// decision. With the model's default ReviewBelow (0.8, above a week's
// confidence 7/9) raise-alarm is referred too.
func TestCareAlarmOpensACase(t *testing.T) {
	conn, at := ordonezOnTheBus(t)
	alarms := collect(t, conn, TopicAlarm)
	opened := collect(t, conn, TopicCaseOpened)
	decisions := collect(t, conn, TopicDecision)
	steps := collect(t, conn, TopicStepCompleted)
	db := filepath.Join(t.TempDir(), "a.db")
	_, stop := startService(t, Config{RulesDir: t.TempDir(), Conn: conn, DB: db, Routine: true, RoutineModel: routine.Config{ReviewBelow: 0.7}})
	// Alarms are raised as the log replays: wait until the door alarm is
	// among them, every alarm seen has its case and two decisions, and no
	// further alarm has come for a second.
	settled, stableSince := -1, time.Time{}
	waitFor(t, "every alarm's case, the door alarm's among them", func() bool {
		door, withCase := false, map[string]bool{}
		for _, o := range opened.distinct() {
			var c schemas.CaseOpened
			json.Unmarshal(o.Payload, &c)
			withCase[strings.TrimPrefix(c.SubjectRef, "care.alarm/")] = true
		}
		as := alarms.distinct()
		for _, m := range as {
			var a schemas.Alarm
			json.Unmarshal(m.Payload, &a)
			if !withCase[a.AlarmID] {
				return false
			}
			door = door || a.Kind == schemas.AlarmDoorOpenAtNight && a.RaisedAt.Sub(at).Abs() < time.Hour
		}
		if !door || len(decisions.distinct()) < 2*len(as) {
			return false
		}
		if len(as) != settled {
			settled, stableSince = len(as), time.Now()
		}
		return time.Since(stableSince) >= time.Second
	})
	stop()
	byAlarm := map[string]schemas.Alarm{}
	for _, m := range alarms.distinct() {
		var a schemas.Alarm
		json.Unmarshal(m.Payload, &a)
		byAlarm[a.AlarmID] = a
		if a.CareUnitID != DefaultCareUnit {
			t.Errorf("alarm care unit %q, want %q", a.CareUnitID, DefaultCareUnit)
		}
	}
	cases := map[string]schemas.CaseOpened{}
	for _, m := range opened.distinct() {
		var c schemas.CaseOpened
		json.Unmarshal(m.Payload, &c)
		alarmID, ok := strings.CutPrefix(c.SubjectRef, "care.alarm/")
		if _, known := byAlarm[alarmID]; !ok || !known || c.CaseType != CaseTypeCareAlarm || c.OrgUnitID != DefaultCareUnit ||
			c.OpenedBy == nil || c.OpenedBy.Kind != schemas.ActorModel || c.CaseID != CaseID(CaseTypeCareAlarm, alarmID) {
			t.Errorf("case %+v", c)
		}
		cases[c.CaseID] = c
	}
	if len(cases) != len(byAlarm) {
		t.Fatalf("%d care-alarm cases for %d alarms", len(cases), len(byAlarm))
	}
	perCase := map[string]map[string]schemas.DecisionRecorded{}
	for _, m := range decisions.distinct() {
		var d schemas.DecisionRecorded
		json.Unmarshal(m.Payload, &d)
		if _, ok := cases[d.CaseID]; !ok {
			t.Errorf("a decision on a case never opened: %+v", d)
			continue
		}
		if perCase[d.CaseID] == nil {
			perCase[d.CaseID] = map[string]schemas.DecisionRecorded{}
		}
		perCase[d.CaseID][d.StepID] = d
		if d.DecidedBy != (schemas.Actor{Kind: schemas.ActorModel, ID: routine.Name, Version: routine.Version}) || !d.Automated ||
			d.Confidence == nil || len(d.LegalBasis) == 0 || d.DelegationRef == "" {
			t.Errorf("decision %+v", d)
		}
		refs := map[string]string{}
		for _, in := range d.Inputs {
			refs[in.Name] = in.Ref
		}
		if !strings.HasPrefix(refs["alarm"], "care.alarm/") || !strings.HasPrefix(refs["sensor_activations"], "care.sensor-activation/") {
			t.Errorf("inputs not by reference: %+v", d.Inputs)
		}
	}
	var door *schemas.DecisionRecorded
	for id, ds := range perCase {
		raise, ack := ds[StepRaiseAlarm], ds[StepAcknowledge]
		if raise.Outcome != schemas.OutcomeCompleted || raise.Result != "alarm-raised" || !strings.Contains(raise.Motivering, "Avvikelsepoäng") {
			t.Errorf("case %s raise-alarm %+v, want completed at confidence %.2f ≥ 0.7", id, raise, *raise.Confidence)
		}
		if ack.Outcome != schemas.OutcomeReferred || !strings.Contains(ack.Motivering, "kvitteras av en person") {
			t.Errorf("case %s acknowledge %+v, want referred to a person", id, ack)
		}
		alarm := byAlarm[strings.TrimPrefix(cases[id].SubjectRef, "care.alarm/")]
		if !strings.Contains(raise.Motivering, alarm.Explanation) {
			t.Errorf("raise-alarm motivering %q lacks the model's explanation %q", raise.Motivering, alarm.Explanation)
		}
		if alarm.Kind == schemas.AlarmDoorOpenAtNight {
			door = &raise
		}
	}
	if door == nil {
		t.Fatal("no decision on the door alarm's case")
	}
	waitFor(t, "one completed step per case", func() bool { return len(steps.distinct()) >= len(cases) })
	for _, m := range steps.distinct() {
		var s schemas.StepCompleted
		json.Unmarshal(m.Payload, &s)
		d, ok := perCase[s.CaseID][s.StepID]
		if s.StepID != StepRaiseAlarm || !ok || d.DecisionID != s.DecisionID || !s.Automated {
			t.Errorf("completed step %+v without its decision (or acknowledge completed by the model)", s)
		}
	}
	t.Logf("%d alarms, each a care-alarm case; the door's: %s", len(byAlarm), door.Motivering)

	// The default ReviewBelow: a person triages (raise-alarm referred);
	// a restart on the same state opens no case twice.
	conn2, _ := ordonezOnTheBus(t)
	decisions2 := collect(t, conn2, TopicDecision)
	opened2 := collect(t, conn2, TopicCaseOpened)
	db2 := filepath.Join(t.TempDir(), "b.db")
	_, stop = startService(t, Config{RulesDir: t.TempDir(), Conn: conn2, DB: db2, Routine: true})
	waitFor(t, "a referred raise-alarm", func() bool {
		for _, m := range decisions2.distinct() {
			var d schemas.DecisionRecorded
			json.Unmarshal(m.Payload, &d)
			if d.StepID == StepRaiseAlarm {
				return d.Outcome == schemas.OutcomeReferred && strings.Contains(d.Motivering, "under gränsen 0.80")
			}
		}
		return false
	})
	time.Sleep(time.Second)
	stop()
	n, raw := len(opened2.distinct()), opened2.count()
	_, stop = startService(t, Config{RulesDir: t.TempDir(), Conn: conn2, DB: db2, Routine: true})
	time.Sleep(3 * time.Second) // the history is replayed
	stop()
	if opened2.count() != raw || len(opened2.distinct()) != n {
		t.Errorf("after a restart %d case-opened events (%d distinct), before %d (%d)", opened2.count(), len(opened2.distinct()), raw, n)
	}
}
