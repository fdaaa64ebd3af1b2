package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
)

func TestSmoke(t *testing.T) {
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: "g1"})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	start := time.Now()
	ch, err := sub.Subscribe(context.Background(), "smoke.test.v1")
	if err != nil {
		t.Fatal(err)
	}
	t.Log("subscribed", time.Since(start))
	var msgs []*message.Message
	for i := range 100 {
		m := message.NewMessage(fmt.Sprint(i), []byte(`{}`))
		m.Metadata.Set(bus.MetadataPartitionKey, fmt.Sprint(i%7))
		msgs = append(msgs, m)
	}
	if err := pub.Publish("smoke.test.v1", msgs...); err != nil {
		t.Fatal(err)
	}
	t.Log("published", time.Since(start))
	seen := map[string]bool{}
	for len(seen) < 100 {
		select {
		case m := <-ch:
			seen[m.UUID] = true
			m.Ack()
		case <-time.After(20 * time.Second):
			t.Fatalf("got %d", len(seen))
		}
	}
	t.Log("consumed", time.Since(start))
}
