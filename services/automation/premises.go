package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/forecast"
	"github.com/vasteras/civicbus/services/automation/rules"
)

// The premises-need case type. The service keeps each school unit's places
// (school.unit.v1; closed and planned units count none) and gives the
// school-place forecast the places of the units in the area (its
// districts, for a municipality) per age group: preschools for
// forskola-1-5, compulsory schools for grundskola-6-15. When the forecast's
// P90 demand exceeds the places in some year, a premises-need case opens
// for the area, once per area and forecast version (base year and model
// version), however often the forecast is remade or its events
// redelivered: identify-need, done by the model (completed at or above
// Config.PremisesThreshold, else referred), names per age group the first
// year of need and the gap; plan-premises is for a person (referred).
const (
	TopicSchoolUnit           = "school.unit.v1"
	CaseTypePremisesNeed      = "premises-need"
	StepIdentifyNeed          = "identify-need"
	StepPlanPremises          = "plan-premises"
	DefaultPremisesUnit       = "lokalforsorjning"
	DefaultPremisesThreshold  = 0.5
	premisesDelegate          = "BUN delegationsordning 2024 punkt 2.1 (lokalförsörjning)"
	schoolPlaceForecastPrefix = "school.place-forecast/"
)

var premisesLegalBasis = []string{
	"Skollagen (2010:800) 8 kap. 3 §",
	"Skollagen (2010:800) 10 kap. 24 §",
	"Förvaltningslagen (2017:900) 28 §",
}

// projectUnit keeps a school unit's places.
func (s *Service) projectUnit(msg *message.Message) error {
	var u schemas.SchoolUnit
	if err := json.Unmarshal(msg.Payload, &u); err != nil || u.UnitID == "" {
		return middleware.Permanent(errors.New("automation: not a school-unit event"))
	}
	return s.store.putUnit(msg.Context(), u)
}

// openPremisesNeed opens the premises-need case of a forecast with needs.
func (s *Service) openPremisesNeed(ctx context.Context, out forecast.Output) error {
	key := fmt.Sprintf("%s/%d/%s", out.AreaCode, out.BaseYear, forecast.Version)
	caseID := CaseID(CaseTypePremisesNeed, key)
	version, automated := s.stepAutomated(CaseTypePremisesNeed, StepIdentifyNeed, true)
	// The first year of need per age group.
	var first []forecast.PremisesNeed
	for _, n := range out.Needs {
		if !slices.ContainsFunc(first, func(f forecast.PremisesNeed) bool { return f.AgeGroup == n.AgeGroup }) {
			first = append(first, n)
		}
	}
	ref := schoolPlaceForecastPrefix + out.AreaCode
	inputs := []schemas.DecisionInput{{Name: "forecast", Ref: ref}, {Name: "base_year", Value: out.BaseYear}}
	conf := 1.0
	var lines []string
	fields := map[string]any{"area_code": out.AreaCode, "base_year": out.BaseYear}
	for _, n := range first {
		inputs = append(inputs, schemas.DecisionInput{Name: "capacity." + n.AgeGroup, Value: n.Capacity})
		conf = min(conf, n.Confidence)
		likely := "möjligt (bara vid P90)"
		if n.Likely {
			likely = "troligt (redan vid P50)"
		}
		lines = append(lines, fmt.Sprintf("%s: från %d överstiger efterfrågan platserna (%.0f): P50 %.0f, P90 %.0f, %.0f platser för lite vid P90; %s.",
			n.AgeGroup, n.Year, n.Capacity, n.DemandP50, n.DemandP90, n.GapP90, likely))
		fields["first_year."+n.AgeGroup] = n.Year
		fields["gap_p90."+n.AgeGroup] = round1(n.GapP90)
	}
	step := ModelStep{
		CaseID: caseID, CaseType: CaseTypePremisesNeed, StepID: StepIdentifyNeed, ModelID: forecast.Name, ModelVersion: forecast.Version,
		Threshold: s.cfg.PremisesThreshold, AutomationAllowed: automated, TriggerEventID: "premises-need/" + key, Inputs: inputs,
		LegalBasis: premisesLegalBasis, DelegationRef: premisesDelegate,
	}
	answer := ModelAnswer{Result: "need-identified", Confidence: conf, Fields: fields,
		Motivering: fmt.Sprintf("Skolplatsprognosen för %s med basår %d: %s", out.AreaCode, out.BaseYear, strings.Join(lines, " "))}
	now := time.Now()
	identify := DecideByModel(ctx, step, now, func(context.Context) (ModelAnswer, error) { return answer, nil })
	plan := step
	plan.StepID, plan.AutomationAllowed = StepPlanPremises, false
	planAnswer := answer
	planAnswer.Result, planAnswer.Motivering = "planning-needed", "Lokalbehovet ska bedömas och planeras av en person. "+answer.Motivering
	planning := DecideByModel(ctx, plan, now, func(context.Context) (ModelAnswer, error) { return planAnswer, nil })
	return s.openCase(ctx, schemas.CaseOpened{
		CaseID: caseID, CaseType: CaseTypePremisesNeed, CaseTypeVersion: version, OpenedAt: now,
		OrgUnitID: s.cfg.PremisesUnit, SubjectRef: ref,
		OpenedBy: &schemas.Actor{Kind: schemas.ActorModel, ID: forecast.Name, Version: forecast.Version},
	}, []rules.Decision{identify, planning})
}
