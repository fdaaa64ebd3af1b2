package replay_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors/all"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/demo/replay"
	"github.com/vasteras/civicbus/internal/mqttbroker"
)

const sensorTopic = "care.sensor-activation.v1"

func parseFile(t *testing.T) []replay.Activation {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "data", "ordonez", "OrdonezA_Sensors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	acts, err := replay.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return acts
}

func TestParseRealFile(t *testing.T) {
	acts := parseFile(t)
	if len(acts) != 409 {
		t.Fatalf("%d activations, want 409", len(acts))
	}
	a := acts[0]
	want := time.Date(2011, 11, 28, 2, 27, 59, 0, replay.Zone)
	if a.Location != "Bed" || a.Type != "Pressure" || a.Place != "Bedroom" || !a.Start.Equal(want) {
		t.Errorf("first activation %+v, want Bed/Pressure/Bedroom at %v", a, want)
	}
	for i := 1; i < len(acts); i++ {
		if acts[i].Start.Before(acts[i-1].Start) {
			t.Errorf("activation %d starts before %d", i, i-1)
		}
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	in := "Start time\tEnd time\tLocation\tType\tPlace\n" +
		"----\t----\t----\t----\t----\n" +
		"2011-11-28 02:27:59\t\t2011-11-28 10:18:11\t\tBed\t\t\tPressure\tBedroom\n" +
		"2011-11-28 10:21:24\t\tnot a time\t\tCabinet\t\tMagnetic\tBathroom\n"
	_, err := replay.Parse(strings.NewReader(in))
	if err == nil || !strings.Contains(err.Error(), "line 4") {
		t.Errorf("error %v, want one naming line 4", err)
	}
	_, err = replay.Parse(strings.NewReader("2011-11-28 02:27:59\t2011-11-28 10:18:11\tBed\tPressure\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("error %v, want one naming line 1", err)
	}
}

func startBroker(t *testing.T) string {
	t.Helper()
	b, err := mqttbroker.Start(mqttbroker.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return "tcp://" + b.Addr()
}

var brokerLine = regexp.MustCompile(`(?m)^  broker: .*$`)
var clientLine = regexp.MustCompile(`(?m)^  client_id: (\S+)`)

// demoYAML is demo/connectors.d/home-sensors.yaml pointed at url, and its
// client id.
func demoYAML(t *testing.T, url string) (string, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "connectors.d", "home-sensors.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(brokerLine.FindAll(b, -1)); n != 1 {
		t.Fatalf("home-sensors.yaml: %d broker: lines, want 1", n)
	}
	m := clientLine.FindSubmatch(b)
	if m == nil {
		t.Fatal("home-sensors.yaml: no client_id")
	}
	return brokerLine.ReplaceAllString(string(b), "  broker: "+url), string(m[1])
}

// session makes the broker hold a persistent session for id subscribed to
// filter, so that what the replay publishes before the connector is
// subscribed waits for it.
func session(t *testing.T, url, id, filter string) {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(id).
		SetCleanSession(false).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	if tok := c.Subscribe(filter, 1, nil); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	c.Disconnect(250)
}

// TestReplayThroughConnector: the whole log, replayed as fast as possible
// through an embedded MQTT broker, read by the demo's mqtt connector onto
// the bus: 409 valid care.sensor-activation events with unique ids and no
// dead letters.
func TestReplayThroughConnector(t *testing.T) {
	acts := parseFile(t)
	url := startBroker(t)
	yaml, clientID := demoYAML(t, url)
	session(t, url, clientID, "homes/+/sensors/+")

	env := connectortest.New(t, all.Registry(), sensorTopic)
	got, dlq := env.Collect(sensorTopic), env.Collect(sensorTopic+".dlq")

	// The whole log waits in the connector's session on the broker before
	// the connector starts and takes it over.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := replay.Replay(ctx, replay.Config{Broker: url, ResidentID: "res-a", ClientID: "replay-" + t.Name()}, acts); err != nil {
		t.Fatal(err)
	}
	env.Start(yaml)
	deadline := time.Now().Add(30 * time.Second)
	for len(got.All()) < len(acts) && len(dlq.All()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // anything beyond would show now
	t.Logf("%d events, %d dead letters", len(got.All()), len(dlq.All()))
	for _, l := range dlq.All() {
		t.Errorf("dead letter: %s: %s", l.Metadata.Get("dlq_error"), l.Payload)
	}
	msgs := got.All()
	if len(msgs) != len(acts) {
		t.Fatalf("%d events, want %d", len(msgs), len(acts))
	}
	if ids := connectortest.Unique(msgs); len(ids) != len(msgs) {
		t.Errorf("%d distinct ids for %d events", len(ids), len(msgs))
	}
	kinds := map[string]int{}
	firstBed := false
	for i, msg := range msgs {
		if err := env.Contracts.Check(sensorTopic, msg.Metadata.Get(bus.HeaderDataSchema), msg.Payload); err != nil {
			t.Fatalf("event %d does not validate: %v", i, err)
		}
		var p map[string]any
		if err := json.Unmarshal(msg.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if p["resident_id"] != "res-a" {
			t.Fatalf("event %d: resident_id %v", i, p["resident_id"])
		}
		kinds[p["sensor_kind"].(string)]++
		if p["sensor_id"] == "bed" && p["started_at"] == "2011-11-28T02:27:59+01:00" &&
			p["ended_at"] == "2011-11-28T10:18:11+01:00" && p["room"] == "bedroom" && p["sensor_kind"] == "pressure" {
			firstBed = true
		}
	}
	if !firstBed {
		t.Error("no event for the first activation (bed, 2011-11-28T02:27:59+01:00)")
	}
	// 70+14+13 PIR, 16+34+56+31 magnetic, 15+81 pressure, 45 flush, 20+14 electric.
	want := map[string]int{"motion": 97, "contact": 137, "pressure": 96, "flush": 45, "power": 34}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%s: %d events, want %d (all: %v)", k, kinds[k], n, kinds)
		}
	}
}

// TestReplaySpeed: three activations a simulated minute apart at 600 times
// real speed (0.1 s apart) arrive in order, with their times moved to Start.
func TestReplaySpeed(t *testing.T) {
	url := startBroker(t)
	var mu sync.Mutex
	var got []replay.Message
	var topics []string
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID("watcher").SetAutoReconnect(false))
	if tok := c.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer c.Disconnect(250)
	if tok := c.Subscribe("civic/homes/#", 1, func(_ paho.Client, m paho.Message) {
		var p replay.Message
		if err := json.Unmarshal(m.Payload(), &p); err != nil {
			t.Error(err)
		}
		mu.Lock()
		got = append(got, p)
		topics = append(topics, m.Topic())
		mu.Unlock()
	}); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}

	t0 := time.Date(2011, 11, 28, 10, 0, 0, 0, replay.Zone)
	acts := []replay.Activation{
		{Start: t0, End: t0.Add(10 * time.Second), Location: "Maindoor", Type: "Magnetic", Place: "Entrance"},
		{Start: t0.Add(time.Minute), End: t0.Add(70 * time.Second), Location: "Toaster", Type: "Electric", Place: "Kitchen"},
		{Start: t0.Add(2 * time.Minute), End: t0.Add(130 * time.Second), Location: "Seat", Type: "Pressure", Place: "Living"},
	}
	start := time.Date(2026, 1, 2, 8, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	err := replay.Replay(ctx, replay.Config{Broker: url, TopicPrefix: "civic", ResidentID: "res-a", Speed: 600, Start: start}, acts)
	if err != nil {
		t.Fatal(err)
	}
	// Two gaps of 0.1 s: it cannot be done in under 0.2 s (a lower bound only).
	if d := time.Since(began); d < 190*time.Millisecond {
		t.Errorf("replay took %v, want at least 0.2 s", d)
	}
	connectortest.WaitFor(t, "3 messages", 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 3
	})
	mu.Lock()
	defer mu.Unlock()
	wantTopics := []string{"civic/homes/res-a/sensors/main-door", "civic/homes/res-a/sensors/toaster", "civic/homes/res-a/sensors/seat"}
	wantStart := []string{"2026-01-02T09:00:00+01:00", "2026-01-02T09:01:00+01:00", "2026-01-02T09:02:00+01:00"}
	wantKind := []string{"contact", "power", "pressure"}
	for i := range 3 {
		if topics[i] != wantTopics[i] || got[i].StartedAt != wantStart[i] || got[i].Kind != wantKind[i] {
			t.Errorf("message %d: %s %+v, want %s started %s kind %s", i, topics[i], got[i], wantTopics[i], wantStart[i], wantKind[i])
		}
	}
	if got[2].Room != "living-room" || got[0].Object != "main-door" {
		t.Errorf("rooms/objects: %+v", got)
	}
}

// TestReplayStopsWithContext: a slow replay ends promptly when ctx does.
func TestReplayStopsWithContext(t *testing.T) {
	url := startBroker(t)
	t0 := time.Date(2011, 11, 28, 10, 0, 0, 0, replay.Zone)
	acts := []replay.Activation{
		{Start: t0, End: t0, Location: "Bed", Type: "Pressure", Place: "Bedroom"},
		{Start: t0.Add(time.Hour), End: t0.Add(time.Hour), Location: "Bed", Type: "Pressure", Place: "Bedroom"},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- replay.Replay(ctx, replay.Config{Broker: url, ResidentID: "res-a", Speed: 1}, acts) }()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Replay: %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Replay did not return after cancel")
	}
}
