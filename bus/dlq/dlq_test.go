package dlq_test

import (
	"context"
	"errors"
	"fmt"
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

// TestListEveryLetterInPartitionOrder lists 8 partitions of letters written
// in many batches, one partition's passing the 4 MiB of one fetch: every
// letter is listed once, with its fields, partition by partition in offset
// order, each key's letters in the order they were written.
func TestListEveryLetterInPartitionOrder(t *testing.T) {
	conn, pub := setup(t)
	const topic = "test.dlq-exact.v1"
	dt := middleware.DeadLetterTopic(topic)
	if _, err := bus.EnsureTopic(t.Context(), conn, dt, 8); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	type sent struct {
		key     string
		payload string
		at      time.Time
	}
	want := map[string]sent{}
	var order []string // ids in the order written
	write := func(key string, n int, payload func(i int) string) {
		msgs := make([]*message.Message, n)
		for i := range msgs {
			id := fmt.Sprintf("%s-%04d", key, len(order))
			s := sent{key: key, payload: payload(i), at: at.Add(time.Duration(len(order)) * time.Second)}
			m := message.NewMessage(id, []byte(s.payload))
			m.Metadata.Set(bus.MetadataPartitionKey, key)
			m.Metadata.Set(middleware.HeaderDLQTopic, topic)
			m.Metadata.Set(middleware.HeaderDLQHandler, "h-"+key)
			m.Metadata.Set(middleware.HeaderDLQError, "bad "+id)
			m.Metadata.Set(middleware.HeaderDLQAttempts, "3")
			m.Metadata.Set(middleware.HeaderDLQTime, s.at.Format(time.RFC3339Nano))
			msgs[i] = m
			want[id] = s
			order = append(order, id)
		}
		if err := pub.Publish(dt, msgs...); err != nil {
			t.Fatal(err)
		}
	}
	small := func(i int) string { return fmt.Sprintf(`{"i":%d}`, i) }
	big := func(i int) string { return `{"blob":"` + strings.Repeat(string(rune('a'+i%26)), 300<<10) + `"}` }
	for round := range 5 {
		for k := range 24 {
			write(fmt.Sprintf("k%02d", k), 1+round*k%7, small)
		}
		write("big", 4, big) // 20 letters of 300 KiB: 6 MiB in one partition
	}

	letters, err := dlq.List(t.Context(), conn, topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(letters) != len(order) {
		t.Errorf("listed %d letters, wrote %d", len(letters), len(order))
	}
	byKey := map[string][]string{}
	seen := map[string]bool{}
	next := map[int]int64{} // partition → the offset its next letter must have
	lastPartition := -1
	for _, l := range letters {
		r := l.Record
		if r.Partition < lastPartition {
			t.Fatalf("partition %d listed after %d", r.Partition, lastPartition)
		}
		lastPartition = r.Partition
		if r.Topic != dt || r.Offset != next[r.Partition] {
			t.Fatalf("letter %s at %s, want offset %d: a letter is missing or out of order", l.ID, r, next[r.Partition])
		}
		next[r.Partition]++
		s, ok := want[l.ID]
		if !ok || seen[l.ID] {
			t.Fatalf("letter %s listed that was not written, or twice", l.ID)
		}
		seen[l.ID] = true
		if string(l.Message.Payload) != s.payload || l.Topic != topic || l.Handler != "h-"+s.key ||
			l.Error != "bad "+l.ID || l.Attempts != 3 || !l.Time.Equal(s.at) ||
			l.Message.Metadata.Get(bus.MetadataPartitionKey) != s.key {
			t.Errorf("letter %s = topic %q handler %q error %q attempts %d time %s, payload of %d bytes",
				l.ID, l.Topic, l.Handler, l.Error, l.Attempts, l.Time, len(l.Message.Payload))
		}
		byKey[s.key] = append(byKey[s.key], l.ID)
	}
	if len(next) != 8 {
		t.Errorf("letters in %d partitions, want 8: %v", len(next), next)
	}
	for _, id := range order {
		k := want[id].key
		if len(byKey[k]) == 0 || byKey[k][0] != id {
			t.Fatalf("key %s: listed %v, next written was %s", k, byKey[k], id)
		}
		byKey[k] = byKey[k][1:]
	}
}

func TestListOfAnEmptyTopic(t *testing.T) {
	conn, _ := setup(t)
	const topic = "test.dlq-empty.v1"
	if _, err := bus.EnsureTopic(t.Context(), conn, middleware.DeadLetterTopic(topic), 8); err != nil {
		t.Fatal(err)
	}
	letters, err := dlq.List(t.Context(), conn, topic)
	if err != nil || letters == nil || len(letters) != 0 {
		t.Fatalf("List = %v, %v; want an empty list", letters, err)
	}
}
