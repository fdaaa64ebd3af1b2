package snow

import (
	"fmt"
	"slices"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// WinterCount is how often the model would have acted in one winter
// (1 October to 30 April) for one area, deciding each day at 06 UTC (when
// SMHI reads snow depth and closes the day's precipitation).
type WinterCount struct {
	// Winter is "2009/10" for October 2009 to April 2010.
	Winter string `json:"winter"`
	// Days is the days decided; Incomplete those that lacked a measure of
	// new snow (a station out of order).
	Days       int `json:"days"`
	Incomplete int `json:"incomplete"`
	Plough     int `json:"plough"`
	Salt       int `json:"salt"`
	Sand       int `json:"sand"`
	HeatingOn  int `json:"heating_on"`
	// MaxNewSnowCm is the most new snow measured on one day.
	MaxNewSnowCm float64 `json:"max_new_snow_cm"`
}

// EvaluateWinters decides every winter day from from to to (inclusive,
// 06 UTC each day) for area on obs and counts the work orders. There are no archived forecasts, so each day's
// forecast is the next day's observation (a perfect forecast: precipitation
// and mean air temperature of the following 24 h), which makes the heating
// count an upper bound of what a real forecast would switch on for.
func EvaluateWinters(cfg Config, area Area, obs []schemas.WeatherObservation, from, to time.Time) ([]WinterCount, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	obs = slices.Clone(obs)
	slices.SortFunc(obs, func(a, b schemas.WeatherObservation) int { return a.ObservedAt.Compare(b.ObservedAt) })
	var out []WinterCount
	for d := day6(from); !d.After(to); d = d.AddDate(0, 0, 1) {
		if m := d.Month(); m > time.April && m < time.October {
			continue
		}
		w := winterOf(d)
		if len(out) == 0 || out[len(out)-1].Winter != w {
			out = append(out, WinterCount{Winter: w})
		}
		if err := out[len(out)-1].decide(cfg, area, d, window(obs, d.Add(-48*time.Hour), d.Add(24*time.Hour))); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c *WinterCount) decide(cfg Config, area Area, at time.Time, obs []schemas.WeatherObservation) error {
	o, err := Decide(cfg, Input{Area: area, At: at, Observations: obs, Forecasts: hindcast(obs, at)})
	if err != nil {
		return err
	}
	c.Days++
	if o.NewSnowCm == nil {
		c.Incomplete++
	} else {
		c.MaxNewSnowCm = max(c.MaxNewSnowCm, *o.NewSnowCm)
	}
	for _, a := range o.Actions {
		switch a.Kind {
		case schemas.SnowPloughing:
			c.Plough++
		case schemas.SnowSalting:
			c.Salt++
		case schemas.SnowSanding:
			c.Sand++
		}
	}
	if o.Heating.On {
		c.HeatingOn++
	}
	return nil
}

// hindcast is a one-period forecast valid at at + 24 h made of the
// observations ending in (at, at + 24 h]: their precipitation and their
// latest air temperature.
func hindcast(obs []schemas.WeatherObservation, at time.Time) []schemas.WeatherForecast {
	next := observedDay(obs, at.Add(24*time.Hour))
	if next.airC == nil && next.precipMm == nil {
		return nil
	}
	return []schemas.WeatherForecast{{Source: "hindcast", LocationID: "hindcast", IssuedAt: at,
		ValidAt: at.Add(24 * time.Hour), Period: schemas.PeriodDay,
		AirTemperatureC: next.airC, PrecipitationMm: next.precipMm}}
}

// window is the sorted obs ending in [from, to].
func window(obs []schemas.WeatherObservation, from, to time.Time) []schemas.WeatherObservation {
	cmp := func(o schemas.WeatherObservation, t time.Time) int { return o.ObservedAt.Compare(t) }
	i, _ := slices.BinarySearchFunc(obs, from, cmp)
	j, found := slices.BinarySearchFunc(obs, to, cmp)
	for found && j < len(obs) && obs[j].ObservedAt.Equal(to) {
		j++
	}
	return obs[i:j]
}

// day6 is 06 UTC of t's day.
func day6(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 6, 0, 0, 0, time.UTC)
}

func winterOf(d time.Time) string {
	y := d.Year()
	if d.Month() <= time.April {
		y--
	}
	return fmt.Sprintf("%d/%02d", y, (y+1)%100)
}
