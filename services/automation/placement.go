package automation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/rules"
)

// The placement proposal of a preschool application (the preschool-
// placement case's placement-proposal step), by the preschool-placement
// model when the rules directory has its model-settings. The service keeps
// each preschool's places (school.unit.v1) and children enrolled at its
// latest count (school.enrolment.v1); free places are the difference. The
// model proposes the first of the guardian's preferred units with a free
// place (confidence 1); else the preschool in the child's district
// (the application's area_code) with the most free places (0.7: not
// chosen by the guardian); else none (no-free-place, confidence 0). The
// step may only be proposed: the decision is always referred, carrying
// proposed_unit_id, and a caseworker confirms. Units are compared by their
// places only: the child's address is not read, so "nearest" is the
// guardian's order, then the district.
const (
	ModelPlacement           = "preschool-placement"
	PlacementVersion         = "1.0.0"
	TopicApplication         = "school.preschool-application.v1"
	TopicEnrolment           = "school.enrolment.v1"
	CaseTypePreschool        = "preschool-placement"
	StepPlacementProposal    = "placement-proposal"
	placementDelegate        = "BUN delegationsordning 2024 punkt 3.4"
	applicationSubjectPrefix = "school.preschool-application/"
)

var placementLegalBasis = []string{
	"Skollagen (2010:800) 8 kap. 14-15 §§",
	"Förvaltningslagen (2017:900) 28 §",
	"Kommunallagen (2017:725) 6 kap. 37 §",
}

// projectEnrolment keeps a unit's enrolment.
func (s *Service) projectEnrolment(msg *message.Message) error {
	var e schemas.Enrolment
	if err := json.Unmarshal(msg.Payload, &e); err != nil || e.UnitID == "" {
		return middleware.Permanent(errors.New("automation: not an enrolment event"))
	}
	return s.store.putEnrolment(msg.Context(), e)
}

// proposePlacement records the model's placement proposal for an
// application.
func (s *Service) proposePlacement(msg *message.Message) error {
	var a schemas.PreschoolApplication
	if err := json.Unmarshal(msg.Payload, &a); err != nil || a.ApplicationID == "" {
		return middleware.Permanent(errors.New("automation: not a preschool application"))
	}
	if a.Kind != "" && a.Kind != "new" {
		return nil
	}
	ctx := msg.Context()
	units, err := s.store.preschools(ctx)
	if err != nil {
		return err
	}
	step := ModelStep{
		CaseID: strings.ToLower(a.ApplicationID), CaseType: CaseTypePreschool, StepID: StepPlacementProposal,
		ModelID: ModelPlacement, ModelVersion: PlacementVersion, Threshold: s.cfg.PlacementThreshold,
		AutomationAllowed: false, // propose only: a caseworker confirms
		TriggerEventID:    msg.UUID,
		Inputs: []schemas.DecisionInput{
			{Name: "application", Ref: applicationSubjectPrefix + a.ApplicationID},
			{Name: "preferred_units", Value: len(a.PreferredUnitIDs)},
			{Name: "units_with_places", Value: len(units)},
		},
		LegalBasis: placementLegalBasis, DelegationRef: placementDelegate,
	}
	d := DecideByModel(ctx, step, time.Now(), func(context.Context) (ModelAnswer, error) {
		return placement(a, units), nil
	})
	fresh, err := s.store.unrecorded(ctx, []rules.Decision{d})
	if err != nil || len(fresh) == 0 {
		return err
	}
	if err := s.publishDecisions(fresh); err != nil {
		return err
	}
	return s.store.recordAll(ctx, fresh)
}

// placement is the model: a preferred unit with a free place, else the
// district's unit with the most free places.
func placement(a schemas.PreschoolApplication, units map[string]unitPlaces) ModelAnswer {
	propose := func(u unitPlaces, conf float64, why string) ModelAnswer {
		return ModelAnswer{Result: "placement-proposed", Confidence: conf,
			Fields: map[string]any{"proposed_unit_id": u.id, "proposed_start_date": string(a.DesiredStartDate), "free_places": u.free()},
			Motivering: fmt.Sprintf("Förslag: plats på förskolan %s från %s. %s Förskolan har %d lediga platser (%d platser, %d inskrivna). En handläggare bekräftar placeringen.",
				u.id, a.DesiredStartDate, why, u.free(), u.capacity, u.enrolled)}
	}
	for i, id := range a.PreferredUnitIDs {
		if u, ok := units[id]; ok && u.free() > 0 {
			why := "Den är vårdnadshavarens förstahandsval."
			if i > 0 {
				why = fmt.Sprintf("Den är vårdnadshavarens val nummer %d; de som önskades före den har inga lediga platser.", i+1)
			}
			return propose(u, 1, why)
		}
	}
	var best *unitPlaces
	for _, id := range slices.Sorted(maps.Keys(units)) {
		u := units[id]
		if a.AreaCode != "" && u.area == a.AreaCode && u.free() > 0 && (best == nil || u.free() > best.free()) {
			best = &u
		}
	}
	if best != nil {
		return propose(*best, 0.7, "Ingen av de önskade förskolorna har lediga platser; den här ligger i barnets område och har flest lediga platser där.")
	}
	return ModelAnswer{Result: "no-free-place", Confidence: 0,
		Motivering: "Varken de önskade förskolorna eller någon förskola i barnets område har lediga platser. En handläggare föreslår en placering."}
}
