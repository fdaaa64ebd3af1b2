package httppoll_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/httppoll"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas/contracts"
)

const weatherTopic = "roads.weather-observation.v1"

// env is one test's world: the embedded broker, a SQLite checkpoint store
// and the catalog's contracts.
type env struct {
	t        *testing.T
	conn     bus.Connection
	cp       *connectors.SQLCheckpoints
	contract *contracts.Contracts
	logger   *slog.Logger // nil discards
}

func newEnv(t *testing.T) *env {
	t.Helper()
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	ctx := context.Background()
	for _, topic := range []string{weatherTopic, weatherTopic + ".dlq"} {
		if _, err := bus.EnsureTopic(ctx, conn, topic, 1); err != nil {
			t.Fatal(err)
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
	return &env{t: t, conn: conn, cp: cp, contract: c}
}

func registry(t testing.TB) *connectors.Registry {
	r, err := connectors.NewRegistry(httppoll.Kind())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type running struct {
	rt   *connectors.Runtime
	stop func()
}

// start builds the connector of yamlText and runs it until the test ends or
// stop is called.
func (e *env) start(yamlText string) *running {
	t := e.t
	t.Helper()
	cfg, err := connectors.ParseConfig([]byte(yamlText), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src, m, err := registry(t).Build(cfg, e.logger)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: e.conn, Source: cfg.SourceURI(), PublishTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := connectors.NewRuntime(connectors.RuntimeConfig{
		Name: cfg.Name, Source: src, Mapping: m, Publisher: pub, Contract: e.contract,
		Checkpoints: e.cp, Logger: e.logger, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
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
	return &running{rt: rt, stop: stop}
}

// collector gathers every message of a topic from the start.
type collector struct {
	mu   sync.Mutex
	msgs []*message.Message
}

func (e *env) collect(topic string) *collector {
	t := e.t
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: e.conn})
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
