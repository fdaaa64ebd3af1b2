package dlq_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/dlq"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/internal/testenv"
)

func setup(t testing.TB) (bus.Connection, *bus.Publisher) {
	t.Helper()
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	return conn, pub
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

func keyed(key string, ids ...string) []*message.Message {
	out := make([]*message.Message, len(ids))
	for i, id := range ids {
		out[i] = message.NewMessage(id, []byte(`{"n":"`+id+`"}`))
		out[i].Metadata.Set(bus.MetadataPartitionKey, key)
	}
	return out
}

// TestListAndReplay dead-letters one message of three through a real
// router, lists it, fixes the handler and replays it.
func TestListAndReplay(t *testing.T) {
	conn, pub := setup(t)
	const topic = "test.dlq-replay.v1"
	router, err := bus.NewRouter(bus.RouterConfig{DeadLetters: pub, Registerer: prometheus.NewRegistry(),
		Retry: bus.RetryConfig{MaxRetries: 1, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: "meals"})
	if err != nil {
		t.Fatal(err)
	}
	var broken atomic.Bool
	broken.Store(true)
	var mu sync.Mutex
	handled := map[string]message.Metadata{}
	router.AddConsumerHandler("meals", topic, sub, func(msg *message.Message) error {
		if msg.UUID == "meal-2" && broken.Load() {
			return errors.New("kitchen 12 is unknown")
		}
		mu.Lock()
		defer mu.Unlock()
		handled[msg.UUID] = msg.Metadata
		return nil
	})
	go router.Run(context.Background())
	t.Cleanup(func() { router.Close() })
	<-router.Running()
	if err := pub.Publish(topic, keyed("school-7", "meal-1", "meal-2", "meal-3")...); err != nil {
		t.Fatal(err)
	}

	var letters []dlq.Letter
	eventually(t, "a dead letter", func() bool {
		letters, err = dlq.List(t.Context(), conn, topic)
		return err == nil && len(letters) > 0
	})
	l := letters[0]
	if len(letters) != 1 || l.ID != "meal-2" || l.Topic != topic || l.Handler != "meals" || l.Error != "kitchen 12 is unknown" || l.Attempts != 2 {
		t.Fatalf("letters = %+v", letters)
	}
	if l.Record.Topic != topic+".dlq" || time.Since(l.Time) > time.Minute || string(l.Message.Payload) != `{"n":"meal-2"}` {
		t.Errorf("record %s, time %s, payload %s", l.Record, l.Time, l.Message.Payload)
	}

	if n, err := dlq.Replay(t.Context(), conn, pub, topic, "meal-2", "meal-9", "meal-8"); err == nil || n != 0 || !strings.Contains(err.Error(), `no dead letter with id "meal-9", "meal-8"`) {
		t.Errorf("replay of unknown ids = %d, %v; want 0 and an error naming them", n, err)
	}
	broken.Store(false)
	if n, err := dlq.Replay(t.Context(), conn, pub, topic, "meal-2"); err != nil || n != 1 {
		t.Fatalf("replay = %d, %v; want 1", n, err)
	}
	eventually(t, "the replayed meal-2 handled", func() bool { mu.Lock(); defer mu.Unlock(); return handled["meal-2"] != nil })
	mu.Lock()
	defer mu.Unlock()
	for k := range handled["meal-2"] {
		if strings.HasPrefix(k, "dlq_") {
			t.Errorf("replayed message still has header %s", k)
		}
	}
	if handled["meal-2"].Get(bus.MetadataPartitionKey) != "school-7" {
		t.Errorf("replayed message lost its key: %v", handled["meal-2"])
	}
}

// deadLetter writes a record to <topic>.dlq as the middleware would.
func deadLetter(t *testing.T, pub *bus.Publisher, topic, key, id string, at time.Time) {
	t.Helper()
	m := keyed(key, id)[0]
	m.Metadata.Set(middleware.HeaderDLQTopic, topic)
	m.Metadata.Set(middleware.HeaderDLQError, "failed at "+at.Format(time.TimeOnly))
	m.Metadata.Set(middleware.HeaderDLQAttempts, "4")
	m.Metadata.Set(middleware.HeaderDLQTime, at.Format(time.RFC3339Nano))
	if err := pub.Publish(middleware.DeadLetterTopic(topic), m); err != nil {
		t.Fatal(err)
	}
}

func TestReplayAllOnceEachInKeyOrder(t *testing.T) {
	conn, pub := setup(t)
	const topic = "test.dlq-replay-all.v1"
	at := time.Now().UTC()
	for i, id := range []string{"x1", "x2", "x1", "x3"} { // x1 was replayed and failed again
		deadLetter(t, pub, topic, "k", id, at.Add(time.Duration(i)*time.Second))
	}
	deadLetter(t, pub, topic, "other-key", "y1", at)
	n, err := dlq.Replay(t.Context(), conn, pub, topic)
	if err != nil || n != 4 {
		t.Fatalf("replay = %d, %v; want 4", n, err)
	}
	got := read(t, conn, topic, 4)
	if k := got["k"]; !slices.Equal(k, []string{"x2", "x1", "x3"}) {
		t.Errorf("key k replayed as %v, want [x2 x1 x3]", k)
	}
	if y := got["other-key"]; !slices.Equal(y, []string{"y1"}) {
		t.Errorf("other-key replayed as %v", y)
	}
}

// read reads n messages of topic and returns their ids by key, in order.
func read(t *testing.T, conn bus.Connection, topic string, n int) map[string][]string {
	t.Helper()
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ch, err := sub.Subscribe(t.Context(), topic)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string][]string{}
	for range n {
		select {
		case m := <-ch:
			key := m.Metadata.Get(bus.MetadataPartitionKey)
			byKey[key] = append(byKey[key], m.UUID)
			if m.Metadata.Get(middleware.HeaderDLQError) != "" {
				t.Errorf("%s replayed with its dlq headers", m.UUID)
			}
			m.Ack()
		case <-time.After(30 * time.Second):
			t.Fatalf("only %v of %d arrived", byKey, n)
		}
	}
	return byKey
}

func TestListWithoutDeadLetterTopicIsEmpty(t *testing.T) {
	conn, _ := setup(t)
	const topic = "test.dlq-none.v1"
	letters, err := dlq.List(t.Context(), conn, topic)
	if err != nil || letters == nil || len(letters) != 0 {
		t.Fatalf("List = %v, %v; want an empty list", letters, err)
	}
	client := &kafka.Client{Addr: kafka.TCP(conn.Brokers...)}
	meta, err := client.Metadata(t.Context(), &kafka.MetadataRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, mt := range meta.Topics {
		if mt.Name == topic+".dlq" {
			t.Errorf("List created %s", mt.Name)
		}
	}
	if n, err := dlq.Replay(t.Context(), conn, nil, topic); err != nil || n != 0 {
		t.Errorf("Replay of nothing = %d, %v; want 0, nil", n, err)
	}
}

func TestListRejectsABadConnection(t *testing.T) {
	_, err := dlq.List(t.Context(), bus.Connection{}, "t")
	if err == nil || !strings.HasPrefix(err.Error(), "dlq: list t: ") {
		t.Errorf("err = %v", err)
	}
}
