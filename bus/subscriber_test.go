package bus_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go"
	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestPartitionsConsumedConcurrently holds one message unacknowledged and
// checks that the other partitions keep flowing meanwhile, and that order is
// kept within every key.
func TestPartitionsConsumedConcurrently(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	const topic, keys, perKey = "test.concurrent.v1", 16, 20
	names := make([]string, keys)
	for k := range names {
		names[k] = fmt.Sprintf("k%d", k)
	}
	publishKeyed(t, conn, topic, names, perKey)

	sub := newSubscriber(t, conn, "concurrent")
	ch, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	held := <-ch // not acked yet: its partition must stall, the others not
	heldPartition := partitionOf(t, held)
	lastSeq := map[string]int{held.Metadata.Get(bus.MetadataPartitionKey): 0}
	// The records on other partitions than the held one, by the producer's
	// murmur2 partitioning of the keys over the 8 partitions.
	others := 0
	for k := range keys {
		p := kafka.Murmur2Balancer{}.Balance(kafka.Message{Key: fmt.Appendf(nil, "k%d", k)}, 0, 1, 2, 3, 4, 5, 6, 7)
		if p != heldPartition {
			others += perKey
		}
	}
	partitionsSeen := map[int]bool{}
	timeout := time.After(30 * time.Second)
	for got := 1; got < keys*perKey; {
		if got == 1+others && held != nil {
			held.Ack() // every other partition delivered all while one was held
			held = nil
		}
		select {
		case m := <-ch:
			p := partitionOf(t, m)
			if held != nil && p == heldPartition {
				t.Fatalf("partition %d delivered %s before %s was acked", p, m.UUID, held.UUID)
			}
			partitionsSeen[p] = true
			key := m.Metadata.Get(bus.MetadataPartitionKey)
			seq, _ := strconv.Atoi(string(m.Payload))
			if last, ok := lastSeq[key]; ok && seq != last+1 {
				t.Fatalf("key %s: got %d after %d", key, seq, last)
			}
			lastSeq[key] = seq
			m.Ack()
			got++
		case <-timeout:
			t.Fatalf("timed out; partitions seen while one was held: %v", partitionsSeen)
		}
	}
	if len(partitionsSeen) < 4 {
		t.Fatalf("records came from partitions %v only; the keys should spread wider", partitionsSeen)
	}
}

func partitionOf(t *testing.T, m *message.Message) int {
	t.Helper()
	rec, ok := bus.RecordFromCtx(m.Context())
	if !ok {
		t.Fatalf("message %s has no Kafka record in its context", m.UUID)
	}
	return rec.Partition
}

// TestCommitOnlyAfterAck acks the first messages of a partition, receives but
// does not ack the next, and leaves: the next member of the group starts at
// the unacked message.
func TestCommitOnlyAfterAck(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	const topic = "test.commit.v1"
	if _, err := bus.EnsureTopic(context.Background(), conn, topic, 1); err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	publishN(t, pub, topic, 0, 10)

	first := newSubscriber(t, conn, "commit")
	ch, err := first.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	ackN(t, ch, 4)
	unacked := <-ch
	unacked.Nack()
	redelivered := <-ch // Nack delivers the same record again
	if redelivered.UUID != unacked.UUID {
		t.Fatalf("after Nack got %s, want %s again", redelivered.UUID, unacked.UUID)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second := newSubscriber(t, conn, "commit")
	ch, err = second.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-ch:
		if m.UUID != unacked.UUID {
			t.Fatalf("the group resumed at %s, want the unacked %s", m.UUID, unacked.UUID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("timed out")
	}
}

// TestInitialOffsetNewest: a new group that starts at the newest offset sees
// only what is published after it joined.
func TestInitialOffsetNewest(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	const topic = "test.newest.v1"
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	publishN(t, pub, topic, 0, 20)

	_, ch := subscribe(t, bus.SubscriberConfig{Connection: conn, ConsumerGroup: "newest", InitialOffset: bus.OffsetNewest}, topic)
	// The readers find the end of each partition asynchronously: publish
	// markers until one arrives, then nothing old may have come first.
	deadline := time.Now().Add(30 * time.Second)
	for i := 0; ; i++ {
		if time.Now().After(deadline) {
			t.Fatal("no marker arrived")
		}
		marker := message.NewMessage(fmt.Sprintf("marker-%d", i), nil)
		if err := pub.Publish(topic, marker); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-ch:
			m.Ack()
			if m.UUID[:7] != "marker-" {
				t.Fatalf("got old message %s", m.UUID)
			}
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// failingMarshaler cannot decode anything.
type failingMarshaler struct{ bus.CloudEvents }

func (failingMarshaler) Unmarshal(kafka.Message) (*message.Message, error) {
	return nil, errors.New("unsupported encoding")
}

// TestUndecodableRecordIsDelivered: a record the Marshaler cannot decode is
// neither skipped (lost) nor blocking: it is delivered raw with the reason,
// and the records behind it follow.
func TestUndecodableRecordIsDelivered(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	const topic = "test.undecodable.v1"
	if _, err := bus.EnsureTopic(context.Background(), conn, topic, 1); err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	publishN(t, pub, topic, 0, 2)
	_, ch := subscribe(t, bus.SubscriberConfig{Connection: conn, Marshaler: failingMarshaler{}}, topic)
	for i := range 2 {
		select {
		case m := <-ch:
			if got := m.Metadata.Get(bus.MetadataUnmarshalError); got != "unsupported encoding" {
				t.Errorf("message %d: unmarshal error %q", i, got)
			}
			if want := fmt.Sprintf("%s-%d", topic, i); m.UUID != want || string(m.Payload) != "{}" {
				t.Errorf("message %d: got %s %q, want the raw record %s", i, m.UUID, m.Payload, want)
			}
			m.Ack()
		case <-time.After(20 * time.Second):
			t.Fatal("timed out")
		}
	}
}

// TestUnmarshalMarkCannotBeForged: a producer's header named like the
// subscriber's undecodable mark does not survive decoding.
func TestUnmarshalMarkCannotBeForged(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	m := message.NewMessage("forged", []byte(`{}`))
	m.Metadata.Set(bus.MetadataUnmarshalError, "not really")
	if err := pub.Publish("test.forged.v1", m); err != nil {
		t.Fatal(err)
	}
	_, ch := subscribe(t, bus.SubscriberConfig{Connection: conn}, "test.forged.v1")
	select {
	case got := <-ch:
		if v, ok := got.Metadata[bus.MetadataUnmarshalError]; ok {
			t.Errorf("decoded message carries %s=%q", bus.MetadataUnmarshalError, v)
		}
		got.Ack()
	case <-time.After(20 * time.Second):
		t.Fatal("timed out")
	}
}
