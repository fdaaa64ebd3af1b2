package filedrop_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/all"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas/contracts"
)

const wasteTopic = "meals.food-waste.v1"

// env is one test's world: a real embedded broker, a SQLite checkpoint
// store, the catalog's contracts and a drop directory.
type env struct {
	t        testing.TB
	conn     bus.Connection
	dir      string
	cp       *connectors.SQLCheckpoints
	contract *contracts.Contracts
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOn(t, testenv.Broker(t).Addr())
}

// newEnvOn is newEnv on the broker at addr.
func newEnvOn(t testing.TB, addr string) *env {
	t.Helper()
	conn := bus.Connection{Brokers: []string{addr}}
	ctx := context.Background()
	for _, topic := range []string{wasteTopic, wasteTopic + ".dlq"} {
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
	return &env{t: t, conn: conn, dir: t.TempDir(), cp: cp, contract: c}
}

// wasteYAML is the connector of the test data: Windows-1252, semicolons,
// decimal commas, Swedish column names.
func (e *env) wasteYAML(extra string) string {
	return `name: kitchen-waste
kind: filedrop
topic: meals.food-waste.v1
config:
  dir: ` + e.dir + `
  delimiter: ";"
  encoding: windows-1252
  decimal_comma: true
  poll_interval_ms: 20
` + extra + `
mapping:
  fields:
    kitchen_id: 'row["kök"]'
    date: row.datum
    meal: row["måltid"]
    kitchen_waste_kg: double(row["kökssvinn"])
    serving_waste_kg: double(row.serveringssvinn)
    plate_waste_kg: double(row.tallrikssvinn)
    total_waste_kg: double(row.totalt)
    diners: int(row["ätande"])
`
}

// running is a started Runtime.
type running struct {
	rt   *connectors.Runtime
	stop func()
}

// start builds the connector of yamlText and runs it until the test ends
// or stop is called.
func (e *env) start(yamlText string) *running {
	t := e.t
	t.Helper()
	cfg, err := connectors.ParseConfig([]byte(yamlText), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src, m, err := all.Registry().Build(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: e.conn, Source: cfg.SourceURI(), PublishTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := connectors.NewRuntime(connectors.RuntimeConfig{
		Name: cfg.Name, Source: src, Mapping: m, Publisher: pub, Contract: e.contract,
		Checkpoints: e.cp, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
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
	t.Helper()
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

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
