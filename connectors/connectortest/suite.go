// Package connectortest is the suite every connector passes: config errors
// with their line, good records on the bus with deterministic ids while a
// bad one goes to the dead-letter topic, resume after a restart with every
// record once, and a clean close. It runs against the embedded broker and a
// SQLite checkpoint store.
package connectortest

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/goleak"
	"gopkg.in/yaml.v3"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas/contracts"
)

// Topic is the catalog topic the suite maps records to.
const Topic = "meals.food-waste.v1"

// Row is one record the suite asks a Fixture to make: the connector must
// offer it with fields kitchen, date and total (a number or its text).
type Row struct {
	Kitchen string
	Date    string
	Total   float64
}

// Fixture is what a connector gives the suite.
type Fixture interface {
	// Kind is the connector kind under test.
	Kind() connectors.Kind
	// Config prepares a fresh, empty source and returns the kind's config
	// for it; it must make Reads return at most 5 records each.
	Config(t *testing.T) map[string]any
	// Write makes rows appear at the source, in order.
	Write(t *testing.T, rows []Row)
}

// Run runs the suite.
func Run(t *testing.T, f Fixture) {
	t.Run("ConfigErrors", func(t *testing.T) { configErrors(t, f) })
	t.Run("GoodFlowBadToDeadLetter", func(t *testing.T) { goodAndBad(t, f) })
	t.Run("ResumeAfterRestart", func(t *testing.T) { resume(t, f) })
	t.Run("CleanClose", func(t *testing.T) { cleanClose(t, f) })
}

var mapping = map[string]any{"fields": map[string]string{
	"kitchen_id":     "string(row.kitchen)",
	"date":           "string(row.date)",
	"total_waste_kg": "double(row.total)",
}}

func connectorYAML(t *testing.T, f Fixture, cfg map[string]any) string {
	t.Helper()
	b, err := yaml.Marshal(map[string]any{
		"name": "suite", "kind": f.Kind().Name, "topic": Topic, "config": cfg, "mapping": mapping,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func configErrors(t *testing.T, f Fixture) {
	cfg := f.Config(t)
	cfg["no_such_field"] = 1
	reg, err := connectors.NewRegistry(f.Kind())
	if err != nil {
		t.Fatal(err)
	}
	c, err := connectors.ParseConfig([]byte(connectorYAML(t, f, cfg)), "suite.yaml")
	if err == nil {
		_, _, err = reg.Build(c, nil)
	}
	if err == nil || !strings.Contains(err.Error(), "no_such_field") || !strings.Contains(err.Error(), "line ") {
		t.Errorf("unknown field: error %v; want it named with its line", err)
	}
}

func rows(n int) []Row {
	out := make([]Row, n)
	for i := range out {
		out[i] = Row{Kitchen: fmt.Sprintf("kitchen-%d", i%7), Date: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly), Total: float64(i%40) + 0.5}
	}
	return out
}

func goodAndBad(t *testing.T, f Fixture) {
	w := newWorld(t, f)
	events, letters := w.collect(Topic), w.collect(Topic+".dlq")
	cfg := f.Config(t)
	rs := rows(10)
	rs[3].Total = -1 // breaks the contract: minimum 0
	f.Write(t, rs)
	_, _ = w.start(connectorYAML(t, f, cfg))
	waitFor(t, "9 events and 1 dead letter", 20*time.Second, func() bool {
		return len(events.all()) == 9 && len(letters.all()) == 1
	})
	src := "/civicbus/connectors/suite"
	for i, msg := range events.all() {
		r := rs[i]
		if i >= 3 {
			r = rs[i+1]
		}
		key := fmt.Sprintf("%q\x1f%q\x1fnull", r.Kitchen, r.Date)
		if want := connectors.EventID(src, key, 1); msg.UUID != want {
			t.Errorf("event %d: id %s, want %s", i, msg.UUID, want)
		}
	}
	if h := letters.all()[0].Metadata.Get("dlq_handler"); h != "suite" {
		t.Errorf("dlq_handler = %q", h)
	}
}

func resume(t *testing.T, f Fixture) {
	w := newWorld(t, f)
	events := w.collect(Topic)
	cfg := f.Config(t)
	const n = 300
	f.Write(t, rows(n))
	yamlText := connectorYAML(t, f, cfg)
	_, stop := w.start(yamlText)
	waitFor(t, "the first events", 20*time.Second, func() bool { return len(events.all()) >= 20 })
	stop()
	_, _ = w.start(yamlText)
	waitFor(t, "every record", 30*time.Second, func() bool { return len(unique(events.all())) == n })
	if got := len(events.all()); got != n {
		t.Errorf("%d events for %d records after a restart", got, n)
	}
}

func cleanClose(t *testing.T, f Fixture) {
	w := newWorld(t, f)
	cfg := f.Config(t)
	f.Write(t, rows(200))
	opts := goleak.IgnoreCurrent()
	rt, stop := w.start(connectorYAML(t, f, cfg))
	waitFor(t, "the first events", 20*time.Second, func() bool { return rt.Status().RecordsOut >= 10 })
	stop()
	// The broker runs in this process; its goroutines are not the connector's.
	goleak.VerifyNone(t, opts, goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).read"),
		goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).read.func1"),
		goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).write"))
}

// world is one test's broker, checkpoint store and contracts.
type world struct {
	t        *testing.T
	reg      *connectors.Registry
	conn     bus.Connection
	cp       *connectors.SQLCheckpoints
	contract *contracts.Contracts
}

func newWorld(t *testing.T, f Fixture) *world {
	reg, err := connectors.NewRegistry(f.Kind())
	if err != nil {
		t.Fatal(err)
	}
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	ctx := context.Background()
	for _, topic := range []string{Topic, Topic + ".dlq"} {
		if _, err := bus.EnsureTopic(ctx, conn, topic, 1); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := connectors.OpenCheckpoints(ctx, filepath.Join(t.TempDir(), "cp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cp.Close() })
	c, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, reg: reg, conn: conn, cp: cp, contract: c}
}

// start runs the connector until the returned stop is called or the test
// ends.
func (w *world) start(yamlText string) (rt *connectors.Runtime, stop func()) {
	t := w.t
	cfg, err := connectors.ParseConfig([]byte(yamlText), "suite.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src, m, err := w.reg.Build(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: w.conn, Source: cfg.SourceURI()})
	if err != nil {
		t.Fatal(err)
	}
	rt, err = connectors.NewRuntime(connectors.RuntimeConfig{Name: cfg.Name, Source: src, Mapping: m,
		Publisher: pub, Contract: w.contract, Checkpoints: w.cp, MinBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			pub.Close()
		})
	}
	t.Cleanup(stop)
	return rt, stop
}

type collector struct {
	mu   sync.Mutex
	msgs []*message.Message
}

// collect gathers every message of topic from its start.
func (w *world) collect(topic string) *collector {
	t := w.t
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: w.conn})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg := range ch {
			c.mu.Lock()
			c.msgs = append(c.msgs, msg)
			c.mu.Unlock()
			msg.Ack()
		}
	}()
	t.Cleanup(func() { cancel(); <-done; sub.Close() })
	return c
}

func (c *collector) all() []*message.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*message.Message(nil), c.msgs...)
}

func unique(msgs []*message.Message) map[string]bool {
	ids := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		ids[m.UUID] = true
	}
	return ids
}

// waitFor polls until cond holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
