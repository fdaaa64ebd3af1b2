package bus_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus"
)

// benchHandlerTime stands for a service handler's publish and SQLite commit.
const benchHandlerTime = 2 * time.Millisecond

// BenchmarkInFlight consumes b.N keyed records of an 8-partition topic
// through a group with a handler that takes 2 ms, each message in its own
// goroutine as the Watermill router runs them, with MaxInFlight 1 (one
// message per partition at a time) and 64. msg/s counts from the first
// message to the last ack. Run both side by side, e.g.
//
//	go test ./bus/ -run '^$' -bench BenchmarkInFlight -benchtime 20000x
func BenchmarkInFlight(b *testing.B) {
	e := newBenchEnv(b)
	for _, n := range []int{1, 64} {
		b.Run("max="+strconv.Itoa(n), func(b *testing.B) { runInFlight(b, e, n) })
	}
}

func runInFlight(b *testing.B, e *benchEnv, maxInFlight int) {
	b.StopTimer()
	before := goroutineCount()
	topic := e.topic(b, b.Name())
	prefillKeyed(b, e, topic, b.N)

	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: e.conn, ConsumerGroup: topic + ".group", MaxInFlight: maxInFlight})
	if err != nil {
		b.Fatal(err)
	}
	ch, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		b.Fatal(err)
	}
	var (
		handled atomic.Int64
		all     = make(chan struct{})
		wg      sync.WaitGroup
		start   time.Time
	)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, ok := <-ch
		if !ok {
			b.Fatalf("the subscription ended after %d of %d messages", i, b.N)
		}
		if i == 0 {
			start = time.Now()
			b.StartTimer()
		}
		wg.Go(func() {
			time.Sleep(benchHandlerTime)
			m.Ack()
			if handled.Add(1) == int64(b.N) {
				close(all)
			}
		})
	}
	<-all
	elapsed := time.Since(start)
	b.StopTimer()
	reportRate(b, b.N, elapsed)
	wg.Wait()
	if err := sub.Close(); err != nil {
		b.Errorf("close: %v", err)
	}
	checkGoroutines(b, fmt.Sprintf("MaxInFlight %d", maxInFlight), before)
}

// prefillKeyed writes n CloudEvents records to topic, with one of 4,096 keys
// each (residents, cases), as the services' topics have.
func prefillKeyed(b *testing.B, e *benchEnv, topic string, n int) {
	b.Helper()
	w, closeW := rawWriter(e, topic)
	defer closeW()
	ce := bus.CloudEvents{Source: "/civicbus/bench"}
	batch := make([]kafka.Message, 0, benchBatch)
	for i, m := range e.messages(n) {
		m.Metadata.Set(bus.MetadataPartitionKey, "resident-"+strconv.Itoa(i%4096))
		rec, err := ce.Marshal(topic, m)
		if err != nil {
			b.Fatal(err)
		}
		rec.Topic = "" // the Writer's
		batch = append(batch, rec)
		if len(batch) == benchBatch || i == n-1 {
			if err := w.WriteMessages(context.Background(), batch...); err != nil {
				b.Fatalf("prefill: %v", err)
			}
			batch = batch[:0]
		}
	}
}

// BenchmarkInFlightOverhead is BenchmarkSubscribe's ack-at-once consumer
// with MaxInFlight 1 (the one-at-a-time loop) and 64 (the window, its
// goroutine per delivery and channel hops): what the window costs when the
// handler takes no time. Run side by side, e.g.
//
//	go test ./bus/ -run '^$' -bench BenchmarkInFlightOverhead -benchtime 20000x -count 3
func BenchmarkInFlightOverhead(b *testing.B) {
	e := newBenchEnv(b)
	for _, n := range []int{1, 64} {
		c := benchConsumer{"max=" + strconv.Itoa(n), adapterConsumer(bus.SubscriberConfig{MaxInFlight: n})}
		b.Run(c.name, func(b *testing.B) { runConsumer(b, e, c) })
	}
}
