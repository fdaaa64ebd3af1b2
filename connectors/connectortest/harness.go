package connectortest

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/goleak"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas/contracts"
)

// Env is one test's world: a bus on a broker, a SQLite checkpoint store,
// the catalog's contracts and the registry connectors are built from.
// Change its fields before Start to run a connector differently.
type Env struct {
	T           testing.TB
	Conn        bus.Connection
	Registry    *connectors.Registry
	Checkpoints *connectors.SQLCheckpoints
	Contracts   *contracts.Contracts
	// Logger is given to the connector and its Runtime; nil discards.
	Logger *slog.Logger
	// PublishTimeout and MaxBackoff are the publisher's and the Runtime's;
	// zero is the library's default. New sets 1s and 200ms.
	PublishTimeout time.Duration
	MaxBackoff     time.Duration
	// Mux is given to the connectors (connectors.Env.Mux) of a kind that
	// is called over HTTP (webhook); nil serves none.
	Mux *http.ServeMux
}

// New is an Env on the embedded broker (testenv.Broker) with each of
// topics and its dead-letter topic (topic + ".dlq") created.
func New(t testing.TB, reg *connectors.Registry, topics ...string) *Env {
	t.Helper()
	return NewOn(t, testenv.Broker(t).Addr(), reg, topics...)
}

// NewOn is New on the broker at addr.
func NewOn(t testing.TB, addr string, reg *connectors.Registry, topics ...string) *Env {
	t.Helper()
	conn := bus.Connection{Brokers: []string{addr}}
	ctx := context.Background()
	for _, topic := range topics {
		for _, tp := range []string{topic, topic + ".dlq"} {
			if _, err := bus.EnsureTopic(ctx, conn, tp, 1); err != nil {
				t.Fatal(err)
			}
		}
	}
	cp, err := connectors.OpenCheckpoints(ctx, filepath.Join(t.TempDir(), "checkpoints.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cp.Close() })
	c, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	return &Env{T: t, Conn: conn, Registry: reg, Checkpoints: cp, Contracts: c,
		PublishTimeout: time.Second, MaxBackoff: 200 * time.Millisecond}
}

// Registry is a registry of kinds; it fails t on an error.
func Registry(t testing.TB, kinds ...connectors.Kind) *connectors.Registry {
	t.Helper()
	r, err := connectors.NewRegistry(kinds...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Running is a started Runtime.
type Running struct {
	Runtime *connectors.Runtime
	stop    func()
}

// Stop stops the Runtime and waits for Run to return, failing the test if
// it returned an error, then closes the publisher. It is safe to call more
// than once; the test's cleanup calls it too.
func (r *Running) Stop() { r.stop() }

// Start builds the connector of yamlText and runs it until the test ends or
// Stop is called.
func (e *Env) Start(yamlText string) *Running {
	t := e.T
	t.Helper()
	cfg, err := connectors.ParseConfig([]byte(yamlText), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg := e.Registry
	if e.Mux != nil {
		reg = reg.WithMux(e.Mux)
	}
	src, m, err := reg.Build(cfg, e.Logger)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: e.Conn, Source: cfg.SourceURI(), PublishTimeout: e.PublishTimeout})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := connectors.NewRuntime(connectors.RuntimeConfig{
		Name: cfg.Name, Source: src, Mapping: m, Publisher: pub, Contract: e.Contracts,
		Checkpoints: e.Checkpoints, Logger: e.Logger, MinBackoff: 10 * time.Millisecond, MaxBackoff: e.MaxBackoff,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			pub.Close()
		})
	}
	t.Cleanup(stop)
	return &Running{Runtime: rt, stop: stop}
}

// Collector gathers every message of a topic from its start; it is safe
// for concurrent use.
type Collector struct {
	mu   sync.Mutex
	msgs []*message.Message
}

// Collect subscribes to topic from its start and acks and keeps every
// message until the test ends.
func (e *Env) Collect(topic string) *Collector {
	t := e.T
	t.Helper()
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: e.Conn})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	c := &Collector{}
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

// All is a copy of the messages so far, in the order they arrived.
func (c *Collector) All() []*message.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*message.Message(nil), c.msgs...)
}

// Unique is the set of msgs' ids.
func Unique(msgs []*message.Message) map[string]bool {
	ids := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		ids[m.UUID] = true
	}
	return ids
}

// WaitFor polls until cond holds, failing t (with what) if it does not
// within d.
func WaitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// VerifyNoLeaks fails t when goroutines are running that were not in
// snapshot (goleak.IgnoreCurrent taken before the connector started), except
// those of the test's own machinery: the in-process broker's connection
// goroutines and the lazily started partition readers of Collect's
// subscribers (a connector itself reads no Kafka partition), and what extra
// ignores.
func VerifyNoLeaks(t testing.TB, snapshot goleak.Option, extra ...goleak.Option) {
	t.Helper()
	goleak.VerifyNone(t, append(extra, snapshot,
		goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).read.func1"),
		goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).read"),
		goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).write"),
		goleak.IgnoreAnyFunction("github.com/vasteras/civicbus/bus.(*Subscriber).consumePartition"),
		goleak.IgnoreAnyFunction("github.com/segmentio/kafka-go.(*reader).run"),
	)...)
}
