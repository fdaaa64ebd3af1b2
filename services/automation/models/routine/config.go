package routine

import (
	"errors"
	"fmt"
	"time"
)

// Name and Version identify the model in alarms and decision records
// (care.alarm.v1 model_id and model_version).
const (
	Name    = "routine"
	Version = "1.0.0"
)

// Config configures a Model. Zero fields take the defaults below, except
// Location, which is required: hours of the day are the home's wall clock.
type Config struct {
	// Location is the homes' time zone (Europe/Stockholm in Västerås).
	Location *time.Location
	// MinTrainingNights is how many complete nights a resident's training
	// window must hold; default 3. Fewer and Train refuses the resident.
	MinTrainingNights int
	// Step is how often the training window is sampled for the daytime
	// quiet spans; default 5 minutes.
	Step time.Duration
	// MinInactivity is the shortest daytime quiet span ever alarmed;
	// default 90 minutes.
	MinInactivity time.Duration
	// InactivitySlack multiplies the longest quiet span seen at that hour in
	// training to give the hour's threshold; default 1.25.
	InactivitySlack float64
	// MorningMargin is added to the latest wake-up time of training before
	// no-morning-activity is raised; default 30 minutes.
	MorningMargin time.Duration
	// WanderWindow is the window in which the rooms visited at night are
	// counted; default 30 minutes.
	WanderWindow time.Duration
	// MinWanderRooms is the fewest rooms (outside the bedroom) within
	// WanderWindow that can be night wandering; default 2.
	MinWanderRooms int
	// SilentAfter is the shortest silence of a daily sensor that is
	// alarmed; default 72 hours: a sensor firing on 80 % of days (see
	// DailyShare) may well skip a day, and then be silent for 48 hours.
	SilentAfter time.Duration
	// DailyShare is the share of training days a sensor must fire on to be
	// watched for silence; default 0.8.
	DailyShare float64
	// MinScore is the lowest score an alarm is raised with; default 0.5.
	MinScore float64
	// ReviewBelow is the confidence under which an alarm goes to a person
	// for triage (Alarm.ToPerson) instead of being dispatched; default 0.8.
	ReviewBelow float64
}

func (c *Config) setDefaults() {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Step, 5*time.Minute)
	def(&c.MinInactivity, 90*time.Minute)
	def(&c.MorningMargin, 30*time.Minute)
	def(&c.WanderWindow, 30*time.Minute)
	def(&c.SilentAfter, 72*time.Hour)
	if c.MinTrainingNights == 0 {
		c.MinTrainingNights = 3
	}
	if c.InactivitySlack == 0 {
		c.InactivitySlack = 1.25
	}
	if c.MinWanderRooms == 0 {
		c.MinWanderRooms = 2
	}
	if c.DailyShare == 0 {
		c.DailyShare = 0.8
	}
	if c.MinScore == 0 {
		c.MinScore = 0.5
	}
	if c.ReviewBelow == 0 {
		c.ReviewBelow = 0.8
	}
}

// Validate reports every problem of c, its zero fields taken as their
// defaults, at once.
func (c Config) Validate() error {
	c.setDefaults()
	var errs []error
	bad := func(field, want string) { errs = append(errs, fmt.Errorf("routine: config %s: %s", field, want)) }
	if c.Location == nil {
		bad("Location", "required (the homes' time zone)")
	}
	if c.MinTrainingNights < 1 {
		bad("MinTrainingNights", "want at least 1")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Step", c.Step}, {"MinInactivity", c.MinInactivity}, {"MorningMargin", c.MorningMargin},
		{"WanderWindow", c.WanderWindow}, {"SilentAfter", c.SilentAfter}} {
		if d.v < 0 {
			bad(d.name, "want a positive duration")
		}
	}
	if c.InactivitySlack < 1 {
		bad("InactivitySlack", "want at least 1")
	}
	if c.MinWanderRooms < 1 {
		bad("MinWanderRooms", "want at least 1")
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"DailyShare", c.DailyShare}, {"MinScore", c.MinScore}, {"ReviewBelow", c.ReviewBelow}} {
		if f.v < 0 || f.v > 1 {
			bad(f.name, "want a value in [0,1]")
		}
	}
	return errors.Join(errs...)
}
