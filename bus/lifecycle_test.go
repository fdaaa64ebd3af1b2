package bus_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"go.uber.org/goleak"
)

// TestNoGoroutineLeftBehind publishes and consumes through a group and
// without one, ends one subscription by cancelling its ctx and the rest by
// Close, and checks that every channel is closed and no goroutine of the
// adapter or kafka-go is left running.
func TestNoGoroutineLeftBehind(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	// Publish once before taking the snapshot, so that the broker's own
	// goroutines for the topic already exist.
	warm, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	publishN(t, warm, "test.lifecycle.v1", 0, 50)
	warm.Close()
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	publishN(t, pub, "test.lifecycle.v1", 50, 50)
	group, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: "lifecycle"})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	byCtx, err := group.Subscribe(ctx, "test.lifecycle.v1")
	if err != nil {
		t.Fatal(err)
	}
	byClose, err := plain.Subscribe(context.Background(), "test.lifecycle.v1")
	if err != nil {
		t.Fatal(err)
	}
	ackN(t, byCtx, 100)
	ackN(t, byClose, 100)

	cancel()
	drainUntilClosed(t, byCtx)
	if err := pub.Close(); err != nil {
		t.Fatal(err)
	}
	if err := group.Close(); err != nil {
		t.Fatal(err)
	}
	if err := plain.Close(); err != nil {
		t.Fatal(err)
	}
	drainUntilClosed(t, byClose)

	if err := pub.Publish("test.lifecycle.v1", message.NewMessage("late", nil)); !errors.Is(err, bus.ErrPublisherClosed) {
		t.Errorf("Publish after Close: got %v, want ErrPublisherClosed", err)
	}
	if _, err := group.Subscribe(context.Background(), "test.lifecycle.v1"); !errors.Is(err, bus.ErrSubscriberClosed) {
		t.Errorf("Subscribe after Close: got %v, want ErrSubscriberClosed", err)
	}
}

func publishN(t *testing.T, pub message.Publisher, topic string, from, n int) {
	t.Helper()
	msgs := make([]*message.Message, n)
	for i := range msgs {
		msgs[i] = message.NewMessage(fmt.Sprintf("%s-%d", topic, from+i), []byte(`{}`))
	}
	if err := pub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
}

func ackN(t *testing.T, msgs <-chan *message.Message, n int) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for range n {
		select {
		case m := <-msgs:
			m.Ack()
		case <-timeout:
			t.Fatalf("timed out waiting for %d messages", n)
		}
	}
}

func drainUntilClosed(t *testing.T, msgs <-chan *message.Message) {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				return
			}
			m.Nack()
		case <-timeout:
			t.Fatal("subscription channel not closed")
		}
	}
}
