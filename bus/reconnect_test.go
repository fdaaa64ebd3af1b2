package bus_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/embedded"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestReconnect stops the broker in the middle of a stream and starts it again
// on the same address and data directory. Publishing during the outage must
// fail loudly (never drop silently), the subscriber must reconnect by itself,
// every message must arrive, and a consumer that joins the group afterwards
// must resume from the committed offsets rather than from the start.
func TestReconnect(t *testing.T) {
	const total = 3000
	cfg := embedded.Config{Partitions: 8, DataDir: t.TempDir()}
	broker := testenv.BrokerWith(t, cfg)
	cfg.Listen = broker.Addr()
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	const topic = "test.reconnect.v1"

	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, PublishTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	sub := newSubscriber(t, conn, "reconnect")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	received := collect(ctx, t, sub, topic)

	var (
		mu        sync.Mutex
		published = map[string]bool{}
		failures  int
	)
	publishOne := func(i int) {
		id := fmt.Sprintf("reconnect-%05d", i)
		msg := message.NewMessage(id, []byte(`{"id":"`+id+`"}`))
		msg.Metadata.Set(bus.MetadataPartitionKey, fmt.Sprint(i%31))
		for pub.Publish(topic, msg) != nil {
			mu.Lock()
			failures++
			mu.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
		mu.Lock()
		published[msg.UUID] = true
		mu.Unlock()
	}

	var wg sync.WaitGroup
	next := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range next {
				publishOne(i)
			}
		})
	}
	for i := range total {
		if i == total/3 {
			broker.Close()
			// Publishing fails while the broker is away.
			waitFor(t, 30*time.Second, "a publish error during the outage", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return failures > 0
			})
			broker = testenv.BrokerWith(t, cfg)
		}
		next <- i
	}
	close(next)
	wg.Wait()

	waitFor(t, 60*time.Second, fmt.Sprintf("all %d messages received", total), func() bool {
		return received.distinct() == total
	})
	for id := range published {
		if !received.has(id) {
			t.Errorf("published %s never received", id)
		}
	}
	if bad := received.corrupt(); len(bad) > 0 {
		t.Errorf("%d messages arrived with another payload or key than sent, e.g. %s", len(bad), bad[0])
	}
	t.Logf("%d published, %d deliveries (%d duplicates), %d failed publish attempts during the outage",
		total, received.deliveries(), received.deliveries()-total, failures)

	// Leave the group (committing), restart the broker once more, and join
	// again: only what is new arrives.
	cancel()
	if err := sub.Close(); err != nil {
		t.Fatal(err)
	}
	broker.Close()
	broker = testenv.BrokerWith(t, cfg)
	marker := message.NewMessage("after-restart", []byte(`{}`))
	restarted := time.Now()
	waitFor(t, 30*time.Second, "a publish after the restart", func() bool { return pub.Publish(topic, marker) == nil })
	t.Logf("publishing again %s after the restart", time.Since(restarted).Round(time.Millisecond))
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	again := collect(ctx2, t, newSubscriber(t, conn, "reconnect"), topic)
	waitFor(t, 30*time.Second, "the marker after the restart", func() bool { return again.has("after-restart") })
	if n := again.distinct(); n != 1 {
		t.Errorf("after a restart the group re-read %d messages, want only the new one", n-1)
	}
}

func newSubscriber(t *testing.T, conn bus.Connection, group string) *bus.Subscriber {
	t.Helper()
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: group, CommitInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	return sub
}

// received counts what a subscription delivered.
type received struct {
	mu    sync.Mutex
	ids   map[string]int
	total int
	bad   []string // ids whose payload does not name them or whose key is gone
}

func (r *received) corrupt() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.bad)
}

func (r *received) distinct() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ids)
}

func (r *received) deliveries() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total
}

func (r *received) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ids[id] > 0
}

// collect subscribes to topic and acks and records every message until ctx ends.
func collect(ctx context.Context, t *testing.T, sub *bus.Subscriber, topic string) *received {
	t.Helper()
	msgs, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	r := &received{ids: map[string]int{}}
	go func() {
		for msg := range msgs {
			r.mu.Lock()
			r.ids[msg.UUID]++
			r.total++
			if !bytes.Contains(msg.Payload, []byte(msg.UUID)) || msg.Metadata.Get(bus.MetadataPartitionKey) == "" {
				r.bad = append(r.bad, msg.UUID)
			}
			r.mu.Unlock()
			msg.Ack()
		}
	}()
	return r
}

var waitFor = testenv.WaitFor
