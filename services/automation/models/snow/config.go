package snow

import (
	"errors"
	"fmt"
	"time"
)

// Config holds the winter-maintenance thresholds. They are assumptions
// from common Swedish municipal practice (vinterväghållning), not law:
// each municipality sets its own in its maintenance standard, so all are
// configurable. A zero field takes its default.
type Config struct {
	// PloughPriorityCm is the new snow that starts ploughing on priority
	// roads (huvudgator, bussgator, prioriterade gång- och cykelvägar):
	// default 5 cm, the usual Swedish municipal start level.
	PloughPriorityCm float64 `json:"plough_priority_cm,omitempty"`
	// PloughOtherCm is the level on other roads (lokalgator): default 10 cm.
	PloughOtherCm float64 `json:"plough_other_cm,omitempty"`
	// SnowCmPerMm is the new snow one mm of precipitation gives when it
	// falls as snow: default 1 (the 10:1 snow-to-water rule of thumb).
	SnowCmPerMm float64 `json:"snow_cm_per_mm,omitempty"`
	// SnowMaxC is the air temperature at or below which precipitation is
	// counted as snow: default +1 °C.
	SnowMaxC float64 `json:"snow_max_c,omitempty"`
	// IceMinC and IceMaxC bound the "near 0 °C" band in which a moist
	// surface turns slippery and ground heating pays off: default −6 to
	// +2 °C. Colder snow is dry and is ploughed, not melted.
	IceMinC float64 `json:"ice_min_c,omitempty"`
	IceMaxC float64 `json:"ice_max_c,omitempty"`
	// SaltMinC is the lowest surface temperature at which salt still
	// thaws ice in practice: default −6 °C; colder, or on roads outside
	// the salted network, the model proposes sand.
	SaltMinC float64 `json:"salt_min_c,omitempty"`
	// MoistureMm is the precipitation that makes a surface moist: default
	// 0.1 mm, SMHI's smallest reported amount.
	MoistureMm float64 `json:"moisture_mm,omitempty"`
	// Horizon is how far ahead forecasts are read: default 24 h.
	Horizon time.Duration `json:"horizon,omitempty"`
}

// DefaultConfig is Config with every default.
func DefaultConfig() Config {
	var c Config
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.PloughPriorityCm, 5)
	def(&c.PloughOtherCm, 10)
	def(&c.SnowCmPerMm, 1)
	def(&c.SnowMaxC, 1)
	def(&c.IceMinC, -6)
	def(&c.IceMaxC, 2)
	def(&c.SaltMinC, -6)
	def(&c.MoistureMm, 0.1)
	if c.Horizon == 0 {
		c.Horizon = 24 * time.Hour
	}
}

// Validate reports every problem at once, zero fields taken as their
// defaults.
func (c Config) Validate() error {
	c.setDefaults()
	var errs []error
	add := func(msg string) { errs = append(errs, fmt.Errorf("snow: config: %s", msg)) }
	if c.PloughPriorityCm < 0 || c.PloughOtherCm < 0 || c.SnowCmPerMm < 0 || c.MoistureMm < 0 {
		add("plough_priority_cm, plough_other_cm, snow_cm_per_mm and moisture_mm must not be negative")
	}
	if c.IceMinC >= c.IceMaxC {
		add("ice_min_c must be below ice_max_c")
	}
	if c.Horizon < 0 {
		add("horizon must not be negative")
	}
	return errors.Join(errs...)
}
