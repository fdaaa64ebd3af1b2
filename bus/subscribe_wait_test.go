package bus_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go/sasl/scram"
	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/embedded"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestSubscribeWaitsForTheBroker subscribes, with and without a consumer
// group, while nothing listens at the broker's address: Subscribe must not
// fail (a service started before its broker keeps running), and once a
// broker comes up at that address both subscriptions receive what is
// published.
func TestSubscribeWaitsForTheBroker(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	conn := bus.Connection{Brokers: []string{addr}}
	const topic = "test.subscribe-wait.v1"

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	grouped := collect(ctx, t, newSubscriber(t, conn, "subscribe-wait"), topic)
	all, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { all.Close() })
	ungrouped := collect(ctx, t, all, topic)

	time.Sleep(300 * time.Millisecond) // let both fail to reach it at least once
	testenv.BrokerWith(t, embedded.Config{Listen: addr, Partitions: 2, DataDir: t.TempDir()})

	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	msg := message.NewMessage("after-the-broker-came-up", []byte(`{"id":"after-the-broker-came-up"}`))
	msg.Metadata.Set(bus.MetadataPartitionKey, "k")
	if err := pub.Publish(topic, msg); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "the grouped subscription's message", func() bool { return grouped.has(msg.UUID) })
	waitFor(t, 60*time.Second, "the ungrouped subscription's message", func() bool { return ungrouped.has(msg.UUID) })
}

// TestSubscribeRefusedAtOnce: a refusal is not waited out — Subscribe with a
// wrong SASL password returns an error.
func TestSubscribeRefusedAtOnce(t *testing.T) {
	broker := testenv.BrokerWith(t, embedded.Config{
		SASL: []embedded.User{{Mechanism: "SCRAM-SHA-512", Name: "civicbus", Password: "s3cret-pass"}},
	})
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	mech, err := scram.Mechanism(scram.SHA512, "civicbus", "wrong")
	if err != nil {
		t.Fatal(err)
	}
	conn.SASL = mech
	sub := newSubscriber(t, conn, "subscribe-refused")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := sub.Subscribe(ctx, "test.subscribe-refused.v1"); err == nil {
		t.Fatal("Subscribe with a wrong password: no error")
	}
}
