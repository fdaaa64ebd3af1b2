package mqtt_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/mqtt"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas/contracts"
)

const sensorTopic = "care.sensor-activation.v1"

// mosquittoURL is the machine's Mosquitto; CIVICBUS_TEST_MQTT overrides it.
func mosquittoURL() string {
	if u := os.Getenv("CIVICBUS_TEST_MQTT"); u != "" {
		return u
	}
	return "tcp://127.0.0.1:1883"
}

var seq atomic.Int64

// unique is a name no other test (or earlier run) uses: for client ids and
// MQTT topics on the shared broker.
func unique(t testing.TB) string {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return fmt.Sprintf("civicbus-test-%s-%d-%d", strings.ToLower(name), time.Now().UnixNano(), seq.Add(1))
}

// mosquitto returns the broker URL, or skips (fails under
// CIVICBUS_REQUIRE_SERVICES=1) when Mosquitto is not reachable.
func mosquitto(t testing.TB) string {
	t.Helper()
	u := mosquittoURL()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(u).SetClientID(unique(t)).
		SetConnectTimeout(2 * time.Second).SetAutoReconnect(false))
	tok := c.Connect()
	if !tok.WaitTimeout(3*time.Second) || tok.Error() != nil {
		err := tok.Error()
		if err == nil {
			err = fmt.Errorf("connect to %s timed out", u)
		}
		testenv.Unavailable(t, "Mosquitto", err)
	}
	c.Disconnect(0)
	return u
}

// client is a paho client on url, disconnected when the test ends.
func client(t testing.TB, url, id string, clean bool) paho.Client {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id).
		SetCleanSession(clean).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect %s: %v", url, tok.Error())
	}
	return c
}

// session makes the broker hold a persistent session for id subscribed to
// filter with QoS 1, so that what is published before the connector first
// runs waits for it.
func session(t testing.TB, url, id, filter string) {
	t.Helper()
	c := client(t, url, id, false)
	if tok := c.Subscribe(filter, 1, nil); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	c.Disconnect(250)
}

// publish publishes payloads to topic with QoS 1 and waits for each PUBACK.
func publish(t testing.TB, url, topic string, payloads ...[]byte) {
	t.Helper()
	c := client(t, url, unique(t)+"-pub", true)
	defer c.Disconnect(250)
	for _, p := range payloads {
		if tok := c.Publish(topic, 1, false, p); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			t.Fatalf("publish to %s: %v", topic, tok.Error())
		}
	}
}

// env is one test's bus: the embedded broker, a SQLite checkpoint store and
// the catalog's contracts.
type env struct {
	t        testing.TB
	conn     bus.Connection
	cp       *connectors.SQLCheckpoints
	contract *contracts.Contracts
}

func newEnv(t testing.TB, topics ...string) *env {
	t.Helper()
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
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
	return &env{t: t, conn: conn, cp: cp, contract: c}
}

type running struct {
	rt   *connectors.Runtime
	stop func()
}

// start builds the connector of yamlText and runs it until stop or the end
// of the test.
func (e *env) start(yamlText string) *running {
	t := e.t
	t.Helper()
	cfg, err := connectors.ParseConfig([]byte(yamlText), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := connectors.NewRegistry(mqtt.Kind())
	if err != nil {
		t.Fatal(err)
	}
	src, m, err := reg.Build(cfg, nil)
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

type collector struct {
	mu   sync.Mutex
	msgs []*message.Message
}

// collect gathers every message of a bus topic from its start.
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

func ids(msgs []*message.Message) map[string]int {
	out := make(map[string]int, len(msgs))
	for _, m := range msgs {
		out[m.UUID]++
	}
	return out
}

// waitFor polls until cond holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
