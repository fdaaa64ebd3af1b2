package bus_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/goleak"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/dlq"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/internal/testenv"
)

// rig is a router on an embedded broker, with the bus Publisher as its
// dead-letter publisher and a fresh metrics registry.
type rig struct {
	conn   bus.Connection
	pub    *bus.Publisher
	reg    *prometheus.Registry
	router *message.Router
}

// fastRetry keeps the tests quick: 3 attempts, a few milliseconds apart.
var fastRetry = bus.RetryConfig{MaxRetries: 2, InitialInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond}

func newRig(t *testing.T, cfg bus.RouterConfig) *rig {
	t.Helper()
	b := testenv.Broker(t)
	r := &rig{conn: bus.Connection{Brokers: []string{b.Addr()}}, reg: prometheus.NewRegistry()}
	var err error
	if r.pub, err = bus.NewPublisher(bus.PublisherConfig{Connection: r.conn}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.pub.Close() })
	cfg.DeadLetters, cfg.Registerer = r.pub, r.reg
	if cfg.Retry == (bus.RetryConfig{}) {
		cfg.Retry = fastRetry
	}
	if r.router, err = bus.NewRouter(cfg); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) subscriber(t *testing.T, group string) *bus.Subscriber {
	t.Helper()
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: r.conn, ConsumerGroup: group})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	return sub
}

// consume adds a handler named name that consumes topic in its own group.
func (r *rig) consume(t *testing.T, name, topic string, h message.NoPublishHandlerFunc) {
	r.router.AddConsumerHandler(name, topic, r.subscriber(t, name), h)
}

// run starts the router and closes it when the test ends.
func (r *rig) run(t *testing.T) {
	t.Helper()
	go func() {
		if err := r.router.Run(context.Background()); err != nil {
			t.Errorf("router: %v", err)
		}
	}()
	t.Cleanup(func() {
		if err := r.router.Close(); err != nil {
			t.Errorf("close router: %v", err)
		}
	})
	select {
	case <-r.router.Running():
	case <-time.After(20 * time.Second):
		t.Fatal("router did not start")
	}
}

func publish(t *testing.T, pub message.Publisher, topic, key string, msgs ...*message.Message) {
	t.Helper()
	for _, m := range msgs {
		m.Metadata.Set(bus.MetadataPartitionKey, key)
	}
	if err := pub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
}

func messages(ids ...string) []*message.Message {
	out := make([]*message.Message, len(ids))
	for i, id := range ids {
		out[i] = message.NewMessage(id, []byte(`{"id":"`+id+`"}`))
	}
	return out
}

// eventually polls cond until it holds or 30 s have passed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// letters waits until topic has n dead letters and returns them.
func letters(t *testing.T, conn bus.Connection, topic string, n int) []dlq.Letter {
	t.Helper()
	var got []dlq.Letter
	eventually(t, fmt.Sprintf("%d dead letters of %s", n, topic), func() bool {
		var err error
		got, err = dlq.List(context.Background(), conn, topic)
		if err != nil {
			t.Fatal(err)
		}
		return len(got) >= n
	})
	if len(got) != n {
		t.Fatalf("%d dead letters of %s, want %d", len(got), topic, n)
	}
	return got
}

// metric returns the value of a counter, or the sample count of a
// histogram, whose labels include labels; 0 when there is none.
func metric(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, labels) {
				if h := m.GetHistogram(); h != nil {
					return float64(h.GetSampleCount())
				}
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func hasLabels(m *dto.Metric, kv []string) bool {
	for i := 0; i+1 < len(kv); i += 2 {
		if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == kv[i] && l.GetValue() == kv[i+1] }) {
			return false
		}
	}
	return true
}

const messagesTotal = "civicbus_handler_messages_total"

func TestRouterDeadLettersPoisonInTheMiddle(t *testing.T) {
	r := newRig(t, bus.RouterConfig{})
	const topic, name = "test.poison-middle.v1", "poison-middle"
	var mu sync.Mutex
	var handled []string
	r.consume(t, name, topic, func(msg *message.Message) error {
		if msg.UUID == "m10" {
			return errors.New("row 10: bad date")
		}
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, msg.UUID)
		return nil
	})
	r.run(t)
	var ids []string
	for i := range 20 {
		ids = append(ids, fmt.Sprintf("m%02d", i))
	}
	publish(t, r.pub, topic, "one-key", messages(ids...)...)

	l := letters(t, r.conn, topic, 1)[0]
	eventually(t, "19 handled", func() bool { mu.Lock(); defer mu.Unlock(); return len(handled) == 19 })
	if want := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "m10" }); !slices.Equal(handled, want) {
		t.Errorf("handled %v, want %v in order", handled, want)
	}
	if l.ID != "m10" || l.Topic != topic || l.Handler != name || l.Error != "row 10: bad date" || l.Attempts != 3 {
		t.Errorf("letter = %+v", l)
	}
	if time.Since(l.Time) > time.Minute || l.Record.Topic != topic+".dlq" || l.Message.Metadata.Get(bus.MetadataPartitionKey) != "one-key" {
		t.Errorf("letter time %s, record %s, key %q", l.Time, l.Record, l.Message.Metadata.Get(bus.MetadataPartitionKey))
	}
	processed := metric(t, r.reg, messagesTotal, "handler", name, "outcome", middleware.OutcomeProcessed)
	dead := metric(t, r.reg, messagesTotal, "handler", name, "outcome", middleware.OutcomeDeadLettered)
	if processed+dead != 20 || dead != 1 {
		t.Errorf("processed %v + dead-lettered %v, want 19 + 1", processed, dead)
	}
	if failed := metric(t, r.reg, messagesTotal, "handler", name, "outcome", middleware.OutcomeFailed); failed != 3 {
		t.Errorf("failed attempts = %v, want 3", failed)
	}
	if n := metric(t, r.reg, "civicbus_handler_duration_seconds", "handler", name); n != 20 {
		t.Errorf("duration observations = %v, want 20", n)
	}
}

func TestRouterPermanentErrorSkipsRetries(t *testing.T) {
	r := newRig(t, bus.RouterConfig{})
	const topic = "test.permanent.v1"
	r.consume(t, "validate", topic, func(*message.Message) error {
		return fmt.Errorf("validate: %w", middleware.Permanent(errors.New("field age is missing")))
	})
	r.run(t)
	publish(t, r.pub, topic, "k", messages("p1")...)
	if l := letters(t, r.conn, topic, 1)[0]; l.Attempts != 1 || l.Error != "validate: field age is missing" {
		t.Errorf("attempts %d, error %q; want 1 attempt", l.Attempts, l.Error)
	}
}

func TestRouterRecoversAndDeadLettersPanic(t *testing.T) {
	r := newRig(t, bus.RouterConfig{})
	const topic = "test.panic.v1"
	r.consume(t, "panicky", topic, func(*message.Message) error { panic("nil map in handler") })
	r.run(t)
	publish(t, r.pub, topic, "k", messages("boom")...)
	l := letters(t, r.conn, topic, 1)[0]
	if !strings.Contains(l.Error, "nil map in handler") || l.Attempts != 3 {
		t.Errorf("attempts %d, error %.200q", l.Attempts, l.Error)
	}
}

func TestRouterDropsDuplicates(t *testing.T) {
	r := newRig(t, bus.RouterConfig{})
	const topic = "test.dedup.v1"
	var mu sync.Mutex
	seen := map[string]int{}
	r.consume(t, "dedup", topic, func(msg *message.Message) error {
		mu.Lock()
		defer mu.Unlock()
		seen[msg.UUID]++
		return nil
	})
	r.run(t)
	publish(t, r.pub, topic, "k", messages("d1", "d1", "d2")...)
	eventually(t, "d2 handled", func() bool { mu.Lock(); defer mu.Unlock(); return seen["d2"] == 1 })
	mu.Lock()
	defer mu.Unlock()
	if seen["d1"] != 1 {
		t.Errorf("d1 handled %d times, want once", seen["d1"])
	}
	if n := metric(t, r.reg, messagesTotal, "handler", "dedup", "outcome", middleware.OutcomeDuplicate); n != 1 {
		t.Errorf("duplicates counted = %v, want 1", n)
	}
}

func TestRouterPropagatesCorrelationID(t *testing.T) {
	r := newRig(t, bus.RouterConfig{})
	const in, out = "test.correlation-in.v1", "test.correlation-out.v1"
	handlerPub, err := bus.NewPublisher(bus.PublisherConfig{Connection: r.conn})
	if err != nil {
		t.Fatal(err)
	}
	r.router.AddHandler("enrich", in, r.subscriber(t, "enrich"), out, handlerPub, func(msg *message.Message) ([]*message.Message, error) {
		return []*message.Message{message.NewMessage(watermill.NewUUID(), msg.Payload)}, nil
	})
	r.run(t)
	started := messages("starts-a-chain", "continues-one")
	started[1].Metadata.Set(middleware.CorrelationIDKey, "chain-7")
	publish(t, r.pub, in, "k", started...)

	outSub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: r.conn})
	if err != nil {
		t.Fatal(err)
	}
	defer outSub.Close()
	ch, err := outSub.Subscribe(t.Context(), out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{`{"id":"starts-a-chain"}`: "starts-a-chain", `{"id":"continues-one"}`: "chain-7"}
	for range want {
		select {
		case m := <-ch:
			if got := m.Metadata.Get(middleware.CorrelationIDKey); got != want[string(m.Payload)] {
				t.Errorf("produced from %s: correlation id %q, want %q", m.Payload, got, want[string(m.Payload)])
			}
			m.Ack()
		case <-time.After(30 * time.Second):
			t.Fatal("no produced message")
		}
	}
}

func TestRouterCloseDuringRetriesNeitherWaitsNorDeadLetters(t *testing.T) {
	r := newRig(t, bus.RouterConfig{Retry: bus.RetryConfig{MaxRetries: 5, InitialInterval: 30 * time.Second, MaxInterval: time.Minute}})
	const topic = "test.shutdown.v1"
	var attempts atomic.Int32
	r.consume(t, "flaky", topic, func(*message.Message) error {
		attempts.Add(1)
		return errors.New("database is down")
	})
	r.run(t)
	publish(t, r.pub, topic, "k", messages("s1")...)
	eventually(t, "a first attempt", func() bool { return attempts.Load() > 0 })
	start := time.Now()
	if err := r.router.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("close took %s, more than 10 s", d)
	}
	if got, err := dlq.List(t.Context(), r.conn, topic); err != nil || len(got) != 0 {
		t.Errorf("dead letters after shutdown: %d, %v; want none", len(got), err)
	}
}

func TestRouterMetricsShareARegistry(t *testing.T) {
	r := newRig(t, bus.RouterConfig{})
	second, err := bus.NewRouter(bus.RouterConfig{DeadLetters: r.pub, Registerer: r.reg, Retry: fastRetry})
	if err != nil {
		t.Fatalf("second router on the same registry: %v", err)
	}
	second.AddConsumerHandler("second", "test.shared-registry-b.v1", r.subscriber(t, "second"), func(*message.Message) error { return nil })
	r.consume(t, "first", "test.shared-registry-a.v1", func(*message.Message) error { return nil })
	r.run(t)
	r2 := &rig{router: second}
	r2.run(t)
	publish(t, r.pub, "test.shared-registry-a.v1", "k", messages("a1")...)
	publish(t, r.pub, "test.shared-registry-b.v1", "k", messages("b1", "b2")...)
	eventually(t, "both routers counted", func() bool {
		return metric(t, r.reg, messagesTotal, "handler", "first", "outcome", "processed") == 1 &&
			metric(t, r.reg, messagesTotal, "handler", "second", "outcome", "processed") == 2
	})
}

// TestRouterLeavesNoGoroutine checks that a router, its middleware (the
// deduplicator above all) and its subscriber stop every goroutine they start.
func TestRouterLeavesNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	t.Run("run and close", func(t *testing.T) { // its cleanups run before the check
		r := newRig(t, bus.RouterConfig{})
		r.consume(t, "leak", "test.leak.v1", func(*message.Message) error { return nil })
		r.run(t)
		publish(t, r.pub, "test.leak.v1", "k", messages("l1")...)
		eventually(t, "l1 processed", func() bool {
			return metric(t, r.reg, messagesTotal, "handler", "leak", "outcome", middleware.OutcomeProcessed) == 1
		})
	})
}

func TestRouterConfigValidate(t *testing.T) {
	reg := prometheus.NewRegistry()
	pub := &bus.Publisher{}
	for _, tc := range []struct {
		cfg  bus.RouterConfig
		want string
	}{
		{bus.RouterConfig{Registerer: reg}, "a dead-letter publisher is required"},
		{bus.RouterConfig{DeadLetters: pub}, "a metrics registerer is required"},
		{bus.RouterConfig{DeadLetters: pub, Registerer: reg, CloseTimeout: time.Minute}, "close timeout 1m0s is longer than 10s"},
		{bus.RouterConfig{DeadLetters: pub, Registerer: reg, Retry: bus.RetryConfig{Multiplier: 0.5}}, "retry multiplier 0.5 is below 1"},
		{bus.RouterConfig{DeadLetters: pub, Registerer: reg, DedupWindow: -time.Second}, "durations must not be negative"},
	} {
		_, err := bus.NewRouter(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewRouter(%+v) = %v, want an error with %q", tc.cfg, err, tc.want)
		}
	}
}
