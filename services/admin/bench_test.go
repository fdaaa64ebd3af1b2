package admin

import (
	"context"
	"fmt"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
)

// BenchmarkDeadLetters measures what a page view spends listing dead
// letters, of a <topic>.dlq holding 1,000 letters on the embedded broker
// over TCP: read afresh (the first view, or after the topic grew), and
// from the cache (the topic's record count unchanged).
func BenchmarkDeadLetters(b *testing.B) {
	r := newRig(b, testToken)
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: r.conn, Source: "/bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	const n = 1000
	msgs := make([]*message.Message, n)
	for i := range msgs {
		m := message.NewMessage(fmt.Sprintf("0b6e1f7c-0000-4000-8000-%012d", i), []byte(`{"n":1}`))
		m.Metadata.Set(middleware.HeaderDLQError, "refused")
		m.Metadata.Set(middleware.HeaderDLQHandler, "bench")
		m.Metadata.Set(middleware.HeaderDLQAttempts, "3")
		m.Metadata.Set(middleware.HeaderDLQTopic, testTopic)
		msgs[i] = m
	}
	if err := pub.Publish(middleware.DeadLetterTopic(testTopic), msgs...); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if err := r.s.rates.sample(ctx); err != nil {
		b.Fatal(err)
	}
	topics := r.s.rates.topics()
	list := func(b *testing.B) {
		letters, errText := r.s.deadLetters(ctx, topics)
		if errText != "" || len(letters) != 1 || letters[0].Total != n {
			b.Fatalf("listed %d topics (%s), want one of %d letters", len(letters), errText, n)
		}
	}
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			r.s.letters = letterCache{}
			list(b)
		}
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			list(b)
		}
	})
}
