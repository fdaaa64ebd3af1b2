package routine

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// TrainingNights is how many nights of a log [Evaluate] trains the model
// on; the rest are the test nights.
const TrainingNights = 7

// EvalKinds are the alarm kinds [Evaluate] injects.
var EvalKinds = []schemas.AlarmKind{schemas.AlarmLongInactivity, schemas.AlarmNoMorningActivity,
	schemas.AlarmNightWandering, schemas.AlarmDoorOpenAtNight, schemas.AlarmSensorSilent}

// KindResult is the evaluation of one alarm kind: alarms raised, the true
// ones among them, injected scenarios and those found, and the figures.
type KindResult struct {
	Kind                           schemas.AlarmKind
	Alarms, Hits, Scenarios, Found int
	Precision, Recall              float64
	MeanDelay                      time.Duration // from injection to the first true alarm
	Example                        string        // the first true alarm's score and explanation
}

// Evaluation is the result of [Evaluate].
type Evaluation struct {
	TrainingNights, TestNights int
	Kinds                      []KindResult // in EvalKinds order
	Overall                    KindResult   // Kind empty
	// CleanNights are the untouched test nights and CleanNightAlarms the
	// (false) alarms on them.
	CleanNights, CleanNightAlarms int
	// FalseAlarms describes every alarm that was not the injected one.
	FalseAlarms []string
}

// Evaluate measures the model with cfg on a real sensor log of one
// resident (acts, in time order): it trains on the first TrainingNights
// nights, then runs each complete later night untouched and with each of
// seven injected anomalies (2 h and 4 h daytime inactivity, no morning
// activity, night wandering at 03:00, the entrance door at 03:30, a sensor
// silent for three days), checking every five minutes, and counts an
// alarm true when it is of the injected kind within the anomaly's span.
// Precision is true alarms over alarms; recall is scenarios found over
// scenarios.
func Evaluate(cfg Config, acts []schemas.SensorActivation) (Evaluation, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return Evaluation{}, err
	}
	if len(acts) == 0 {
		return Evaluation{}, errors.New("routine: evaluate: no activations")
	}
	res, falses, err := evaluate(cfg, acts)
	if err != nil {
		return Evaluation{}, err
	}
	ev := Evaluation{TrainingNights: TrainingNights, FalseAlarms: falses}
	var all KindResult
	for _, k := range EvalKinds {
		tl := res[k]
		if tl == nil {
			tl = &tally{}
		}
		kr := KindResult{Kind: k, Alarms: tl.alarms, Hits: tl.hits, Scenarios: tl.scenarios, Found: tl.found,
			Precision: ratio(tl.hits, tl.alarms), Recall: ratio(tl.found, tl.scenarios),
			MeanDelay: (tl.delay / time.Duration(max(tl.found, 1))).Round(time.Minute), Example: tl.example}
		ev.Kinds = append(ev.Kinds, kr)
		all.Alarms, all.Hits, all.Scenarios, all.Found = all.Alarms+kr.Alarms, all.Hits+kr.Hits, all.Scenarios+kr.Scenarios, all.Found+kr.Found
	}
	all.Precision, all.Recall = ratio(all.Hits, all.Alarms), ratio(all.Found, all.Scenarios)
	ev.Overall = all
	if clean := res[""]; clean != nil {
		ev.CleanNights, ev.CleanNightAlarms, ev.TestNights = clean.scenarios, clean.alarms, clean.scenarios
	}
	return ev, nil
}

// scenario is one test night, untouched or with one injected anomaly.
type scenario struct {
	night    time.Time
	kind     schemas.AlarmKind // "" for an untouched night
	from, to time.Time         // when the injected anomaly holds
	acts     []schemas.SensorActivation
}

// injection turns a test night's activations into a scenario.
type injection func(night time.Time, acts []schemas.SensorActivation) scenario

var injections = []injection{injectNone, injectInactivity(2 * time.Hour), injectInactivity(4 * time.Hour),
	injectNoMorning, injectWandering, injectDoor, injectSilent}

func injectNone(n time.Time, acts []schemas.SensorActivation) scenario {
	return scenario{night: n, acts: acts}
}

// injectInactivity: from an hour after the resident got up (when at home),
// nothing happens for d; sensors active then stop.
func injectInactivity(d time.Duration) injection {
	return func(n time.Time, acts []schemas.SensorActivation) scenario { return quietSpan(n, acts, d) }
}

func quietSpan(n time.Time, acts []schemas.SensorActivation, d time.Duration) scenario {
	s := gotUp(n, acts).Add(time.Hour).Truncate(10 * time.Minute)
	for isDoor(lastBefore(acts, s)) {
		s = s.Add(10 * time.Minute)
	}
	e := s.Add(d)
	var out []schemas.SensorActivation
	for _, a := range acts {
		if !a.StartedAt.Before(s) && a.StartedAt.Before(e) {
			continue
		}
		if a.StartedAt.Before(s) && a.EndedAt.After(s) {
			a.EndedAt = s
		}
		out = append(out, a)
	}
	return scenario{night: n, kind: schemas.AlarmLongInactivity, from: s, to: e, acts: out}
}

// injectNoMorning: the resident stays in the bedroom from 04:00 to 16:00.
func injectNoMorning(n time.Time, acts []schemas.SensorActivation) scenario {
	s, e := n.Add(13*time.Hour), n.Add(25*time.Hour)
	out := slices.DeleteFunc(slices.Clone(acts), func(a schemas.SensorActivation) bool {
		return a.Room != schemas.RoomBedroom && !a.StartedAt.Before(s) && a.StartedAt.Before(e)
	})
	return scenario{night: n, kind: schemas.AlarmNoMorningActivity, from: s, to: e, acts: out}
}

// injectWandering: at 03:00, sensors in the kitchen, living room and
// bathroom within a quarter of an hour.
func injectWandering(n time.Time, acts []schemas.SensorActivation) scenario {
	at := n.Add(12 * time.Hour)
	add := []schemas.SensorActivation{
		synthetic("fridge", schemas.SensorContact, schemas.RoomKitchen, at, time.Minute),
		synthetic("seat", schemas.SensorPressure, schemas.RoomLivingRoom, at.Add(5*time.Minute), 3*time.Minute),
		synthetic("basin", schemas.SensorMotion, schemas.RoomBathroom, at.Add(12*time.Minute), 2*time.Minute),
	}
	return scenario{night: n, kind: schemas.AlarmNightWandering, from: at, to: at.Add(45 * time.Minute),
		acts: sortedActs(append(slices.Clone(acts), add...))}
}

// injectDoor: the entrance door opens at 03:30.
func injectDoor(n time.Time, acts []schemas.SensorActivation) scenario {
	at := n.Add(12*time.Hour + 30*time.Minute)
	add := synthetic("main-door", schemas.SensorContact, schemas.RoomEntrance, at, 20*time.Second)
	return scenario{night: n, kind: schemas.AlarmDoorOpenAtNight, from: at, to: at.Add(15 * time.Minute),
		acts: sortedActs(append(slices.Clone(acts), add))}
}

// silentSensor is the sensor injectSilent silences: the fridge door,
// which fired on every training night.
const silentSensor = "fridge"

// injectSilent: the fridge sensor stops reporting 60 hours before night n
// begins and stays silent through it; the alarm is due when the silence
// passes SilentAfter (72 h), within night n or the half day before it.
func injectSilent(n time.Time, acts []schemas.SensorActivation) scenario {
	s, e := n.Add(-60*time.Hour), n.Add(24*time.Hour)
	out := slices.DeleteFunc(slices.Clone(acts), func(a schemas.SensorActivation) bool {
		return a.SensorID == silentSensor && !a.StartedAt.Before(s) && a.StartedAt.Before(e)
	})
	return scenario{night: n, kind: schemas.AlarmSensorSilent, from: s, to: e, acts: out}
}

func synthetic(object string, k schemas.SensorKind, room schemas.Room, at time.Time, d time.Duration) schemas.SensorActivation {
	return schemas.SensorActivation{SensorID: object, SensorKind: k, Object: object,
		Room: room, StartedAt: at, EndedAt: at.Add(d)}
}

// gotUp is the first start outside the bedroom after 06:00 of night n.
func gotUp(n time.Time, acts []schemas.SensorActivation) time.Time {
	for _, a := range acts {
		if a.Room != schemas.RoomBedroom && a.StartedAt.After(n.Add(15*time.Hour)) {
			return a.StartedAt
		}
	}
	return n.Add(20 * time.Hour)
}

func lastBefore(acts []schemas.SensorActivation, t time.Time) schemas.SensorActivation {
	var last schemas.SensorActivation
	for _, a := range acts {
		if a.StartedAt.Before(t) {
			last = a
		}
	}
	return last
}

func sortedActs(acts []schemas.SensorActivation) []schemas.SensorActivation {
	slices.SortStableFunc(acts, func(x, y schemas.SensorActivation) int { return x.StartedAt.Compare(y.StartedAt) })
	return acts
}

// tally counts, per alarm kind, alarms raised, the true ones among them,
// and injected scenarios found.
type tally struct {
	alarms, hits, scenarios, found int
	delay                          time.Duration // summed from injection to the first true alarm
	example                        string        // the first true alarm's explanation
}

// run replays sc against a model trained on train, checking every five
// minutes up to the end of sc's night, and returns the alarms raised
// within that night, and those of the injected kind raised since the
// injection began.
func run(cfg Config, train []schemas.SensorActivation, until time.Time, sc scenario) ([]Alarm, error) {
	m, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.Train(train, until); err != nil {
		return nil, err
	}
	var out []Alarm
	i := 0
	for now := until; now.Before(sc.night.Add(24 * time.Hour)); now = now.Add(5 * time.Minute) {
		for ; i < len(sc.acts) && !sc.acts[i].StartedAt.After(now); i++ {
			m.Observe(sc.acts[i])
		}
		for _, a := range m.Check(now) {
			if !now.Before(sc.night) || (a.Kind == sc.kind && !now.Before(sc.from)) {
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// evaluate trains on the first TrainingNights nights and runs every
// injection on every complete test night.
func evaluate(cfg Config, acts []schemas.SensorActivation) (map[schemas.AlarmKind]*tally, []string, error) {
	first := nightOf(acts[0].StartedAt, cfg.Location)
	until := first.AddDate(0, 0, TrainingNights)
	last := nightOf(acts[len(acts)-1].StartedAt, cfg.Location) // incomplete: not tested
	var test []schemas.SensorActivation
	for _, a := range acts {
		if !a.StartedAt.Before(until) {
			test = append(test, a)
		}
	}
	res := map[schemas.AlarmKind]*tally{}
	get := func(k schemas.AlarmKind) *tally {
		if res[k] == nil {
			res[k] = &tally{}
		}
		return res[k]
	}
	var falses []string
	for n := until; n.Before(last); n = n.AddDate(0, 0, 1) {
		for _, inj := range injections {
			sc := inj(n, test)
			for i := range sc.acts {
				if sc.acts[i].ResidentID == "" { // an injected activation
					sc.acts[i].ResidentID = acts[0].ResidentID
				}
			}
			if sc.from.Before(until) && sc.kind != "" {
				continue // the injection would reach into training
			}
			found := false
			alarms, err := run(cfg, acts, until, sc)
			if err != nil {
				return nil, nil, err
			}
			for _, a := range alarms {
				tl := get(a.Kind)
				tl.alarms++
				if a.Kind == sc.kind && !a.RaisedAt.Before(sc.from) && !a.RaisedAt.After(sc.to) {
					tl.hits++
					if !found {
						tl.delay += a.RaisedAt.Sub(sc.from)
					}
					if tl.example == "" {
						tl.example = fmt.Sprintf("score %.2f, confidence %.2f: %s", a.Score, a.Confidence, a.Explanation)
					}
					found = true
					continue
				}
				if sc.kind == "" {
					get("").alarms++ // false alarms on untouched nights
				}
				falses = append(falses, fmt.Sprintf("night %s, injected %q: %s %s score %.2f: %s",
					n.Format("01-02"), sc.kind, a.RaisedAt.In(cfg.Location).Format("01-02 15:04"), a.Kind, a.Score, a.Explanation))
			}
			if sc.kind == "" {
				get("").scenarios++
			} else {
				get(sc.kind).scenarios++
				if found {
					get(sc.kind).found++
				}
			}
		}
	}
	return res, falses, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
