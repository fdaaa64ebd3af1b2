package routine

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/vasteras/civicbus/demo/replay"
	"github.com/vasteras/civicbus/schemas"
)

// The real log: Ordóñez house A (UCI, CC BY 4.0), 14 days from 28 Nov 2011.
const ordonezLog = "../../../../demo/data/ordonez/OrdonezA_Sensors.txt"

const evalResident = "res-ordonez-a"

// trainingNights is how many nights of the log train the model; the rest
// are the test nights.
const trainingNights = 7

// loadOrdonez reads the real log as care.sensor-activation.v1 events.
func loadOrdonez(t testing.TB) []schemas.SensorActivation {
	t.Helper()
	f, err := os.Open(ordonezLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := replay.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	acts := make([]schemas.SensorActivation, len(raw))
	for i, r := range raw {
		if acts[i], err = r.Event(evalResident); err != nil {
			t.Fatal(err)
		}
	}
	return acts
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
	return schemas.SensorActivation{ResidentID: evalResident, SensorID: object, SensorKind: k, Object: object,
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
func run(t testing.TB, cfg Config, train []schemas.SensorActivation, until time.Time, sc scenario) []Alarm {
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Train(train, until); err != nil {
		t.Fatal(err)
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
	return out
}

// evaluate trains on the first trainingNights nights and runs every
// injection on every complete test night.
func evaluate(t testing.TB, cfg Config) (map[schemas.AlarmKind]*tally, []string) {
	acts := loadOrdonez(t)
	first := nightOf(acts[0].StartedAt, cfg.Location)
	until := first.AddDate(0, 0, trainingNights)
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
			if sc.from.Before(until) && sc.kind != "" {
				continue // the injection would reach into training
			}
			found := false
			for _, a := range run(t, cfg, acts, until, sc) {
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
	return res, falses
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Thresholds the evaluation must keep, set from what version 1.0.0
// measures (see the package doc): every injected anomaly was found, and
// the only false alarms came from one real early wake-up read as night
// wandering.
const (
	minRecall              = 0.85 // per kind: one miss in seven scenarios fails
	minPrecision           = 0.85 // per kind and overall, except night wandering
	minWanderPrecision     = 0.5
	maxCleanNightAlarmRate = 0.2 // false alarms per untouched night
)

var evalKinds = []schemas.AlarmKind{schemas.AlarmLongInactivity, schemas.AlarmNoMorningActivity,
	schemas.AlarmNightWandering, schemas.AlarmDoorOpenAtNight, schemas.AlarmSensorSilent}

// TestEvaluate trains on the first seven nights of the real log and runs
// every injected anomaly on every later complete night; it logs precision
// and recall per kind and fails when they fall below the thresholds.
func TestEvaluate(t *testing.T) {
	res, falses := evaluate(t, Config{Location: replay.Zone})
	for _, f := range falses {
		t.Log("false alarm: " + f)
	}
	var all tally
	t.Logf("%-20s %7s %5s %10s %6s %9s %7s %11s", "kind", "alarms", "true", "scenarios", "found", "precision", "recall", "mean delay")
	for _, k := range evalKinds {
		tl := res[k]
		if tl == nil {
			t.Fatalf("%s: no scenario", k)
		}
		all.alarms, all.hits, all.scenarios, all.found = all.alarms+tl.alarms, all.hits+tl.hits, all.scenarios+tl.scenarios, all.found+tl.found
		p, r := ratio(tl.hits, tl.alarms), ratio(tl.found, tl.scenarios)
		t.Logf("%-20s %7d %5d %10d %6d %9.2f %7.2f %11s", k, tl.alarms, tl.hits, tl.scenarios, tl.found, p, r,
			(tl.delay / time.Duration(max(tl.found, 1))).Round(time.Minute))
		floor := minPrecision
		if k == schemas.AlarmNightWandering {
			floor = minWanderPrecision
		}
		if p < floor || r < minRecall {
			t.Errorf("%s: precision %.2f (want ≥ %.2f), recall %.2f (want ≥ %.2f)", k, p, floor, r, minRecall)
		}
	}
	for _, k := range evalKinds {
		t.Logf("example %s: %s", k, res[k].example)
	}
	p, r := ratio(all.hits, all.alarms), ratio(all.found, all.scenarios)
	t.Logf("%-20s %7d %5d %10d %6d %9.2f %7.2f", "overall", all.alarms, all.hits, all.scenarios, all.found, p, r)
	clean := res[""]
	t.Logf("untouched nights: %d, false alarms on them: %d", clean.scenarios, clean.alarms)
	if p < minPrecision || r < minRecall {
		t.Errorf("overall: precision %.2f, recall %.2f", p, r)
	}
	if rate := float64(clean.alarms) / float64(clean.scenarios); rate > maxCleanNightAlarmRate {
		t.Errorf("%.2f false alarms per untouched night, want ≤ %.2f", rate, maxCleanNightAlarmRate)
	}
}
