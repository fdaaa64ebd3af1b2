package bus_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
)

// publishKeyed publishes, for each i in [0, n), one record per key in keys
// with that key, id "<key>-<i>" and payload i: key order interleaved.
func publishKeyed(t *testing.T, conn bus.Connection, topic string, keys []string, n int) {
	t.Helper()
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	var msgs []*message.Message
	for i := range n {
		for _, k := range keys {
			m := message.NewMessage(fmt.Sprintf("%s-%d", k, i), []byte(strconv.Itoa(i)))
			if k != "" {
				m.Metadata.Set(bus.MetadataPartitionKey, k)
			}
			msgs = append(msgs, m)
		}
	}
	if err := pub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
}

// subscribe subscribes a new Subscriber of cfg to topic; it is closed when
// the test ends, if not before.
func subscribe(t *testing.T, cfg bus.SubscriberConfig, topic string) (*bus.Subscriber, <-chan *message.Message) {
	t.Helper()
	sub, err := bus.NewSubscriber(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	ch, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return sub, ch
}

func oneTopic(t *testing.T, conn bus.Connection, topic string) {
	t.Helper()
	if _, err := bus.EnsureTopic(context.Background(), conn, topic, 1); err != nil {
		t.Fatal(err)
	}
}

func seqOf(t *testing.T, m *message.Message) int {
	t.Helper()
	i, err := strconv.Atoi(string(m.Payload))
	if err != nil {
		t.Fatalf("message %s: payload %q", m.UUID, m.Payload)
	}
	return i
}

// TestInFlightKeyOrder handles 20 keys × 200 records of one partition with
// 32 in flight, each message in its own goroutine (as the router does) for a
// random 0–3 ms: every record is handled exactly once, each key's records in
// offset order and never two of a key at once, and more than one message was
// out at a time.
func TestInFlightKeyOrder(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	const topic, nKeys, perKey = "test.inflight.order.v1", 20, 200
	oneTopic(t, conn, topic)
	keys := make([]string, nKeys)
	for k := range keys {
		keys[k] = fmt.Sprintf("case-%d", k)
	}
	publishKeyed(t, conn, topic, keys, perKey)

	sub, ch := subscribe(t, bus.SubscriberConfig{Connection: conn, MaxInFlight: 32}, topic)

	var (
		mu          sync.Mutex
		handled     = map[string]int{}   // by message id: times handled
		nextSeq     = map[string]int{}   // by key: the seq expected next
		lastOffset  = map[string]int64{} // by key
		busy        = map[string]bool{}  // by key: a message of it is being handled
		running     int
		maxRunning  int
		problems    []string
		wg          sync.WaitGroup
		allHandled  = make(chan struct{})
		handledOnce int
	)
	problem := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		for m := range ch {
			wg.Go(func() {
				key := m.Metadata.Get(bus.MetadataPartitionKey)
				rec, _ := bus.RecordFromCtx(m.Context())
				seq := seqOf(t, m)
				mu.Lock()
				if busy[key] {
					problem("%s delivered while another message of %s was out", m.UUID, key)
				}
				busy[key] = true
				if seq != nextSeq[key] {
					problem("key %s: got %d, want %d", key, seq, nextSeq[key])
				}
				if last, ok := lastOffset[key]; ok && rec.Offset <= last {
					problem("key %s: offset %d after %d", key, rec.Offset, last)
				}
				nextSeq[key] = seq + 1
				lastOffset[key] = rec.Offset
				running++
				maxRunning = max(maxRunning, running)
				mu.Unlock()

				time.Sleep(time.Duration(rand.IntN(3001)) * time.Microsecond)

				mu.Lock()
				running--
				busy[key] = false
				handled[m.UUID]++
				if handled[m.UUID] == 1 {
					handledOnce++
					if handledOnce == nKeys*perKey {
						close(allHandled)
					}
				}
				mu.Unlock()
				m.Ack()
			})
		}
	}()
	select {
	case <-allHandled:
	case <-time.After(60 * time.Second):
		mu.Lock()
		t.Fatalf("timed out: %d of %d handled", handledOnce, nKeys*perKey)
	}
	// Anything delivered twice would come right behind; Close ends the
	// channel after what is out, and the handlers finish.
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	<-consumed // no wg.Go after this, so wg.Wait may start
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems[:min(len(problems), 10)] {
		t.Error(p)
	}
	for id, n := range handled {
		if n != 1 {
			t.Errorf("%s handled %d times", id, n)
		}
	}
	if maxRunning < 2 {
		t.Errorf("at most %d message(s) handled at once with 32 in flight and 20 keys", maxRunning)
	}
	t.Logf("at most %d handled at once", maxRunning)
}

// TestInFlightCommitsContiguousPrefix acks every record of a partition but
// one, leaves, and starts a new member of the group: it gets the held-back
// record and those after it, and nothing before it.
func TestInFlightCommitsContiguousPrefix(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	const topic, n, heldBack = "test.inflight.prefix.v1", 10, 3
	oneTopic(t, conn, topic)
	publishKeyed(t, conn, topic, []string{""}, n) // keyless: none waits for another

	first, ch := subscribe(t, bus.SubscriberConfig{Connection: conn, ConsumerGroup: "prefix", MaxInFlight: 8}, topic)
	timeout := time.After(30 * time.Second)
	for got := 0; got < n; got++ {
		select {
		case m := <-ch:
			if seqOf(t, m) != heldBack {
				m.Ack()
			}
		case <-timeout:
			t.Fatalf("timed out after %d of %d messages", got, n)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	_, ch = subscribe(t, bus.SubscriberConfig{Connection: conn, ConsumerGroup: "prefix", MaxInFlight: 8}, topic)
	seen := map[int]bool{}
	for len(seen) < n-heldBack {
		select {
		case m := <-ch:
			seq := seqOf(t, m)
			if seq < heldBack {
				t.Fatalf("record %d redelivered: it was in the acked prefix", seq)
			}
			seen[seq] = true
			m.Ack()
		case <-timeout:
			t.Fatalf("timed out; redelivered %v, want %d..%d", seen, heldBack, n-1)
		}
	}
	// Nothing before the prefix may follow either.
	select {
	case m := <-ch:
		t.Fatalf("record %d delivered again", seqOf(t, m))
	case <-time.After(time.Second):
	}
}

// TestInFlightNackKeepsKeyOrder nacks the first record of one key until every
// record of the other keys was handled: they flow past it, and the nacked
// key's later records wait until it is acked. (All 20 records fit in the
// window of 4×MaxInFlight read past the unacked one.)
func TestInFlightNackKeepsKeyOrder(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	const topic, perKey = "test.inflight.nack.v1", 5
	oneTopic(t, conn, topic)
	keys := []string{"stuck", "a", "b", "c"}
	publishKeyed(t, conn, topic, keys, perKey)

	_, ch := subscribe(t, bus.SubscriberConfig{Connection: conn, MaxInFlight: 8, NackResendSleep: 10 * time.Millisecond}, topic)
	others := (len(keys) - 1) * perKey
	handledOthers, nacks, stuckNext := 0, 0, 0
	timeout := time.After(30 * time.Second)
	for stuckNext < perKey {
		select {
		case m := <-ch:
			key, seq := m.Metadata.Get(bus.MetadataPartitionKey), seqOf(t, m)
			if key != "stuck" {
				handledOthers++
				m.Ack()
				continue
			}
			if seq != stuckNext {
				t.Fatalf("stuck-%d delivered while stuck-%d was not acked", seq, stuckNext)
			}
			if seq == 0 && handledOthers < others {
				nacks++
				m.Nack()
				continue
			}
			stuckNext++
			m.Ack()
		case <-timeout:
			t.Fatalf("timed out: %d of %d other records handled, stuck at %d after %d nacks", handledOthers, others, stuckNext, nacks)
		}
	}
	if nacks == 0 {
		t.Fatal("stuck-0 was never nacked: the other keys were all handled before it came")
	}
	if handledOthers != others {
		t.Fatalf("%d other records handled, want %d", handledOthers, others)
	}
	t.Logf("stuck-0 nacked %d times while %d other records were handled", nacks, others)
}
