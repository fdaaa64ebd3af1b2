package mqtt_test

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/connectors/mqtt"
	"github.com/vasteras/civicbus/internal/testenv"
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

// env is one test's bus (see connectortest.Env) with topics.
type env = connectortest.Env

func newEnv(t testing.TB, topics ...string) *env {
	t.Helper()
	return connectortest.New(t, connectortest.Registry(t, mqtt.Kind()), topics...)
}

func ids(msgs []*message.Message) map[string]int {
	out := make(map[string]int, len(msgs))
	for _, m := range msgs {
		out[m.UUID]++
	}
	return out
}

var waitFor = connectortest.WaitFor
