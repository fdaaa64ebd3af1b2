package automation

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/demo/replay"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/contracts"
)

func publish(t *testing.T, conn bus.Connection, topic string, ids []string, events []any) {
	t.Helper()
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/test"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var msgs []*message.Message
	for i, e := range events {
		js, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, message.NewMessage(ids[i], js))
	}
	if err := pub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
}

// collect reads topic from the oldest record on, checking each against its
// contract.
type collected struct {
	mu   sync.Mutex
	msgs []*message.Message
}

func collect(t *testing.T, conn bus.Connection, topic string) *collected {
	t.Helper()
	c := &collected{}
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); sub.Close() })
	ch, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	ct, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for m := range ch {
			if err := ct.Check(topic, m.Metadata.Get(bus.HeaderDataSchema), m.Payload); err != nil {
				t.Errorf("%s: %v", topic, err)
			}
			c.mu.Lock()
			c.msgs = append(c.msgs, m)
			c.mu.Unlock()
			m.Ack()
		}
	}()
	return c
}

// count is how many messages were read, duplicates included.
func (c *collected) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

func (c *collected) distinct() map[string]*message.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]*message.Message{}
	for _, m := range c.msgs {
		out[m.UUID] = m
	}
	return out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func startService(t *testing.T, cfg Config) (*Service, func()) {
	t.Helper()
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return s, func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		s.Close()
	}
}

// TestPreschoolApplicationDecidedOnce: an application triggers the worked
// preschool rules; each decision is published once, valid, with its
// reasons and legal basis, completed steps are announced, and the same
// application delivered again decides nothing new.
func TestPreschoolApplicationDecidedOnce(t *testing.T) {
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	decisions := collect(t, conn, TopicDecision)
	steps := collect(t, conn, TopicStepCompleted)
	dir := filepath.Join("rules", "testdata", "examples", "preschool")
	s, stop := startService(t, Config{RulesDir: dir, Conn: conn, DB: filepath.Join(t.TempDir(), "a.db")})

	publish(t, conn, "population.resident-moved-in.v1", []string{"00000000-0000-4000-8000-0000000000a1"}, []any{map[string]any{
		"register_event_id": "navet-2023-000104568", "personnummer": "20230314-4568", "birth_date": "2023-03-14",
		"moved_in_on": "2023-03-20", "municipality_code": "1980",
	}})
	waitFor(t, "the register projection", func() bool {
		_, ok, _ := s.store.Get(context.Background(), ProjectionRegister, "20230314-4568")
		return ok
	})
	app := map[string]any{
		"application_id": "0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a13", "submitted_at": "2026-03-02T08:59:30+01:00", "kind": "new",
		"child_personnummer": "20230314-4568", "guardian_personnummer": "19900101-1234", "guardian_email": "vardnadshavare@example.se",
		"desired_start_date": "2026-08-17", "preferred_unit_ids": []string{"forskola-haga", "forskola-backby"}, "hours_per_week": 40,
	}
	publish(t, conn, "school.preschool-application.v1", []string{"00000000-0000-4000-8000-0000000000b1"}, []any{app})
	waitFor(t, "four decisions", func() bool { return len(decisions.distinct()) >= 4 })
	// The same event again: redelivered, or replayed from the DLQ.
	publish(t, conn, "school.preschool-application.v1", []string{"00000000-0000-4000-8000-0000000000b1"}, []any{app})
	time.Sleep(time.Second)
	ds := decisions.distinct()
	if len(ds) != 4 || decisions.count() != 4 {
		t.Fatalf("%d decisions (%d distinct), want 4 once each", decisions.count(), len(ds))
	}
	completed := 0
	for _, m := range ds {
		var d schemas.DecisionRecorded
		json.Unmarshal(m.Payload, &d)
		if d.Motivering == "" || len(d.LegalBasis) == 0 || d.DelegationRef == "" || !d.Automated || d.DecidedBy.Version == "" {
			t.Errorf("an incomplete decision record: %+v", d)
		}
		if js := string(m.Payload); slices.ContainsFunc([]string{"20230314-4568", "19900101-1234"}, func(p string) bool { return strings.Contains(js, p) }) {
			t.Errorf("a personnummer was copied into the decision record: %s", js)
		}
		if d.Outcome == schemas.OutcomeCompleted {
			completed++
		}
	}
	waitFor(t, "the completed steps", func() bool { return len(steps.distinct()) == completed })
	if n, _ := s.store.decisions(context.Background()); n != 4 {
		t.Errorf("%d decisions on record, want 4", n)
	}
	stop()
}

// ordonez is the real home's sensor log as activations of one resident.
func ordonez(t *testing.T) []schemas.SensorActivation {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "demo", "data", "ordonez", "OrdonezA_Sensors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := replay.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]schemas.SensorActivation, len(raw))
	for i, r := range raw {
		if out[i], err = r.Event("res-ordonez-a"); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestRoutineAlarmOnTheRealLog: the real home's two weeks on the bus, with
// the entrance door opened at 03:30 on the tenth night; after learning the
// first week the service raises a door-open-at-night alarm, valid and with
// a Swedish explanation, and a restart (which replays the history) raises
// no alarm twice.
func TestRoutineAlarmOnTheRealLog(t *testing.T) {
	conn, at := ordonezOnTheBus(t)
	alarms := collect(t, conn, TopicAlarm)
	db := filepath.Join(t.TempDir(), "a.db")
	_, stop := startService(t, Config{RulesDir: t.TempDir(), Conn: conn, DB: db, Routine: true})
	var found *schemas.Alarm
	waitFor(t, "a door-open-at-night alarm", func() bool {
		for _, m := range alarms.distinct() {
			var a schemas.Alarm
			json.Unmarshal(m.Payload, &a)
			if a.Kind == schemas.AlarmKind("door-open-at-night") && a.RaisedAt.Sub(at).Abs() < time.Hour {
				found = &a
				return true
			}
		}
		return false
	})
	if found.Explanation == "" || found.ModelID != "routine" || found.Score == nil {
		t.Errorf("alarm %+v", found)
	}
	time.Sleep(500 * time.Millisecond)
	stop()
	before := len(alarms.distinct())
	raw := alarms.count()
	_, stop = startService(t, Config{RulesDir: t.TempDir(), Conn: conn, DB: db, Routine: true})
	time.Sleep(3 * time.Second) // the history is replayed
	stop()
	if alarms.count() != raw || len(alarms.distinct()) != before {
		t.Errorf("after a restart %d alarms (%d distinct), before %d (%d): an alarm was raised twice", alarms.count(), len(alarms.distinct()), raw, before)
	}
	t.Logf("%d alarms on the real log with one injected night-time door opening", before)
}

// ordonezOnTheBus puts the real home's two weeks on a fresh broker, with
// the entrance door opened at 03:30 on the tenth night, and returns the
// connection and the time of that opening.
func ordonezOnTheBus(t *testing.T) (bus.Connection, time.Time) {
	t.Helper()
	acts := ordonez(t)
	var door schemas.SensorActivation
	for _, a := range acts {
		if a.Room == schemas.Room("entrance") || a.Object == "front-door" || a.Object == "entrance-door" {
			door = a
		}
	}
	if door.SensorID == "" {
		t.Fatalf("no entrance door sensor in the log: objects %v", objects(acts))
	}
	night := acts[0].StartedAt.In(replay.Zone)
	at := time.Date(night.Year(), night.Month(), night.Day()+10, 3, 30, 0, 0, replay.Zone)
	door.StartedAt, door.EndedAt = at, at.Add(20*time.Second)
	acts = append(acts, door)
	slices.SortFunc(acts, func(a, b schemas.SensorActivation) int { return a.StartedAt.Compare(b.StartedAt) })

	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	if _, err := bus.EnsureTopic(context.Background(), conn, TopicSensor, 1); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(acts))
	events := make([]any, len(acts))
	for i, a := range acts {
		ids[i], events[i] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i), a
	}
	publish(t, conn, TopicSensor, ids, events)
	return conn, at
}

func objects(acts []schemas.SensorActivation) []string {
	var out []string
	for _, a := range acts {
		if !slices.Contains(out, a.Object) {
			out = append(out, a.Object)
		}
	}
	return out
}

// TestForecastFromSCBPopulation: Västerås's real population by age (SCB,
// 2019) on the bus; once it has settled the service publishes the
// school-place forecast: 2 age groups × 10 years, valid, P10 ≤ P50 ≤ P90,
// and next year's 1–5-year-olds close to this year's 0–4.
// scbVasteras is Västerås's real population by age and sex (SCB, 2019)
// as population-by-age events with ids from base, and its 0–4-year-olds.
func scbVasteras(t *testing.T, base int) ([]string, []any, float64) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "demo", "data", "scb", "SCB_alderkon_vastmanland_2019.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	var events []any
	zeroToFour := 0.0
	for i, r := range recs[1:] {
		if r[0] != "Västerås" {
			continue
		}
		age, _ := strconv.Atoi(r[1])
		n, _ := strconv.Atoi(r[3])
		if age <= 4 {
			zeroToFour += float64(n)
		}
		sex := map[string]schemas.Sex{"män": schemas.SexMale, "kvinnor": schemas.SexFemale}[r[2]]
		events = append(events, schemas.PopulationByAge{Area: schemas.Area{AreaCode: "1980", AreaName: "Västerås"}, ReferenceDate: "2019-12-31", Age: age, Sex: sex, Persons: n})
		ids = append(ids, fmt.Sprintf("00000000-0000-4000-8000-%012d", base+i))
	}
	return ids, events, zeroToFour
}

func TestForecastFromSCBPopulation(t *testing.T) {
	ids, events, zeroToFour := scbVasteras(t, 0)
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	rows := collect(t, conn, TopicForecast)
	_, stop := startService(t, Config{RulesDir: t.TempDir(), Conn: conn, DB: filepath.Join(t.TempDir(), "a.db"), Forecast: true, ForecastEvery: 200 * time.Millisecond})
	defer stop()
	publish(t, conn, TopicPopulation, ids, events)
	waitFor(t, "20 forecast rows", func() bool { return len(rows.distinct()) >= 20 })
	var first *schemas.PlaceForecast
	for _, m := range rows.distinct() {
		var r schemas.PlaceForecast
		json.Unmarshal(m.Payload, &r)
		if r.AreaCode != "1980" || r.BaseYear != 2019 || r.P10 > r.P50 || r.P50 > r.P90 || r.ModelID != "school-place-forecast" {
			t.Errorf("row %+v", r)
		}
		if r.Year == 2020 && r.AgeGroup == "forskola-1-5" {
			first = &r
		}
	}
	if first == nil || first.P50 < zeroToFour*0.9 || first.P50 > zeroToFour*1.1 {
		t.Errorf("2020's 1-5-year-olds %+v; 2019's 0-4-year-olds were %.0f", first, zeroToFour)
	}
	if n := len(rows.distinct()); n != 20 {
		t.Errorf("%d forecast rows, want 20", n)
	}
}
