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

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/snow"
	"github.com/vasteras/civicbus/services/automation/rules"
)

// Snow clearing. The service keeps the weather observed at each area's
// stations (roads.weather-observation.v1) and forecast for its locations
// (roads.weather-forecast.v1). Once an area's weather has been quiet for
// the settle time, the snow-clearing model decides at the area's latest
// observation (the data's time, so a replayed winter is decided as it
// was): when it orders work, advises ground heating on, or lacks data, a
// snow-work-order case opens for the area and day, with the model's
// decision on work-order (and, for an area with a heated site, on
// ground-heating), each completed at or above Config.SnowThreshold, else
// referred. A completed work-order publishes one planned
// roads.snow-clearing.v1 work order per action, a completed ground-heating
// on a planned roads.ground-heating.v1, each carrying its decision id, once.
// The service also keeps the snow-clearing-plan projection (the latest
// roads.snow-clearing.v1 per area, its own and the road-maintenance
// system's) that the citizen snow-report rules look up.
const (
	TopicObservation      = "roads.weather-observation.v1"
	TopicWeatherForecast  = "roads.weather-forecast.v1"
	TopicSnowClearing     = "roads.snow-clearing.v1"
	TopicGroundHeating    = "roads.ground-heating.v1"
	CaseTypeSnowWorkOrder = "snow-work-order"
	StepWorkOrder         = "work-order"
	StepGroundHeating     = "ground-heating"
	DefaultSnowUnit       = "gata-park"
	DefaultSnowThreshold  = 0.6
	// ProjectionSnowPlan is the projection snow-report rules name.
	ProjectionSnowPlan = "snow-clearing-plan"
	dueArea            = "snow-area"
	snowDelegate       = "TN delegationsordning 2024 punkt 5.3 (vinterväghållning)"
)

var snowLegalBasis = []string{
	"Lag (1998:814) med särskilda bestämmelser om gaturenhållning och skyltning 2 §",
	"Förvaltningslagen (2017:900) 28 §",
	"Kommunallagen (2017:725) 6 kap. 37 §",
}

// SnowArea is a snow-clearing area the snow model works (the rules
// directory's model-settings of snow-clearing list them).
type SnowArea = rules.SnowArea

// areasOf lists the areas whose weather source (station or forecast
// location) is id.
func (s *Service) areasOf(id string, forecast bool) []string {
	var out []string
	for _, a := range s.cfg.SnowAreas {
		src := a.Stations
		if forecast {
			src = a.ForecastLocations
		}
		if slices.Contains(src, id) {
			out = append(out, a.ID)
		}
	}
	return out
}

// projectObservation keeps an observation of an area's station.
func (s *Service) projectObservation(msg *message.Message) error {
	var o schemas.WeatherObservation
	if err := json.Unmarshal(msg.Payload, &o); err != nil || o.ObservedAt.IsZero() {
		return middleware.Permanent(errors.New("automation: not a weather observation"))
	}
	areas := s.areasOf(o.StationID, false)
	if len(areas) == 0 {
		return nil
	}
	return s.store.putWeather(msg.Context(), "obs", o.StationID, o.ObservedAt, time.Time{}, string(o.Period), msg.Payload, areas)
}

// projectWeatherForecast keeps a forecast for an area's location.
func (s *Service) projectWeatherForecast(msg *message.Message) error {
	var f schemas.WeatherForecast
	if err := json.Unmarshal(msg.Payload, &f); err != nil || f.ValidAt.IsZero() {
		return middleware.Permanent(errors.New("automation: not a weather forecast"))
	}
	areas := s.areasOf(f.LocationID, true)
	if len(areas) == 0 {
		return nil
	}
	return s.store.putWeather(msg.Context(), "fc", f.LocationID, f.ValidAt, f.IssuedAt, string(f.Period), msg.Payload, areas)
}

// projectSnowPlan keeps the latest work order per area.
func (s *Service) projectSnowPlan(msg *message.Message) error {
	var rec map[string]any
	if err := json.Unmarshal(msg.Payload, &rec); err != nil {
		return middleware.Permanent(errors.New("automation: the event is not a JSON object"))
	}
	area, _ := rec["area_id"].(string)
	if area == "" {
		return middleware.Permanent(errors.New("automation: a snow-clearing event without area_id"))
	}
	return s.store.put(msg.Context(), ProjectionSnowPlan, area, rec)
}

// decideSnow runs the snow model for every area whose weather settled.
func (s *Service) decideSnow(ctx context.Context) {
	as, err := s.store.settled(ctx, dueArea, settle)
	if err != nil {
		s.cfg.Logger.Warn("snow: read areas", "err", err)
		return
	}
	for _, d := range as {
		i := slices.IndexFunc(s.cfg.SnowAreas, func(a SnowArea) bool { return a.ID == d.key })
		if i < 0 {
			_ = s.store.handled(ctx, dueArea, d)
			continue
		}
		if err := s.decideArea(ctx, s.cfg.SnowAreas[i]); err != nil {
			s.cfg.Logger.Warn("snow decision not made", "area", d.key, "err", err)
			continue
		}
		if err := s.store.handled(ctx, dueArea, d); err != nil {
			s.cfg.Logger.Warn("snow", "err", err)
		}
	}
}

// decideArea decides one area at its latest observation.
func (s *Service) decideArea(ctx context.Context, area SnowArea) error {
	at, obs, fcs, err := s.store.weather(ctx, area)
	if err != nil || at.IsZero() {
		return err
	}
	in := snow.Input{Area: snow.Area{ID: area.ID, Priority: area.Priority, Salted: area.Salted}, At: at, Observations: obs, Forecasts: fcs}
	out, runErr := snow.Decide(s.cfg.SnowModel, in)
	if runErr == nil && len(out.Actions) == 0 && !out.Heating.On && len(out.Missing) == 0 {
		s.cfg.Logger.Info("snow: nothing to do", "area", area.ID, "at", at)
		return nil
	}
	day := at.In(stockholm).Format("20060102")
	key := area.ID + "/" + day
	caseID := CaseID(CaseTypeSnowWorkOrder, key)
	version, automated := s.stepAutomated(CaseTypeSnowWorkOrder, StepWorkOrder, true)
	trigger := "snow/" + area.ID + "/" + at.UTC().Format(time.RFC3339)
	inputs := []schemas.DecisionInput{{Name: "at", Value: at.UTC().Format(time.RFC3339)}, {Name: "observations", Value: len(obs)}, {Name: "forecasts", Value: len(fcs)}}
	for _, st := range area.Stations {
		inputs = append(inputs, schemas.DecisionInput{Name: "station", Ref: "roads.weather-observation/" + st})
	}
	if runErr == nil && out.NewSnowCm != nil {
		inputs = append(inputs, schemas.DecisionInput{Name: "new_snow_cm", Value: *out.NewSnowCm})
	}
	step := ModelStep{
		CaseID: caseID, CaseType: CaseTypeSnowWorkOrder, StepID: StepWorkOrder, ModelID: snow.Name, ModelVersion: snow.Version,
		Threshold: s.cfg.SnowThreshold, AutomationAllowed: automated, TriggerEventID: trigger, Inputs: inputs,
		LegalBasis: snowLegalBasis, DelegationRef: snowDelegate,
	}
	missing := func() string {
		return fmt.Sprintf(" Underlag saknas: %s.", strings.Join(out.Missing, "; "))
	}
	order := DecideByModel(ctx, step, at, func(context.Context) (ModelAnswer, error) {
		if runErr != nil {
			return ModelAnswer{}, runErr
		}
		var kinds []string
		var reasons []string
		conf := 1.0
		for _, a := range out.Actions {
			kinds = append(kinds, string(a.Kind))
			reasons = append(reasons, a.Reason)
			conf = min(conf, a.Confidence)
		}
		a := ModelAnswer{Result: "work-ordered", Confidence: conf, Fields: map[string]any{"area_id": area.ID, "actions": kinds}}
		if len(out.Actions) == 0 {
			a.Result, reasons = "no-work-needed", []string{"Väderdata kräver ingen plogning, sandning eller saltning."}
		}
		a.Motivering = fmt.Sprintf("Område %s: %s", area.ID, strings.Join(reasons, " "))
		if len(out.Missing) > 0 {
			a.Confidence = 0
			a.Motivering += missing()
		}
		return a, nil
	})
	ds := []rules.Decision{order}
	var heat *rules.Decision
	if area.HeatingSite != "" {
		hs := step
		hs.StepID = StepGroundHeating
		_, hs.AutomationAllowed = s.stepAutomated(CaseTypeSnowWorkOrder, StepGroundHeating, true)
		h := DecideByModel(ctx, hs, at, func(context.Context) (ModelAnswer, error) {
			if runErr != nil {
				return ModelAnswer{}, runErr
			}
			a := ModelAnswer{Result: "heating-off", Confidence: out.Heating.Confidence, Motivering: out.Heating.Reason,
				Fields: map[string]any{"site_id": area.HeatingSite, "heating_on": out.Heating.On}}
			if out.Heating.On {
				a.Result = "heating-on"
			}
			return a, nil
		})
		ds, heat = append(ds, h), &h
	}
	// The work orders are published before the decisions are recorded,
	// only for a decision not on record yet: a crash in between publishes
	// them again with the same ids.
	onRecord, err := s.store.recorded(ctx, order.DecisionID)
	if err != nil {
		return err
	}
	if !onRecord && order.Outcome == schemas.OutcomeCompleted && runErr == nil {
		var msgs []*message.Message
		for _, a := range out.Actions {
			wo := schemas.SnowClearing{
				OperationID: "WO-" + area.ID + "-" + day + "-" + string(a.Kind), AreaID: area.ID, AreaName: area.Name,
				Kind: a.Kind, Status: schemas.OperationPlanned, StartTime: at, TriggeredBy: a.TriggeredBy, DecisionID: order.DecisionID,
			}
			if m, err := operation(wo.OperationID, area.ID, wo); err == nil {
				msgs = append(msgs, m)
			}
		}
		if len(msgs) > 0 {
			if err := s.pub.Publish(TopicSnowClearing, msgs...); err != nil {
				return err
			}
		}
	}
	if heat != nil && heat.Outcome == schemas.OutcomeCompleted && out.Heating.On {
		done, err := s.store.recorded(ctx, heat.DecisionID)
		if err != nil {
			return err
		}
		if !done {
			gh := schemas.GroundHeating{
				OperationID: "GH-" + area.HeatingSite + "-" + at.In(stockholm).Format("2006010215"), SiteID: area.HeatingSite,
				Kind: schemas.HeatingAntiIcing, Status: schemas.OperationPlanned, StartTime: at,
				TriggeredBy: schemas.TriggerForecast, DecisionID: heat.DecisionID,
			}
			m, err := operation(gh.OperationID, area.ID, gh)
			if err != nil {
				return err
			}
			if err := s.pub.Publish(TopicGroundHeating, m); err != nil {
				return err
			}
		}
	}
	return s.openCase(ctx, schemas.CaseOpened{
		CaseID: caseID, CaseType: CaseTypeSnowWorkOrder, CaseTypeVersion: version, OpenedAt: at,
		OrgUnitID: s.cfg.SnowUnit, SubjectRef: "roads.snow-area/" + area.ID, Deadline: schemas.DateOf(at.In(stockholm)),
		OpenedBy: &schemas.Actor{Kind: schemas.ActorModel, ID: snow.Name, Version: snow.Version},
	}, ds)
}

// operation is a work order or heating event, its id derived from the
// operation id and status so that a re-publish is the same event.
func operation(opID, key string, v any) (*message.Message, error) {
	js, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m := message.NewMessage(CaseID("operation", opID+"/planned"), js)
	m.Metadata.Set(bus.MetadataPartitionKey, key)
	return m, nil
}

var stockholm = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return time.UTC
	}
	return loc
}()
