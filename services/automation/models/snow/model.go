package snow

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// Name and Version identify the model in decision records.
const (
	Name    = "snow-clearing"
	Version = "1.0.0"
)

// Area is a snow-clearing area (plogområde) and what its roads are.
type Area struct {
	ID string `json:"id"`
	// Priority is true for priority roads (huvudgator, bussgator,
	// prioriterade gång- och cykelvägar), ploughed at the lower threshold.
	Priority bool `json:"priority,omitempty"`
	// Salted is true when the area is in the salted network; others are
	// sanded.
	Salted bool `json:"salted,omitempty"`
}

// Input is what the model reads for one area at one time.
type Input struct {
	Area Area `json:"area"`
	// At is when the decision is made; observations up to At and forecasts
	// valid after it count.
	At time.Time `json:"at"`
	// Observations are the weather observed at the stations that stand for
	// the area, any order. Those ending in (At − 24 h, At] are read, plus
	// the snow depth at or before At − 24 h to measure new snow. Give each
	// station's precipitation in one period (hour or day): the sums of all
	// are added.
	Observations []schemas.WeatherObservation `json:"observations"`
	// Forecasts are forecasts for the area, any order; those valid in
	// (At, At + Horizon] are read, the latest issued per valid time.
	Forecasts []schemas.WeatherForecast `json:"forecasts"`
}

// Output is the work order for the area and the ground-heating advice.
type Output struct {
	Model   string    `json:"model"`
	Version string    `json:"version"`
	AreaID  string    `json:"area_id"`
	At      time.Time `json:"at"`
	// NewSnowCm is the new snow of the last 24 h as the model measured it
	// (nil when neither snow depth nor precipitation with temperature was
	// observed).
	NewSnowCm *float64 `json:"new_snow_cm"`
	// Actions is the work order: ploughing first, then sanding or salting;
	// empty when nothing is needed.
	Actions []Action `json:"actions"`
	Heating Heating  `json:"heating"`
	// Missing names the inputs the model lacked; a decision made without
	// them has confidence 0 and goes to a person.
	Missing []string `json:"missing,omitempty"`
}

// Action is one kind of work with its trigger and reason in Swedish.
// Confidence says how far past its threshold the trigger was: 0.5 at the
// threshold, 1 at twice the plough threshold or in the middle of the
// near-0 °C band.
type Action struct {
	Kind        schemas.SnowClearingKind `json:"kind"`
	TriggeredBy schemas.OperationTrigger `json:"triggered_by"`
	Reason      string                   `json:"reason"`
	Confidence  float64                  `json:"confidence"`
}

// Heating is the ground-heating recommendation (markvärme): on when the
// forecast has precipitation or frost in the near-0 °C band, off otherwise
// to save energy. Confidence is 0 without a forecast.
type Heating struct {
	On         bool    `json:"on"`
	Reason     string  `json:"reason"`
	Confidence float64 `json:"confidence"`
}

// Validate reports every problem of the input at once; messages name the
// field, never a value.
func (in Input) Validate() error {
	var errs []error
	if in.Area.ID == "" {
		errs = append(errs, errors.New("snow: area.id is empty"))
	}
	if in.At.IsZero() {
		errs = append(errs, errors.New("snow: at is zero"))
	}
	for i, o := range in.Observations {
		if o.ObservedAt.IsZero() {
			errs = append(errs, fmt.Errorf("snow: observations[%d].observed_at is zero", i))
		}
	}
	for i, f := range in.Forecasts {
		if f.ValidAt.IsZero() {
			errs = append(errs, fmt.Errorf("snow: forecasts[%d].valid_at is zero", i))
		}
	}
	return errors.Join(errs...)
}

// Decide makes the work order and the heating advice for in.Area at in.At.
func Decide(cfg Config, in Input) (Output, error) {
	if err := errors.Join(cfg.Validate(), in.Validate()); err != nil {
		return Output{}, err
	}
	cfg.setDefaults()
	obs := observedDay(in.Observations, in.At)
	fc := forecastWindow(in.Forecasts, in.At, cfg.Horizon)
	out := Output{Model: Name, Version: Version, AreaID: in.Area.ID, At: in.At, Actions: []Action{}}
	if snow, ok := obs.newSnow(cfg); ok {
		out.NewSnowCm = &snow
		if a, ok := plough(cfg, in.Area, snow); ok {
			out.Actions = append(out.Actions, a)
		}
	} else {
		out.Missing = append(out.Missing, "snow_depth_cm or precipitation_mm with air_temperature_c")
	}
	if _, ok := surface(obs.surfaceC, obs.airC); !ok {
		out.Missing = append(out.Missing, "air_temperature_c or road_surface_temperature_c")
	}
	if a, ok := antiSlip(cfg, in.Area, obs, fc); ok {
		out.Actions = append(out.Actions, a)
	}
	out.Heating = heating(cfg, fc)
	if len(fc) == 0 {
		out.Missing = append(out.Missing, "forecasts")
	}
	return out, nil
}

// plough orders ploughing when the new snow reaches the area's threshold.
func plough(cfg Config, a Area, snowCm float64) (Action, bool) {
	limit, roads := cfg.PloughOtherCm, "övriga vägar"
	if a.Priority {
		limit, roads = cfg.PloughPriorityCm, "prioriterade vägar"
	}
	if snowCm < limit {
		return Action{}, false
	}
	return Action{Kind: schemas.SnowPloughing, TriggeredBy: schemas.TriggerObservation,
		Reason:     fmt.Sprintf("%.0f cm nysnö senaste dygnet; plogning startar vid %.0f cm på %s.", snowCm, limit, roads),
		Confidence: edgeConfidence(snowCm-limit, limit)}, true
}

// edgeConfidence is the confidence of a decision whose value lies past
// past its threshold by scale units of the threshold: 0.5 at the
// threshold (a measurement error either way flips it), rising linearly to
// 1 at one scale past it.
func edgeConfidence(past, scale float64) float64 {
	if scale <= 0 {
		return 1
	}
	return 0.5 + 0.5*math.Max(0, math.Min(1, past/scale))
}
