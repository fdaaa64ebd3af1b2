package filesink_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/dlq"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/filesink"
	"github.com/vasteras/civicbus/internal/testenv"
)

const topic = "meals.food-waste.v1"

func publish(t *testing.T, conn bus.Connection, from, to int) {
	t.Helper()
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/test"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var msgs []*message.Message
	for i := from; i < to; i++ {
		payload := fmt.Sprintf(`{"kitchen_id":"k%d","date":"2024-03-01","total_waste_kg":%d}`, i%7, i)
		if i == 250 {
			payload = `not json` // the sink refuses it: a dead letter
		}
		msgs = append(msgs, message.NewMessage(fmt.Sprintf("00000000-0000-4000-8000-%012d", i), []byte(payload)))
	}
	if err := pub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
}

// run runs the sink runtime until stop is called.
func run(t *testing.T, conn bus.Connection, dir string) (stop func()) {
	t.Helper()
	sink, err := filesink.New(filesink.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: "connector-archive", Partitions: 4})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/civicbus/connectors/archive"})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := connectors.NewSinkRuntime(connectors.SinkRuntimeConfig{Name: "archive", Topic: topic, Sink: sink, Subscriber: sub, DeadLetters: pub, Linger: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		sub.Close()
		pub.Close()
	}
}

// ids reads every id written, counting repeats.
func ids(t *testing.T, dir string) map[string]int {
	t.Helper()
	out := map[string]int{}
	files, _ := filepath.Glob(filepath.Join(dir, topic, "*.ndjson"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Split(data, []byte("\n"))
		// The last element is what follows the last newline: empty, or a
		// line the sink is still writing.
		for _, line := range lines[:len(lines)-1] {
			var l struct {
				ID   string          `json:"id"`
				Data json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(line, &l); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out[l.ID]++
		}
	}
	return out
}

// TestSinkRuntimeResumesAndDeadLetters: 500 events, one not JSON, then a
// stop, 200 more and a restart: every good event is written exactly once,
// the bad one is in the dead-letter topic, the good ones kept flowing.
func TestSinkRuntimeResumesAndDeadLetters(t *testing.T) {
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	if _, err := bus.EnsureTopic(context.Background(), conn, topic, 4); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	publish(t, conn, 0, 500)
	stop := run(t, conn, dir)
	waitFor(t, "499 events written", func() bool { return len(ids(t, dir)) == 499 })
	stop()
	publish(t, conn, 500, 700)
	stop = run(t, conn, dir)
	waitFor(t, "699 events written", func() bool { return len(ids(t, dir)) == 699 })
	time.Sleep(300 * time.Millisecond) // a repeat would show now
	stop()
	for id, n := range ids(t, dir) {
		if n != 1 {
			t.Errorf("%s written %d times", id, n)
		}
	}
	letters, err := dlq.List(context.Background(), conn, topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != 1 || letters[0].ID != "00000000-0000-4000-8000-000000000250" || letters[0].Handler != "archive" {
		t.Fatalf("dead letters %+v", letters)
	}
}

// flaky fails its first writes as a lost connection.
type flaky struct {
	connectors.Sink
	fails    int
	connects int
}

func (f *flaky) Connect(ctx context.Context) error { f.connects++; return f.Sink.Connect(ctx) }
func (f *flaky) Write(ctx context.Context, b []connectors.Event) error {
	if f.fails > 0 {
		f.fails--
		return connectors.ErrNotConnected
	}
	return f.Sink.Write(ctx, b)
}

func TestSinkReconnectsAndLosesNothing(t *testing.T) {
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	dir := t.TempDir()
	publish(t, conn, 0, 100)
	inner, _ := filesink.New(filesink.Config{Dir: dir})
	sink := &flaky{Sink: inner, fails: 3}
	sub, _ := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: "connector-flaky"})
	pub, _ := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	defer sub.Close()
	defer pub.Close()
	rt, err := connectors.NewSinkRuntime(connectors.SinkRuntimeConfig{Name: "flaky", Topic: topic, Sink: sink, Subscriber: sub, DeadLetters: pub, MinBackoff: time.Millisecond, Linger: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	waitFor(t, "100 events written", func() bool { return len(ids(t, dir)) == 100 })
	cancel()
	<-done
	for id, n := range ids(t, dir) {
		if n != 1 {
			t.Errorf("%s written %d times", id, n)
		}
	}
	if sink.connects < 4 {
		t.Errorf("%d connects after 3 lost connections, want at least 4", sink.connects)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
