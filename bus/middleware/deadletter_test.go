package middleware_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/internal/testenv"
)

// flakyPublisher fails its first failures Publish calls, as a broker that is
// briefly unreachable would, and then publishes with the real Publisher.
type flakyPublisher struct {
	message.Publisher
	failures atomic.Int32
}

func (p *flakyPublisher) Publish(topic string, msgs ...*message.Message) error {
	if p.failures.Add(-1) >= 0 {
		return errors.New("broker unreachable")
	}
	return p.Publisher.Publish(topic, msgs...)
}

// runRouter runs a plain Watermill router with the dead-letter middleware
// and one failing handler on topic, and returns the Publisher and Connection.
func runRouter(t *testing.T, topic string, dlq func(message.Publisher) middleware.DeadLetterQueue, h message.NoPublishHandlerFunc) (*bus.Publisher, bus.Connection) {
	t.Helper()
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: "dl", NackResendSleep: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 5 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	router.AddMiddleware(dlq(pub).Middleware, middleware.CountAttempts)
	router.AddConsumerHandler("importer", topic, sub, h)
	go router.Run(context.Background())
	t.Cleanup(func() { router.Close() })
	<-router.Running()
	return pub, conn
}

// deadLetters reads n records of <topic>.dlq.
func deadLetters(t *testing.T, conn bus.Connection, topic string, n int) []*message.Message {
	t.Helper()
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ch, err := sub.Subscribe(t.Context(), middleware.DeadLetterTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	var got []*message.Message
	for len(got) < n {
		select {
		case m := <-ch:
			m.Ack()
			got = append(got, m)
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of %d dead letters arrived", len(got), n)
		}
	}
	return got
}

func TestDeadLetterQueueKeepsTheMessageAndAddsHeaders(t *testing.T) {
	const topic = "test.dl-headers.v1"
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var seen atomic.Pointer[message.Message]
	pub, conn := runRouter(t, topic,
		func(p message.Publisher) middleware.DeadLetterQueue {
			return middleware.DeadLetterQueue{Publisher: p, Now: func() time.Time { return at }, OnDeadLetter: func(m *message.Message, _ error) { seen.Store(m) }}
		},
		func(*message.Message) error { return errors.New("unknown school id 4711") })
	msg := message.NewMessage("ev-1", []byte(`{"school":4711}`))
	msg.Metadata.Set(bus.MetadataPartitionKey, "school-4711")
	msg.Metadata.Set(middleware.CorrelationIDKey, "chain-1")
	if err := pub.Publish(topic, msg); err != nil {
		t.Fatal(err)
	}
	got := deadLetters(t, conn, topic, 1)[0]
	if got.UUID != "ev-1" || string(got.Payload) != `{"school":4711}` {
		t.Errorf("dead letter %s %s, want the original id and payload", got.UUID, got.Payload)
	}
	for k, want := range map[string]string{
		middleware.HeaderDLQError:    "unknown school id 4711",
		middleware.HeaderDLQHandler:  "importer",
		middleware.HeaderDLQAttempts: "1",
		middleware.HeaderDLQTopic:    topic,
		middleware.HeaderDLQTime:     "2026-03-01T12:00:00Z",
		bus.MetadataPartitionKey:     "school-4711",
		middleware.CorrelationIDKey:  "chain-1",
		bus.HeaderType:               topic,
	} {
		if v := got.Metadata.Get(k); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
	if m := seen.Load(); m == nil || m.Metadata.Get(middleware.HeaderDLQError) != "" {
		t.Errorf("OnDeadLetter was not called with the unchanged message: %v", m)
	}
}

func TestDeadLetterQueueNacksWhenThePublishFails(t *testing.T) {
	const topic = "test.dl-publish-fails.v1"
	var runs, deadLettered atomic.Int32
	pub, conn := runRouter(t, topic,
		func(p message.Publisher) middleware.DeadLetterQueue {
			flaky := &flakyPublisher{Publisher: p}
			flaky.failures.Store(2)
			return middleware.DeadLetterQueue{Publisher: flaky, OnDeadLetter: func(*message.Message, error) { deadLettered.Add(1) }}
		},
		func(*message.Message) error { runs.Add(1); return errors.New("always fails") })
	if err := pub.Publish(topic, message.NewMessage("ev-2", []byte(`{}`))); err != nil {
		t.Fatal(err)
	}
	got := deadLetters(t, conn, topic, 1)[0]
	if got.UUID != "ev-2" || runs.Load() != 3 || deadLettered.Load() != 1 {
		t.Errorf("letter %s after %d runs and %d dead-letterings; want ev-2 after 3 runs (2 nacked) and 1", got.UUID, runs.Load(), deadLettered.Load())
	}
}

// errOutage stands for a store that is down.
var errOutage = errors.New("database unreachable")

// TestDeadLetterQueueWaitsOutATransientOutage: a handler failing with an
// error Transient accepts is nacked and tried again until it succeeds — never
// dead-lettered — while a message failing Permanent with such an error, and
// one failing otherwise, are dead-lettered as before.
func TestDeadLetterQueueWaitsOutATransientOutage(t *testing.T) {
	const topic = "test.dl-transient.v1"
	var runs, waited, deadLettered atomic.Int32
	handled := make(chan string, 4)
	pub, conn := runRouter(t, topic,
		func(p message.Publisher) middleware.DeadLetterQueue {
			return middleware.DeadLetterQueue{
				Publisher:    p,
				Transient:    func(err error) bool { return errors.Is(err, errOutage) },
				OnTransient:  func(*message.Message, error) { waited.Add(1) },
				OnDeadLetter: func(*message.Message, error) { deadLettered.Add(1) },
			}
		},
		func(msg *message.Message) error {
			switch msg.UUID {
			case "outage":
				if runs.Add(1) <= 5 { // the store is down for five attempts
					return errOutage
				}
			case "permanent":
				return middleware.Permanent(errOutage)
			case "bad":
				return errors.New("cannot parse")
			}
			handled <- msg.UUID
			return nil
		})
	for _, id := range []string{"outage", "permanent", "bad"} {
		msg := message.NewMessage(id, []byte(`{}`))
		msg.Metadata.Set(bus.MetadataPartitionKey, "one-partition")
		if err := pub.Publish(topic, msg); err != nil {
			t.Fatal(err)
		}
	}
	letters := deadLetters(t, conn, topic, 2)
	if letters[0].UUID != "permanent" || letters[1].UUID != "bad" {
		t.Errorf("dead letters %s, %s; want permanent, bad", letters[0].UUID, letters[1].UUID)
	}
	select {
	case id := <-handled:
		if id != "outage" {
			t.Errorf("handled %s, want outage", id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the message that met the outage was never handled")
	}
	if runs.Load() != 6 || waited.Load() != 5 || deadLettered.Load() != 2 {
		t.Errorf("%d runs, %d nacked for the outage, %d dead-lettered; want 6, 5, 2", runs.Load(), waited.Load(), deadLettered.Load())
	}
}
