package automation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unique"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/routine"
)

// TrainingDays is how long a resident's activations are gathered before
// the routine model learns their baseline and starts watching.
const TrainingDays = 7

// MaxTrainingActivations bounds what is kept of one resident while the
// model has not learnt them yet: a real home reports tens to hundreds of
// activations a day, so a week stays far below it.
const MaxTrainingActivations = 20_000

// watcher feeds the routine model from care.sensor-activation.v1, read
// from the start of the topic, and publishes its alarms.
type watcher struct {
	s       *Service
	model   *routine.Model
	pending map[string][]schemas.SensorActivation // residents still in training
	// overflowed are the residents in training whose activations went past
	// MaxTrainingActivations (warned about once).
	overflowed map[string]bool
	// careUnit is each resident's care unit, from their latest activation
	// that names one.
	careUnit    map[string]string
	reviewBelow float64
	clock       time.Time // the latest activation's start
	wall        time.Time // when it was read
}

var alarmNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte(schemas.SchemaID("care.alarm", 1)))

func (s *Service) newWatcher() (*watcher, error) {
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		return nil, fmt.Errorf("automation: %w", err)
	}
	cfg := s.cfg.RoutineModel
	if cfg.Location == nil {
		cfg.Location = loc
	}
	m, err := routine.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("automation: routine model: %w", err)
	}
	return &watcher{s: s, model: m, pending: map[string][]schemas.SensorActivation{}, overflowed: map[string]bool{}, careUnit: map[string]string{}, reviewBelow: m.ReviewBelow()}, nil
}

// run reads the activations (without a consumer group, from the oldest:
// the baseline is rebuilt from the history) and checks the model after
// each, and every minute in between, time running on from the last
// activation at the wall clock's pace.
func (w *watcher) run(ctx context.Context) error {
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: w.s.cfg.Conn, Logger: w.s.cfg.Logger})
	if err != nil {
		return err
	}
	defer sub.Close()
	msgs, err := sub.Subscribe(ctx, TopicSensor)
	if err != nil {
		return err
	}
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case msg, ok := <-msgs:
			if !ok {
				return nil
			}
			w.observe(msg)
			msg.Ack()
			if err := w.check(ctx, w.clock); err != nil {
				return err
			}
		case <-tick.C:
			if !w.clock.IsZero() {
				if err := w.check(ctx, w.clock.Add(time.Since(w.wall))); err != nil {
					return err
				}
			}
		}
	}
}

func (w *watcher) observe(msg *message.Message) {
	var a schemas.SensorActivation
	if err := json.Unmarshal(msg.Payload, &a); err != nil || a.ResidentID == "" {
		return // the router's contract check dead-letters it for the other consumers
	}
	intern(&a)
	if a.CareUnitID != "" {
		w.careUnit[a.ResidentID] = a.CareUnitID
	}
	if a.StartedAt.After(w.clock) {
		w.clock, w.wall = a.StartedAt, time.Now()
	}
	if w.model.Watching(a.ResidentID) {
		w.model.Observe(a)
		return
	}
	buf := append(w.pending[a.ResidentID], a)
	if len(buf) > MaxTrainingActivations {
		// A home whose sensors chatter this much in their first week is
		// not learnt (the oldest half goes, so the week never fills)
		// rather than let the buffer grow without end.
		if !w.overflowed[a.ResidentID] {
			w.overflowed[a.ResidentID] = true
			w.s.cfg.Logger.Warn("routine model: a resident's sensors report more activations than a week's training keeps; the oldest are dropped and the routine is not learnt until they report fewer",
				"max", MaxTrainingActivations)
		}
		buf = slices.Delete(buf, 0, len(buf)/2)
	}
	w.pending[a.ResidentID] = buf
	if a.StartedAt.Sub(buf[0].StartedAt) < TrainingDays*24*time.Hour {
		return
	}
	if err := w.model.Train(buf, a.StartedAt); err != nil {
		w.s.cfg.Logger.Warn("routine model: a resident's history is too short to learn; still gathering", "err", err)
		return
	}
	delete(w.pending, a.ResidentID)
	delete(w.overflowed, a.ResidentID)
	w.model.Observe(a)
}

// intern makes a's strings the canonical copies: a home's activations
// repeat a handful of ids, kinds and rooms, and the model keeps a week of
// them per resident (every activation while it learns), so each decoded
// copy would be kept as many times.
func intern(a *schemas.SensorActivation) {
	for _, s := range []*string{&a.ResidentID, &a.SensorID, &a.Object, &a.CareUnitID} {
		*s = unique.Make(*s).Value()
	}
	a.SensorKind = schemas.SensorKind(unique.Make(string(a.SensorKind)).Value())
	a.Room = schemas.Room(unique.Make(string(a.Room)).Value())
}

// retry runs fn until it succeeds or ctx ends, backing off from 1 s to 30 s.
func (w *watcher) retry(ctx context.Context, what string, fn func() error) error {
	for backoff := time.Second; ; backoff = min(2*backoff, 30*time.Second) {
		err := fn()
		if err == nil {
			return nil
		}
		w.s.cfg.Logger.Warn(what+" not published yet; retrying", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// check publishes the alarms that hold at now, each once, and opens each
// one's care-alarm case.
func (w *watcher) check(ctx context.Context, now time.Time) error {
	for _, a := range w.model.Check(now) {
		id := uuid.NewSHA1(alarmNamespace, []byte(a.ResidentID+"\x00"+string(a.Kind)+"\x00"+a.From.UTC().Format(time.RFC3339))).String()
		known, err := w.s.store.alarmKnown(ctx, id)
		if err != nil {
			return err
		}
		if known {
			continue // raised before this start: the history is being replayed
		}
		// Published, and its care-alarm case opened, before it is
		// recorded, each retried until the bus takes it: a crash in between
		// publishes them again, with the same ids.
		event := a.Event(id)
		unit := w.careUnit[a.ResidentID]
		if unit == "" {
			unit = w.s.cfg.CareUnit
		}
		event.CareUnitID = unit
		payload, err := json.Marshal(event)
		if err != nil {
			return err
		}
		if err := w.retry(ctx, "care alarm", func() error {
			msg := message.NewMessage(id, payload)
			msg.Metadata.Set(bus.MetadataPartitionKey, a.ResidentID)
			return w.s.pub.Publish(TopicAlarm, msg)
		}); err != nil {
			return err
		}
		if err := w.retry(ctx, "care-alarm case", func() error {
			return w.s.openCareAlarm(ctx, a, id, unit, w.reviewBelow)
		}); err != nil {
			return err
		}
		if _, err := w.s.store.alarmRaised(ctx, id, string(a.Kind), a.RaisedAt); err != nil {
			return err
		}
		w.s.cfg.Logger.Info("care alarm raised", "kind", a.Kind, "score", a.Score, "to_person", a.ToPerson)
	}
	return nil
}
