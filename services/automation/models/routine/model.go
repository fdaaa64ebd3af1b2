package routine

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// Alarm is one unusual pattern found in a resident's home.
type Alarm struct {
	// ResidentID is the resident's pseudonym, as in the activations.
	ResidentID string
	Kind       schemas.AlarmKind
	// RaisedAt is the Check time that raised the alarm.
	RaisedAt time.Time
	// From and To bound the unusual span: the quiet span, the morning
	// without activity, the night-time window, or the sensor's silence.
	From, To time.Time
	// Score is how unusual the pattern is, in [0,1]: one minus the
	// baseline's tail probability of a pattern at least this extreme.
	Score float64
	// Confidence is how much the baseline behind the score is worth, in
	// [0,1]: n/(n+2) for n training days or nights.
	Confidence float64
	// ToPerson is true when Confidence is below Config.ReviewBelow: a
	// person triages the alarm before anyone is sent.
	ToPerson bool
	// Explanation says why, in plain Swedish, without any identifier.
	Explanation string

	episode string // what makes this alarm one episode, with Kind
}

// Event is a as a raised care.alarm.v1 event with the given alarm id.
func (a Alarm) Event(alarmID string) schemas.Alarm {
	score := a.Score
	return schemas.Alarm{
		AlarmID: alarmID, ResidentID: a.ResidentID, Kind: a.Kind, Status: schemas.AlarmRaised,
		RaisedAt: a.RaisedAt, Source: schemas.AlarmFromModel, Score: &score,
		ModelID: Name, ModelVersion: Version, Explanation: a.Explanation,
	}
}

// Model watches residents' homes for breaks in their routine. It is not
// safe for concurrent use; its output depends only on the activations
// given and the times passed to Check.
type Model struct {
	cfg       Config
	residents map[string]*resident
}

// resident is one watched resident: the baseline, the recent activations
// and the alarms already raised (so that each is raised once).
type resident struct {
	base   baseline
	track  *tracker
	raised map[string]bool
}

// New returns a Model with no residents; cfg's zero fields take defaults.
func New(cfg Config) (*Model, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Model{cfg: cfg, residents: map[string]*resident{}}, nil
}

// Train learns each resident's baseline from the activations in acts that
// started before until, using the complete nights (15:00 to 15:00) that
// end by until, and starts watching the resident from there on. A
// resident already watched is learned afresh. Residents with fewer than
// Config.MinTrainingNights nights are not watched (any earlier baseline is
// dropped); the error counts them, never naming them.
func (m *Model) Train(acts []schemas.SensorActivation, until time.Time) error {
	by := map[string][]schemas.SensorActivation{}
	for _, a := range acts {
		if a.StartedAt.Before(until) {
			by[a.ResidentID] = append(by[a.ResidentID], a)
		}
	}
	short := 0
	for id, as := range by {
		slices.SortStableFunc(as, func(x, y schemas.SensorActivation) int { return x.StartedAt.Compare(y.StartedAt) })
		b, ok := learn(m.cfg, as, until)
		if !ok {
			short++
			delete(m.residents, id)
			continue
		}
		r := &resident{base: b, track: newTracker(), raised: map[string]bool{}}
		for _, a := range as {
			r.track.observe(a)
		}
		r.track.prune(until)
		m.residents[id] = r
	}
	if short > 0 {
		return fmt.Errorf("routine: train: %d of %d residents have fewer than %d complete nights and are not watched",
			short, len(by), m.cfg.MinTrainingNights)
	}
	return nil
}

// Watching reports whether the model has a baseline for the resident.
func (m *Model) Watching(residentID string) bool { return m.residents[residentID] != nil }

// Observe records an activation; those of residents not watched are
// ignored. Activations may come in any order but should not start after
// the next Check's now.
func (m *Model) Observe(a schemas.SensorActivation) {
	if r := m.residents[a.ResidentID]; r != nil {
		r.track.observe(a)
	}
}

// Check returns the alarms that hold at now and were not returned by an
// earlier Check, sorted by resident and kind. Call it regularly (every few
// minutes) with a non-decreasing now.
func (m *Model) Check(now time.Time) []Alarm {
	var out []Alarm
	for _, id := range slices.Sorted(maps.Keys(m.residents)) {
		r := m.residents[id]
		for _, a := range r.check(m.cfg, now) {
			if a.Score < m.cfg.MinScore || r.raised[a.key()] {
				continue
			}
			r.raised[a.key()] = true
			a.ResidentID, a.RaisedAt = id, now
			a.ToPerson = a.Confidence < m.cfg.ReviewBelow
			out = append(out, a)
		}
		r.track.prune(now)
	}
	return out
}

// key identifies an alarm's episode, raised once.
func (a Alarm) key() string { return string(a.Kind) + " " + a.episode }

// ReviewBelow is the confidence under which an alarm goes to a person
// (Config.ReviewBelow, after defaults).
func (m *Model) ReviewBelow() float64 { return m.cfg.ReviewBelow }
