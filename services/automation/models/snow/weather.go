package snow

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// observed is what the stations measured in the 24 h before a decision.
type observed struct {
	depthNow, depthBefore *float64 // snow depth at the latest reading ≤ At, and ≤ At − 24 h
	precipMm              *float64 // sum over the day
	airC, surfaceC, dewC  *float64 // latest in the day
}

// observedDay reads the observations ending in (at − 24 h, at].
func observedDay(obs []schemas.WeatherObservation, at time.Time) observed {
	var o observed
	from := at.Add(-24 * time.Hour)
	var tNow, tBefore, tTemp time.Time
	for _, w := range obs {
		t := w.ObservedAt
		if t.After(at) {
			continue
		}
		if w.SnowDepthCm != nil {
			if t.After(from) && t.After(tNow) {
				o.depthNow, tNow = w.SnowDepthCm, t
			} else if !t.After(from) && t.After(tBefore) && from.Sub(t) < 24*time.Hour {
				o.depthBefore, tBefore = w.SnowDepthCm, t
			}
		}
		if !t.After(from) {
			continue
		}
		if w.PrecipitationMm != nil && w.Period != schemas.PeriodInstant && w.Period != "" {
			o.precipMm = add(o.precipMm, *w.PrecipitationMm)
		}
		if t.After(tTemp) && (w.AirTemperatureC != nil || w.RoadSurfaceTemperatureC != nil) {
			o.airC, o.surfaceC, o.dewC, tTemp = w.AirTemperatureC, w.RoadSurfaceTemperatureC, w.DewPointC, t
		}
	}
	return o
}

func add(p *float64, x float64) *float64 {
	if p == nil {
		return &x
	}
	v := *p + x
	return &v
}

// newSnow is the larger of two measures of the day's new snow: the rise in
// snow depth (which settling of old snow understates) and the
// precipitation that fell at or below SnowMaxC times SnowCmPerMm (which
// drifting and wet snow misstate); false when neither was measured.
func (o observed) newSnow(cfg Config) (float64, bool) {
	cm, ok := 0.0, false
	if o.depthNow != nil && o.depthBefore != nil {
		cm, ok = math.Max(0, *o.depthNow-*o.depthBefore), true
	}
	if o.precipMm != nil && o.airC != nil {
		if *o.airC <= cfg.SnowMaxC {
			cm = math.Max(cm, *o.precipMm*cfg.SnowCmPerMm)
		}
		ok = true
	}
	return math.Round(cm*10) / 10, ok
}

// surface is the surface temperature: the road's when measured, else the
// air's.
func surface(road, air *float64) (float64, bool) {
	switch {
	case road != nil:
		return *road, true
	case air != nil:
		return *air, true
	}
	return 0, false
}

// slippery says whether a moist surface at tempC lies in the near-0 °C
// band, and how confidently: 0.5 at the band's edge, 1 at its middle.
func slippery(cfg Config, tempC, precipMm float64, frost bool) (float64, bool) {
	if (precipMm < cfg.MoistureMm && !frost) || tempC < cfg.IceMinC || tempC > cfg.IceMaxC {
		return 0, false
	}
	half := (cfg.IceMaxC - cfg.IceMinC) / 2
	return edgeConfidence(math.Min(tempC-cfg.IceMinC, cfg.IceMaxC-tempC), half), true
}

// antiSlip orders salting (salted network, surface at or above SaltMinC)
// or sanding when the observed day, or else the forecast, has a moist
// surface near 0 °C.
func antiSlip(cfg Config, a Area, o observed, fc []schemas.WeatherForecast) (Action, bool) {
	if t, ok := surface(o.surfaceC, o.airC); ok && o.precipMm != nil {
		frost := o.dewC != nil && o.surfaceC != nil && *o.dewC >= *o.surfaceC
		if conf, ok := slippery(cfg, t, *o.precipMm, frost); ok {
			return treat(cfg, a, t, schemas.TriggerObservation,
				fmt.Sprintf("%.1f mm nederbörd senaste dygnet vid %.1f °C", *o.precipMm, t), conf), true
		}
	}
	for _, f := range fc {
		t, ok := surface(f.RoadSurfaceTemperatureC, f.AirTemperatureC)
		if !ok {
			continue
		}
		if conf, ok := slippery(cfg, t, forecastMoisture(cfg, f), forecastFrost(f)); ok {
			return treat(cfg, a, t, schemas.TriggerForecast,
				fmt.Sprintf("prognosen för %s visar nederbörd eller rimfrost vid %.1f °C", f.ValidAt.UTC().Format("2006-01-02 15:04 UTC"), t), conf), true
		}
	}
	return Action{}, false
}

func treat(cfg Config, a Area, tempC float64, trigger schemas.OperationTrigger, why string, conf float64) Action {
	if a.Salted && tempC >= cfg.SaltMinC {
		return Action{Kind: schemas.SnowSalting, TriggeredBy: trigger, Confidence: conf,
			Reason: fmt.Sprintf("Halkrisk: %s (mellan %.0f och %.0f °C). Saltning, saltvägnät.", why, cfg.IceMinC, cfg.IceMaxC)}
	}
	return Action{Kind: schemas.SnowSanding, TriggeredBy: trigger, Confidence: conf,
		Reason: fmt.Sprintf("Halkrisk: %s (mellan %.0f och %.0f °C). Sandning: utanför saltvägnätet eller kallare än %.0f °C.", why, cfg.IceMinC, cfg.IceMaxC, cfg.SaltMinC)}
}

// forecastMoisture is a forecast's precipitation in mm, or its snowfall's
// water (snowfall / SnowCmPerMm) when that is more.
func forecastMoisture(cfg Config, f schemas.WeatherForecast) float64 {
	mm := 0.0
	if f.PrecipitationMm != nil {
		mm = *f.PrecipitationMm
	}
	if f.SnowfallCm != nil {
		mm = math.Max(mm, *f.SnowfallCm/cfg.SnowCmPerMm)
	}
	return mm
}

func forecastFrost(f schemas.WeatherForecast) bool {
	return f.DewPointC != nil && f.RoadSurfaceTemperatureC != nil && *f.DewPointC >= *f.RoadSurfaceTemperatureC && *f.RoadSurfaceTemperatureC <= 0
}

// heating recommends ground heating on when a forecast in the window is
// slippery (moist in the near-0 °C band), off otherwise.
func heating(cfg Config, fc []schemas.WeatherForecast) Heating {
	if len(fc) == 0 {
		return Heating{Reason: "Ingen prognos för de kommande timmarna; en människa avgör markvärmen.", Confidence: 0}
	}
	for _, f := range fc {
		t, ok := surface(f.RoadSurfaceTemperatureC, f.AirTemperatureC)
		if !ok {
			continue
		}
		if conf, ok := slippery(cfg, t, forecastMoisture(cfg, f), forecastFrost(f)); ok {
			return Heating{On: true, Confidence: conf, Reason: fmt.Sprintf(
				"Markvärme på: prognosen för %s visar nederbörd eller rimfrost vid %.1f °C (mellan %.0f och %.0f °C).",
				f.ValidAt.UTC().Format("2006-01-02 15:04 UTC"), t, cfg.IceMinC, cfg.IceMaxC)}
		}
	}
	return Heating{On: false, Confidence: 1, Reason: fmt.Sprintf(
		"Markvärme av: prognosen för de kommande %.0f timmarna visar ingen nederbörd eller rimfrost mellan %.0f och %.0f °C.",
		cfg.Horizon.Hours(), cfg.IceMinC, cfg.IceMaxC)}
}

// forecastWindow is the forecasts valid in (at, at + horizon], the latest
// issued per valid time, by valid time.
func forecastWindow(fs []schemas.WeatherForecast, at time.Time, horizon time.Duration) []schemas.WeatherForecast {
	latest := map[time.Time]schemas.WeatherForecast{}
	for _, f := range fs {
		if !f.ValidAt.After(at) || f.ValidAt.After(at.Add(horizon)) {
			continue
		}
		if cur, ok := latest[f.ValidAt]; !ok || f.IssuedAt.After(cur.IssuedAt) {
			latest[f.ValidAt] = f
		}
	}
	out := make([]schemas.WeatherForecast, 0, len(latest))
	for _, f := range latest {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b schemas.WeatherForecast) int { return a.ValidAt.Compare(b.ValidAt) })
	return out
}
