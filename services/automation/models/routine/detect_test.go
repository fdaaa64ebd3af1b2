package routine

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

var testZone = time.FixedZone("CET", 60*60)

const testResident = "res-test-1"

// day0 is the first synthetic night's start (15:00); the resident's first
// bedtime is that evening.
var day0 = time.Date(2025, 1, 6, 15, 0, 0, 0, testZone)

// act is one synthetic activation on day d (0-based, counted from day0's
// date) at hh:mm, lasting dur.
func act(d, hh, mm int, dur time.Duration, object string, k schemas.SensorKind, room schemas.Room) schemas.SensorActivation {
	at := time.Date(2025, 1, 6+d, hh, mm, 0, 0, testZone)
	return schemas.SensorActivation{ResidentID: testResident, SensorID: object, SensorKind: k, Object: object,
		Room: room, StartedAt: at, EndedAt: at.Add(dur)}
}

// routineDay is a regular day d: up at 07:00, seated most of the day,
// in bed at 23:00 until 07:00 the next day.
func routineDay(d int) []schemas.SensorActivation {
	m, p := schemas.SensorMotion, schemas.SensorPressure
	c := schemas.SensorContact
	return []schemas.SensorActivation{
		act(d, 7, 0, 5*time.Minute, "basin", m, schemas.RoomBathroom),
		act(d, 7, 10, time.Minute, "fridge", c, schemas.RoomKitchen),
		act(d, 7, 30, 150*time.Minute, "seat", p, schemas.RoomLivingRoom),
		act(d, 10, 5, time.Minute, "fridge", c, schemas.RoomKitchen),
		act(d, 10, 10, 110*time.Minute, "seat", p, schemas.RoomLivingRoom),
		act(d, 12, 5, 2*time.Minute, "basin", m, schemas.RoomBathroom),
		act(d, 12, 10, time.Minute, "fridge", c, schemas.RoomKitchen),
		act(d, 12, 30, 330*time.Minute, "seat", p, schemas.RoomLivingRoom),
		act(d, 18, 5, time.Minute, "fridge", c, schemas.RoomKitchen),
		act(d, 18, 30, 260*time.Minute, "seat", p, schemas.RoomLivingRoom),
		act(d, 22, 55, 3*time.Minute, "basin", m, schemas.RoomBathroom),
		act(d, 23, 0, 8*time.Hour, "bed", p, schemas.RoomBedroom),
	}
}

// days is the regular routine of days [from, to).
func days(from, to int) []schemas.SensorActivation {
	var acts []schemas.SensorActivation
	for d := from; d < to; d++ {
		acts = append(acts, routineDay(d)...)
	}
	return acts
}

// trained is a model trained on train up to day0 + 7 days.
func trained(t testing.TB, cfg Config, train []schemas.SensorActivation) *Model {
	t.Helper()
	cfg.Location = testZone
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Train(train, day0.AddDate(0, 0, 7)); err != nil {
		t.Fatal(err)
	}
	return m
}

// replayAlarms observes acts (sorted) and checks every five minutes from day0+7
// days until end, returning every alarm.
func replayAlarms(m *Model, acts []schemas.SensorActivation, end time.Time) []Alarm {
	var out []Alarm
	i := 0
	for now := day0.AddDate(0, 0, 7); now.Before(end); now = now.Add(5 * time.Minute) {
		for ; i < len(acts) && !acts[i].StartedAt.After(now); i++ {
			m.Observe(acts[i])
		}
		out = append(out, m.Check(now)...)
	}
	return out
}

// only checks that alarms are exactly one alarm of kind k and returns it.
func only(t *testing.T, alarms []Alarm, k schemas.AlarmKind) Alarm {
	t.Helper()
	if len(alarms) != 1 || alarms[0].Kind != k {
		t.Fatalf("alarms %+v, want one %s", alarms, k)
	}
	a := alarms[0]
	if a.Score <= 0.5 || a.Score > 1 || a.Confidence <= 0 || a.Confidence > 1 {
		t.Errorf("score %.3f, confidence %.3f, want in (0.5,1] and (0,1]", a.Score, a.Confidence)
	}
	if a.ResidentID != testResident || strings.Contains(a.Explanation, testResident) || a.Explanation == "" {
		t.Errorf("resident %q, explanation %q: want the resident on the alarm and never in the text", a.ResidentID, a.Explanation)
	}
	return a
}

func without(acts []schemas.SensorActivation, drop func(schemas.SensorActivation) bool) []schemas.SensorActivation {
	var out []schemas.SensorActivation
	for _, a := range acts {
		if !drop(a) {
			out = append(out, a)
		}
	}
	return out
}

func TestRegularRoutineRaisesNothing(t *testing.T) {
	m := trained(t, Config{}, days(0, 8))
	if got := replayAlarms(m, days(7, 10), day0.AddDate(0, 0, 9)); len(got) != 0 {
		t.Fatalf("alarms on regular days: %+v", got)
	}
}

func TestLongInactivity(t *testing.T) {
	m := trained(t, Config{}, days(0, 8))
	// Day 8: after the 10:05 fridge nothing until 14:00, the seat unused.
	test := without(days(7, 10), func(a schemas.SensorActivation) bool {
		s := a.StartedAt
		return s.After(time.Date(2025, 1, 14, 10, 6, 0, 0, testZone)) && s.Before(time.Date(2025, 1, 14, 14, 0, 0, 0, testZone))
	})
	a := only(t, replayAlarms(m, test, day0.AddDate(0, 0, 9)), schemas.AlarmLongInactivity)
	if want := time.Date(2025, 1, 14, 10, 6, 0, 0, testZone); !a.From.Equal(want) {
		t.Errorf("from %s, want %s (the fridge door closed)", a.From, want)
	}
	// The limit is MinInactivity (90 min): the seat leaves no quiet span.
	if want := time.Date(2025, 1, 14, 11, 40, 0, 0, testZone); !a.RaisedAt.Equal(want) {
		t.Errorf("raised %s, want %s", a.RaisedAt, want)
	}
	if !strings.Contains(a.Explanation, "Ingen aktivitet sedan 10:06") {
		t.Errorf("explanation %q", a.Explanation)
	}
	// Seven complete training nights: confidence 7/9, below the default
	// ReviewBelow 0.8, so a person triages the alarm.
	if !a.ToPerson || a.Confidence != 7.0/9 {
		t.Errorf("confidence %.3f, to person %v: want 7/9 from seven nights, to a person", a.Confidence, a.ToPerson)
	}
	m = trained(t, Config{ReviewBelow: 0.7}, days(0, 8))
	if a := only(t, replayAlarms(m, test, day0.AddDate(0, 0, 9)), schemas.AlarmLongInactivity); a.ToPerson {
		t.Error("confidence 7/9 above ReviewBelow 0.7: want the alarm dispatched")
	}
}

func TestInactivityNotRaisedWhenOut(t *testing.T) {
	m := trained(t, Config{}, days(0, 8))
	test := without(days(7, 10), func(a schemas.SensorActivation) bool {
		s := a.StartedAt
		return s.After(time.Date(2025, 1, 14, 10, 6, 0, 0, testZone)) && s.Before(time.Date(2025, 1, 14, 14, 0, 0, 0, testZone))
	})
	test = append(test, act(8, 10, 7, 10*time.Second, "main-door", schemas.SensorContact, schemas.RoomEntrance))
	test = sortedActs(test)
	for _, a := range replayAlarms(m, test, day0.AddDate(0, 0, 9)) {
		if a.Kind == schemas.AlarmLongInactivity {
			t.Fatalf("inactivity alarm while presumed out: %+v", a)
		}
	}
}

func TestNoMorningActivity(t *testing.T) {
	m := trained(t, Config{}, days(0, 8))
	test := without(days(7, 10), func(a schemas.SensorActivation) bool {
		return a.Room != schemas.RoomBedroom && a.StartedAt.Year() == 2025 && a.StartedAt.YearDay() == 14 && a.StartedAt.Hour() < 14
	})
	a := only(t, replayAlarms(m, test, day0.AddDate(0, 0, 9)), schemas.AlarmNoMorningActivity)
	// Latest training wake-up 07:00 plus the 30-minute margin.
	if want := time.Date(2025, 1, 14, 7, 30, 0, 0, testZone); !a.RaisedAt.Equal(want) {
		t.Errorf("raised %s, want %s", a.RaisedAt, want)
	}
}

func TestNightWandering(t *testing.T) {
	m := trained(t, Config{}, days(0, 8))
	test := sortedActs(append(days(7, 10),
		act(9, 3, 0, time.Minute, "fridge", schemas.SensorContact, schemas.RoomKitchen),
		act(9, 3, 5, time.Minute, "seat", schemas.SensorPressure, schemas.RoomLivingRoom),
		act(9, 3, 10, time.Minute, "basin", schemas.SensorMotion, schemas.RoomBathroom)))
	a := only(t, replayAlarms(m, test, day0.AddDate(0, 0, 9)), schemas.AlarmNightWandering)
	if want := time.Date(2025, 1, 15, 3, 5, 0, 0, testZone); !a.RaisedAt.Equal(want) {
		t.Errorf("raised %s, want %s (the second room)", a.RaisedAt, want)
	}
	// A single trip to the bathroom at night is not wandering.
	m = trained(t, Config{}, days(0, 8))
	test = sortedActs(append(days(7, 10), act(9, 3, 0, 3*time.Minute, "basin", schemas.SensorMotion, schemas.RoomBathroom)))
	if got := replayAlarms(m, test, day0.AddDate(0, 0, 9)); len(got) != 0 {
		t.Fatalf("alarms for one bathroom visit: %+v", got)
	}
}

func TestDoorOpenAtNight(t *testing.T) {
	door := func(d int) schemas.SensorActivation {
		return act(d, 2, 0, 20*time.Second, "main-door", schemas.SensorContact, schemas.RoomEntrance)
	}
	m := trained(t, Config{}, days(0, 8))
	a := only(t, replayAlarms(m, sortedActs(append(days(7, 10), door(9))), day0.AddDate(0, 0, 9)), schemas.AlarmDoorOpenAtNight)
	if !strings.Contains(a.Explanation, "Ytterdörren öppnades 02:00") || !strings.Contains(a.Explanation, "0 av 7 nätter") {
		t.Errorf("explanation %q", a.Explanation)
	}
	// A resident who opens the door every night is not alarmed: score below MinScore.
	train := days(0, 8)
	for d := 1; d < 8; d++ {
		train = append(train, door(d))
	}
	m = trained(t, Config{}, sortedActs(train))
	if got := replayAlarms(m, sortedActs(append(days(7, 10), door(9))), day0.AddDate(0, 0, 9)); len(got) != 0 {
		t.Fatalf("alarms for a usual night-time door: %+v", got)
	}
}

func TestSensorSilent(t *testing.T) {
	m := trained(t, Config{}, days(0, 8))
	test := without(days(7, 13), func(a schemas.SensorActivation) bool { return a.SensorID == "fridge" })
	a := only(t, replayAlarms(m, test, day0.AddDate(0, 0, 12)), schemas.AlarmSensorSilent)
	// Last fridge activation before the training cut: day 7 at 12:10;
	// silent 72 h (SilentAfter) later.
	if want := time.Date(2025, 1, 16, 12, 10, 0, 0, testZone); !a.RaisedAt.Equal(want) {
		t.Errorf("raised %s, want %s", a.RaisedAt, want)
	}
	if !strings.Contains(a.Explanation, "kylskåp") {
		t.Errorf("explanation %q", a.Explanation)
	}
}

func TestDeterministic(t *testing.T) {
	test := sortedActs(append(days(7, 12), act(9, 3, 0, time.Minute, "fridge", schemas.SensorContact, schemas.RoomKitchen),
		act(9, 3, 5, time.Minute, "seat", schemas.SensorPressure, schemas.RoomLivingRoom)))
	a := replayAlarms(trained(t, Config{}, days(0, 8)), test, day0.AddDate(0, 0, 12))
	b := replayAlarms(trained(t, Config{}, days(0, 8)), test, day0.AddDate(0, 0, 12))
	if len(a) == 0 || !reflect.DeepEqual(a, b) {
		t.Fatalf("two runs differ or raise nothing:\n%+v\n%+v", a, b)
	}
}

func TestTrainRefusesShortHistory(t *testing.T) {
	m, err := New(Config{Location: testZone})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Train(days(0, 3), day0.AddDate(0, 0, 1)) // two nights
	if err == nil || strings.Contains(err.Error(), testResident) {
		t.Fatalf("error %v: want one that does not name the resident", err)
	}
	if m.Watching(testResident) {
		t.Error("watching a resident without a baseline")
	}
}

func TestConfigValidate(t *testing.T) {
	_, err := New(Config{InactivitySlack: 0.5, MinScore: 2})
	for _, want := range []string{"Location", "InactivitySlack", "MinScore"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v: want it to name %s", err, want)
		}
	}
}

func TestAlarmEvent(t *testing.T) {
	a := Alarm{ResidentID: testResident, Kind: schemas.AlarmFall, RaisedAt: day0, Score: 0.9, Explanation: "x"}
	e := a.Event("5b2e8f1a-0c4d-4e7b-9f36-a1d2c3b4e5f6")
	if e.ModelID != "routine" || e.ModelVersion != "1.0.0" || e.Source != schemas.AlarmFromModel ||
		e.Status != schemas.AlarmRaised || e.Score == nil || *e.Score != 0.9 || e.ResidentID != testResident {
		t.Fatalf("event %+v", e)
	}
}

func TestScore(t *testing.T) {
	samples := []float64{1, 2, 3, 4}
	prev := -1.0
	for _, x := range []float64{0.5, 2, 4, 5, 8, 100} {
		s := score(samples, x)
		if s < 0 || s > 1 || s < prev {
			t.Fatalf("score(%v) = %v after %v: want in [0,1] and not decreasing", x, s, prev)
		}
		prev = s
	}
}

func TestResidentsApart(t *testing.T) {
	other := func(acts []schemas.SensorActivation) []schemas.SensorActivation {
		out := make([]schemas.SensorActivation, len(acts))
		for i, a := range acts {
			a.ResidentID = "res-test-2"
			out[i] = a
		}
		return out
	}
	m := trained(t, Config{}, append(days(0, 8), other(days(0, 8))...))
	// The second resident opens the door at night; the first does not.
	test := sortedActs(append(append(days(7, 10), other(days(7, 10))...),
		other([]schemas.SensorActivation{act(9, 2, 0, 20*time.Second, "main-door", schemas.SensorContact, schemas.RoomEntrance)})...))
	alarms := replayAlarms(m, test, day0.AddDate(0, 0, 9))
	if len(alarms) != 1 || alarms[0].ResidentID != "res-test-2" || alarms[0].Kind != schemas.AlarmDoorOpenAtNight {
		t.Fatalf("alarms %+v, want one door alarm for res-test-2", alarms)
	}
	stranger := act(9, 3, 0, time.Minute, "fridge", schemas.SensorContact, schemas.RoomKitchen)
	stranger.ResidentID = "res-unknown"
	m.Observe(stranger) // ignored: no baseline
	if !m.Watching(testResident) || m.Watching("res-unknown") {
		t.Error("Watching: want the trained residents only")
	}
}
