package bus_test

import (
	"context"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"
	"go.uber.org/goleak"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/embedded"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestPubSubInFlight runs Watermill's universal suite, as TestPubSub does,
// with 16 messages of a partition in flight: its records are keyless, so
// order is not among the features (see SubscriberConfig.MaxInFlight).
func TestPubSubInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("the universal suite takes minutes")
	}
	for _, tc := range []struct {
		name     string
		group    string
		features tests.Features
	}{
		{"group/partitions=8", "test", tests.Features{ConsumerGroups: true, Persistent: true}},
		{"nogroup/partitions=8", "", tests.Features{Persistent: true, NewSubscriberReceivesOldMessages: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			broker := testenv.BrokerWith(t, embedded.Config{Partitions: 8, DataDir: t.TempDir()})
			conn := bus.Connection{Brokers: []string{broker.Addr()}}
			newPubSub := func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
				pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
				if err != nil {
					t.Fatal(err)
				}
				sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: group, MaxInFlight: 16})
				if err != nil {
					t.Fatal(err)
				}
				return pub, sub
			}
			var withGroup tests.ConsumerGroupPubSubConstructor
			if tc.group != "" {
				withGroup = newPubSub
			}
			tests.TestPubSub(t, tc.features,
				func(t *testing.T) (message.Publisher, message.Subscriber) { return newPubSub(t, tc.group) },
				withGroup,
			)
		})
	}
}

// TestInFlightNoGoroutineLeftBehind ends a group subscription by its ctx and
// one without a group by Close, each with messages out and unacked, and
// checks that both channels close and no goroutine is left running.
func TestInFlightNoGoroutineLeftBehind(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	const topic = "test.inflight.lifecycle.v1"
	warm, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	publishN(t, warm, topic, 0, 200)
	warm.Close()
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	group, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: "inflight-lifecycle", MaxInFlight: 16})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, MaxInFlight: 16})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	byCtx, err := group.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	byClose, err := plain.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	ackN(t, byCtx, 100)
	ackN(t, byClose, 100)
	// Take some more and leave them unacked: their watchers must end too.
	for range 8 {
		<-byCtx
		<-byClose
	}
	cancel()
	drainUntilClosed(t, byCtx)
	if err := group.Close(); err != nil {
		t.Fatal(err)
	}
	if err := plain.Close(); err != nil {
		t.Fatal(err)
	}
	drainUntilClosed(t, byClose)
}
