package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestDLQListAndReplay lists a dead letter through the command, in both
// formats, and replays it to its topic.
func TestDLQListAndReplay(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	const topic = "care.sensor-activation.v1"
	letter := message.NewMessage("evt-42", []byte(`{"sensor":"door"}`))
	letter.Metadata.Set(middleware.HeaderDLQTopic, topic)
	letter.Metadata.Set(middleware.HeaderDLQHandler, "routine")
	letter.Metadata.Set(middleware.HeaderDLQError, "/sensor: must be one of the sensor kinds")
	letter.Metadata.Set(middleware.HeaderDLQAttempts, "4")
	letter.Metadata.Set(middleware.HeaderDLQTime, time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC).Format(time.RFC3339Nano))
	if err := pub.Publish(topic+".dlq", letter); err != nil {
		t.Fatal(err)
	}

	out := runCommand(t, "dlq", "list", topic, "--brokers", broker.Addr())
	for _, want := range []string{"evt-42", "routine", "2026-11-25T10:00:00Z", "/sensor: must be one of the sensor kinds", "1 dead letters in " + topic + ".dlq"} {
		if !strings.Contains(out, want) {
			t.Errorf("dlq list output lacks %q:\n%s", want, out)
		}
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(runCommand(t, "dlq", "list", topic+".dlq", "--json", "--brokers", broker.Addr())), &row); err != nil {
		t.Fatal(err)
	}
	if row["id"] != "evt-42" || row["attempts"] != float64(4) || row["topic"] != topic {
		t.Errorf("dlq list --json: %v", row)
	}

	if _, err := runCommandErr(t, "dlq", "replay", topic, "--id", "nope", "--brokers", broker.Addr()); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("replay of an unknown id: got %v, want an error naming it", err)
	}
	out = runCommand(t, "dlq", "replay", topic, "--id", "evt-42", "--brokers", broker.Addr())
	if !strings.Contains(out, "replayed 1 dead letters") {
		t.Errorf("dlq replay output: %s", out)
	}
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ch, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-ch:
		if m.UUID != "evt-42" || m.Metadata.Get(middleware.HeaderDLQError) != "" {
			t.Errorf("replayed %s with metadata %v; want evt-42 without dlq headers", m.UUID, m.Metadata)
		}
		m.Ack()
	case <-time.After(20 * time.Second):
		t.Fatal("the replayed message did not arrive")
	}
}

func TestDLQUsage(t *testing.T) {
	for _, args := range [][]string{{"dlq"}, {"dlq", "purge", "x"}, {"dlq", "list"}, {"dlq", "list", "a", "b"}} {
		if _, err := runCommandErr(t, args...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func runCommand(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCommandErr(t, args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return out
}

func runCommandErr(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := newCLI(&stdout, &stderr, func(string) string { return "" }, builtinDefaults)
	err := c.main(context.Background(), args)
	return stdout.String(), err
}
