package automation

import (
	"context"
	"fmt"
	"time"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/routine"
	"github.com/vasteras/civicbus/services/automation/rules"
)

// The care-alarm case type: every alarm the routine model raises opens
// one, for the care team of the resident's care unit. Its steps are
// raise-alarm, done by the model (completed when the model's confidence
// reaches the routine model's ReviewBelow, otherwise referred: a person
// triages), and acknowledge, which only a person can do (the model refers
// it, carrying its explanation, so it is a task in the casework inbox).
// A loaded case type of this id (demo/rules.d/care-alarm) gives its
// version and may forbid automating raise-alarm; it cannot allow
// automating acknowledge.
const (
	CaseTypeCareAlarm  = "care-alarm"
	StepRaiseAlarm     = "raise-alarm"
	StepAcknowledge    = "acknowledge"
	DefaultCareUnit    = "hemtjanst"
	careAlarmDelegate  = "SN delegationsordning 2024 punkt 9.1 (automatiserat larm)"
	careAlarmSubject   = "care.alarm/"
	careSensorsSubject = "care.sensor-activation/"
)

var careAlarmLegalBasis = []string{
	"Socialtjänstlagen (2025:400)",
	"Förvaltningslagen (2017:900) 28 §",
	"Kommunallagen (2017:725) 6 kap. 37 §",
}

// openCareAlarm opens the care-alarm case of an alarm raised with id
// alarmID, for careUnit: the model's decision on raise-alarm and its
// referral of acknowledge. The inputs name the alarm and the resident's
// activations by reference; the score, kind and span are values.
func (s *Service) openCareAlarm(ctx context.Context, a routine.Alarm, alarmID, careUnit string, threshold float64) error {
	caseID := CaseID(CaseTypeCareAlarm, alarmID)
	version, raiseAutomated := s.stepAutomated(CaseTypeCareAlarm, StepRaiseAlarm, true)
	inputs := []schemas.DecisionInput{
		{Name: "alarm", Ref: careAlarmSubject + alarmID},
		{Name: "sensor_activations", Ref: careSensorsSubject + a.ResidentID},
		{Name: "kind", Value: string(a.Kind)},
		{Name: "score", Value: round2(a.Score)},
		{Name: "from", Value: a.From.UTC().Format(time.RFC3339)},
		{Name: "to", Value: a.To.UTC().Format(time.RFC3339)},
	}
	step := ModelStep{
		CaseID: caseID, CaseType: CaseTypeCareAlarm, StepID: StepRaiseAlarm,
		ModelID: routine.Name, ModelVersion: routine.Version, Threshold: threshold,
		AutomationAllowed: raiseAutomated, TriggerEventID: alarmID, Inputs: inputs,
		LegalBasis: careAlarmLegalBasis, DelegationRef: careAlarmDelegate,
	}
	answer := ModelAnswer{
		Result: "alarm-raised", Confidence: a.Confidence,
		Fields: map[string]any{"alarm_kind": string(a.Kind), "score": round2(a.Score)},
		Motivering: fmt.Sprintf("%s Avvikelsepoäng %.2f av 1 (modellen %s %s).",
			a.Explanation, a.Score, routine.Name, routine.Version),
	}
	known := func(context.Context) (ModelAnswer, error) { return answer, nil }
	raise := DecideByModel(ctx, step, a.RaisedAt, known)
	ack := step
	ack.StepID, ack.AutomationAllowed, ack.Threshold = StepAcknowledge, false, 0
	ackAnswer := answer
	ackAnswer.Result = "acknowledgement-needed"
	ackAnswer.Motivering = "Larmet ska kvitteras av en person i omsorgsteamet. " + answer.Motivering
	acknowledge := DecideByModel(ctx, ack, a.RaisedAt, func(context.Context) (ModelAnswer, error) { return ackAnswer, nil })
	opened := schemas.CaseOpened{
		CaseID: caseID, CaseType: CaseTypeCareAlarm, CaseTypeVersion: version, OpenedAt: a.RaisedAt,
		OrgUnitID: careUnit, SubjectRef: careAlarmSubject + alarmID,
		Deadline: schemas.Date(a.RaisedAt.Format(time.DateOnly)),
		OpenedBy: &schemas.Actor{Kind: schemas.ActorModel, ID: routine.Name, Version: routine.Version},
	}
	return s.openCase(ctx, opened, []rules.Decision{raise, acknowledge})
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
