package simulate

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/vasteras/civicbus/connectors"
)

// Config configures a simulate connector (the config: part of its YAML).
//
//	scenario: preschool-applications
//	seed: 1980
//	start: 2024-01-01
//	end: 2024-12-31
//	volume: 1
//	batch_size: 500
type Config struct {
	// Scenario is what is simulated; see the package documentation.
	Scenario string `yaml:"scenario" json:"scenario" jsonschema:"enum=preschool-applications,enum=case-opened,enum=case-step-completed,enum=case-closed,enum=meal-purchases,enum=meal-portions,enum=population-register,enum=school-units,enum=snow-reports" jsonschema_description:"What is simulated: preschool-applications, case-opened, case-step-completed, case-closed (the preschool-placement cases of the applications of the same seed), meal-purchases, meal-portions (the same kitchens' lunches served), population-register (the register notices of the applications' children, 30 days ahead), school-units (the simulated preschools with their places) or snow-reports (citizens' snow and ice reports on snowy winter days)."`
	// Seed makes the simulation: the same seed and config give the same
	// records in the same order, every time, on every machine.
	Seed int64 `yaml:"seed" json:"seed,omitempty" jsonschema_description:"Seed of the simulation: the same seed and configuration give exactly the same records in the same order."`
	// Start is the first simulated day, YYYY-MM-DD (Europe/Stockholm).
	Start string `yaml:"start" json:"start" jsonschema:"format=date" jsonschema_description:"First simulated day (YYYY-MM-DD, Europe/Stockholm)."`
	// End is the last simulated day, inclusive; required unless Follow.
	End string `yaml:"end" json:"end,omitempty" jsonschema:"format=date" jsonschema_description:"Last simulated day, inclusive (YYYY-MM-DD). Required unless follow; after it the connector stops."`
	// Follow paces the records at Speed instead of sending them as fast
	// as they are read, and without End never stops.
	Follow bool `yaml:"follow" json:"follow,omitempty" jsonschema_description:"Send each record when its simulated time comes, at speed, instead of backfilling the period as fast as possible; without end it never stops."`
	// Speed is simulated seconds per real second when Follow; default 1.
	Speed float64 `yaml:"speed" json:"speed,omitempty" jsonschema:"exclusiveMinimum=0" jsonschema_description:"With follow: simulated seconds per real second (1 is real time, 3600 an hour a second). Default 1."`
	// Volume scales the simulated volumes (1 is Västerås); default 1.
	Volume float64 `yaml:"volume" json:"volume,omitempty" jsonschema:"exclusiveMinimum=0,maximum=100" jsonschema_description:"Scale factor of the volumes: 1 is Västerås's size, 0.1 a tenth (applications per day, kitchens). Default 1."`
	// BatchSize is the most records one Read returns; default 500.
	BatchSize int `yaml:"batch_size" json:"batch_size,omitempty" jsonschema:"minimum=1,maximum=10000" jsonschema_description:"Most records per batch. Default 500."`
}

// The defaults.
const (
	DefaultBatchSize = 500
	DefaultSpeed     = 1.0
	DefaultVolume    = 1.0
)

// Stockholm is the time zone of every simulated day and timestamp.
var Stockholm = mustLoad("Europe/Stockholm")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is linked in, so this cannot happen
	}
	return loc
}

func (c *Config) setDefaults() {
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.Speed == 0 {
		c.Speed = DefaultSpeed
	}
	if c.Volume == 0 {
		c.Volume = DefaultVolume
	}
}

// validate reports every problem of the configuration, given the scenarios
// known; it returns the parsed period.
func (c Config) validate(known []string) (start, end time.Time, err error) {
	var errs []error
	if !slices.Contains(known, c.Scenario) {
		errs = append(errs, fmt.Errorf("simulate: scenario: %q is not one of %s", c.Scenario, strings.Join(known, ", ")))
	}
	start, err = parseDay(c.Start)
	if err != nil {
		errs = append(errs, fmt.Errorf("simulate: start: %w", err))
	}
	switch {
	case c.End == "" && !c.Follow:
		errs = append(errs, errors.New("simulate: end: required unless follow is true"))
	case c.End != "":
		if end, err = parseDay(c.End); err != nil {
			errs = append(errs, fmt.Errorf("simulate: end: %w", err))
		} else if !start.IsZero() && end.Before(start) {
			errs = append(errs, errors.New("simulate: end: before start"))
		}
	}
	if c.Speed < 0 {
		errs = append(errs, errors.New("simulate: speed: must be positive"))
	}
	if c.Volume < 0 || c.Volume > 100 {
		errs = append(errs, errors.New("simulate: volume: must be above 0 and at most 100"))
	}
	if c.BatchSize < 0 || c.BatchSize > 10000 {
		errs = append(errs, errors.New("simulate: batch_size: must be 1 to 10000"))
	}
	return start, end, errors.Join(errs...)
}

// parseDay parses YYYY-MM-DD as midnight in Stockholm.
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("required, as YYYY-MM-DD")
	}
	t, err := time.ParseInLocation(time.DateOnly, s, Stockholm)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	return t, nil
}

// Kind is the simulate connector kind, with the built-in scenarios.
func Kind() connectors.Kind { return kindOf(builtin) }

// New returns the Source of cfg with the built-in scenarios.
func New(cfg Config, logger *slog.Logger) (*Source, error) { return newSource(cfg, builtin, logger) }

func kindOf(scenarios map[string]scenarioFunc) connectors.Kind {
	return connectors.KindOf("simulate", "seeded simulator of sources without real data; every record is labelled _simulated",
		func(cfg Config, logger *slog.Logger) (*Source, error) { return newSource(cfg, scenarios, logger) })
}
