package mqtt_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/mqtt"
	"github.com/vasteras/civicbus/internal/mqttbroker"
)

const sensorSource = "/civicbus/connectors/home-sensors"

// sensorYAML is a connector of sensor activations published to
// <base>/homes/<resident>/sensors/<sensor>: the resident and sensor ids come
// from the MQTT topic.
func sensorYAML(url, base, clientID string) string {
	return `name: home-sensors
kind: mqtt
topic: care.sensor-activation.v1
config:
  broker: ` + url + `
  topics: ["` + base + `/homes/+/sensors/+"]
  client_id: ` + clientID + `
  batch: 10
  max_wait: 20ms
mapping:
  fields:
    resident_id: row._topic.split("/")[2]
    sensor_id: row._topic.split("/")[4]
    sensor_kind: row.kind
    object: row.object
    room: row.room
    started_at: row.started_at
`
}

type activation struct {
	resident, sensor, kind, object, room, started string
}

func (a activation) topic(base string) string {
	return base + "/homes/" + a.resident + "/sensors/" + a.sensor
}

func (a activation) payload() []byte {
	return fmt.Appendf(nil, `{"kind":%q,"object":%q,"room":%q,"started_at":%q}`, a.kind, a.object, a.room, a.started)
}

func (a activation) id() string {
	return connectors.EventID(sensorSource, fmt.Sprintf("%q\x1f%q\x1f%q", a.resident, a.sensor, a.started), 1)
}

func activations(n int) []activation {
	out := make([]activation, n)
	for i := range out {
		out[i] = activation{resident: "res-7f3a9c", sensor: "bed-1", kind: "pressure", object: "bed", room: "bedroom",
			started: time.Date(2011, 11, 28, 2, 27, 59, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format(time.RFC3339)}
		if i%2 == 1 {
			out[i].sensor, out[i].kind, out[i].object, out[i].room = "door-main", "contact", "main-door", "entrance"
		}
	}
	return out
}

func publishAll(t *testing.T, url, base string, as []activation) {
	t.Helper()
	for _, a := range as {
		publish(t, url, a.topic(base), a.payload())
	}
}

// TestSensorActivationsToTheBus: activations published to Mosquitto become
// care.sensor-activation events with deterministic ids, the sensor and
// resident taken from the MQTT topic; payloads that are not JSON objects go
// to the dead-letter topic while the rest flow.
func TestSensorActivationsToTheBus(t *testing.T) {
	url := mosquitto(t)
	e := newEnv(t, sensorTopic)
	events, letters := e.Collect(sensorTopic), e.Collect(sensorTopic+".dlq")
	base, id := unique(t), unique(t)
	r := e.Start(sensorYAML(url, base, id))
	waitFor(t, "the connector to subscribe", 10*time.Second, func() bool { return r.Runtime.Status().State == connectors.StateRunning })

	as := activations(4)
	publishAll(t, url, base, as[:2])
	publish(t, url, base+"/homes/res-7f3a9c/sensors/bed-1", []byte("ON"))
	publish(t, url, base+"/homes/res-7f3a9c/sensors/bed-1", []byte(`[1,2]`))
	publishAll(t, url, base, as[2:])

	waitFor(t, "4 events and 2 dead letters", 20*time.Second, func() bool {
		return len(events.All()) == 4 && len(letters.All()) == 2
	})
	for i, msg := range events.All() {
		if want := as[i].id(); msg.UUID != want {
			t.Errorf("event %d: id %s, want %s (%s)", i, msg.UUID, want, msg.Payload)
		}
		if !strings.Contains(string(msg.Payload), `"sensor_id":"`+as[i].sensor+`"`) {
			t.Errorf("event %d: %s has not sensor_id %s", i, msg.Payload, as[i].sensor)
		}
	}
	ls := letters.All()
	if string(ls[0].Payload) != "ON" || string(ls[1].Payload) != "[1,2]" {
		t.Errorf("dead letters %q, %q; want the raw payloads", ls[0].Payload, ls[1].Payload)
	}
	if ls[0].UUID == ls[1].UUID {
		t.Error("two different bad messages have one dead-letter id")
	}
	for _, l := range ls {
		if h := l.Metadata.Get("dlq_handler"); h != "home-sensors" {
			t.Errorf("dlq_handler = %q", h)
		}
		if msg := l.Metadata.Get("dlq_error"); !strings.Contains(msg, "not a JSON object") || !strings.Contains(msg, base) {
			t.Errorf("dlq_error = %q; want the reason and the MQTT topic", msg)
		}
	}
}

// TestPersistentSessionKeepsMessagesWhileDown: with the default persistent
// session, QoS 1 messages published while the connector is stopped reach the
// bus once it starts again, each once.
func TestPersistentSessionKeepsMessagesWhileDown(t *testing.T) {
	url := mosquitto(t)
	e := newEnv(t, sensorTopic)
	events := e.Collect(sensorTopic)
	base, id := unique(t), unique(t)
	yamlText := sensorYAML(url, base, id)
	as := activations(12)

	r := e.Start(yamlText)
	waitFor(t, "the connector to subscribe", 10*time.Second, func() bool { return r.Runtime.Status().State == connectors.StateRunning })
	publishAll(t, url, base, as[:3])
	waitFor(t, "3 events", 20*time.Second, func() bool { return len(events.All()) == 3 })
	r.Stop()

	publishAll(t, url, base, as[3:]) // the connector is down
	e.Start(yamlText)
	waitFor(t, "every activation", 20*time.Second, func() bool { return len(ids(events.All())) == len(as) })
	got := ids(events.All())
	for i, a := range as {
		if got[a.id()] == 0 {
			t.Errorf("activation %d is not on the bus", i)
		}
	}
	// Nothing more arrives: the acks reached the broker.
	time.Sleep(200 * time.Millisecond)
	if n := len(events.All()); n != len(as) {
		t.Errorf("%d events for %d activations", n, len(as))
	}
}

// TestUnackedMessagesAreRedelivered reads a batch and dies before it is on
// the bus: the broker delivers it again to the next connection of the same
// client id; once acked, it is gone.
func TestUnackedMessagesAreRedelivered(t *testing.T) {
	url := mosquitto(t)
	base, id := unique(t), unique(t)
	cfg := mqtt.Config{Broker: url, Topics: []string{base + "/#"}, ClientID: id, Batch: 10, MaxWait: "50ms", Key: "n"}
	session(t, url, id, base+"/#")
	for i := range 3 {
		publish(t, url, fmt.Sprintf("%s/s%d", base, i), fmt.Appendf(nil, `{"n":%d}`, i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	readAll := func(s *mqtt.Source, n int) (connectors.Batch, []connectors.AckFunc) {
		t.Helper()
		var all connectors.Batch
		var acks []connectors.AckFunc
		for len(all) < n {
			b, ack, err := s.Read(ctx)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			all, acks = append(all, b...), append(acks, ack)
		}
		return all, acks
	}
	open := func() *mqtt.Source {
		s, err := mqtt.New(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}

	s := open()
	b, acks := readAll(s, 3)
	for i, rec := range b {
		if rec.Err != nil || rec.Key != fmt.Sprint(i) || rec.Fields[mqtt.TopicField] != fmt.Sprintf("%s/s%d", base, i) || rec.Position != "" {
			t.Errorf("record %d: %+v", i, rec)
		}
	}
	for _, ack := range acks {
		_ = ack(ctx, errors.New("the bus is down"))
	}
	_ = s.Close(ctx)

	s = open()
	b, acks = readAll(s, 3)
	for i, rec := range b {
		if rec.Key != fmt.Sprint(i) {
			t.Errorf("redelivered record %d: key %q", i, rec.Key)
		}
	}
	for _, ack := range acks {
		if err := ack(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Close(ctx)

	s = open()
	defer s.Close(ctx)
	short, cancelShort := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancelShort()
	if b, _, err := s.Read(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("after the ack: Read = %d records (%+v), %v; want nothing", len(b), b, err)
	}
}

// TestBrokerGoneIsNotConnected: when the broker goes away, Read says
// ErrNotConnected (so the Runtime reconnects with backoff), and Connect
// fails while it is away. Runs on the embedded broker.
func TestBrokerGoneIsNotConnected(t *testing.T) {
	b, err := mqttbroker.Start(mqttbroker.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	url := "tcp://" + b.Addr()
	s, err := mqtt.New(mqtt.Config{Broker: url, Topics: []string{"t/#"}, ClientID: unique(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	publish(t, url, "t/a", []byte(`{"a":1}`))
	batch, ack, err := s.Read(ctx)
	if err != nil || len(batch) != 1 || batch[0].Fields["a"] != float64(1) {
		t.Fatalf("Read = %+v, %v", batch, err)
	}
	_ = ack(ctx, nil)
	b.Close()
	if _, _, err := s.Read(ctx); !errors.Is(err, connectors.ErrNotConnected) {
		t.Errorf("Read after the broker closed: %v; want ErrNotConnected", err)
	}
	if err := s.Connect(ctx); err == nil {
		t.Error("Connect to a closed broker succeeded")
	}
}
