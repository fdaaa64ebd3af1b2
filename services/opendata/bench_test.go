package opendata

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/services/internal/svcbus"
)

const (
	wasteTopic   = "meals.food-waste.v1"
	wasteDataset = "4c2e8b1d-93a7-4f50-8e6d-1b7c9a3f5e02"
)

// wasteEvents makes n food-waste weighings of `first`+i, spread over 40
// kitchens, 30 days and two meals (2,400 cells), as the load of `civicbus
// bench` is.
func wasteEvents(first, n int) ([]*message.Message, error) {
	msgs := make([]*message.Message, n)
	for i := range msgs {
		k := first + i
		payload, err := json.Marshal(map[string]any{
			"kitchen_id": fmt.Sprintf("kok-%02d", k%40), "date": fmt.Sprintf("2024-03-%02d", 1+k/40%30),
			"meal": []string{"lunch", "breakfast"}[k/1200%2], "total_waste_kg": float64(k%97) / 4, "diners": 100 + k%50,
		})
		if err != nil {
			return nil, err
		}
		msgs[i] = message.NewMessage(fmt.Sprintf("%08x-0000-4000-8000-%012d", k, k), payload)
	}
	return msgs, nil
}

// publishAll publishes msgs in rounds of 1,000, as a busy source would.
func publishAll(tb testing.TB, conn bus.Connection, msgs []*message.Message) {
	tb.Helper()
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/bench"})
	if err != nil {
		tb.Fatal(err)
	}
	defer pub.Close()
	for len(msgs) > 0 {
		n := min(len(msgs), 1000)
		if err := pub.Publish(wasteTopic, msgs[:n]...); err != nil {
			tb.Fatal(err)
		}
		msgs = msgs[n:]
	}
}

// BenchmarkConsumeApply measures the open-data service's consume-and-apply
// path alone: b.N food-waste weighings published to the embedded broker (8
// partitions) and read by the service's router into its store, events/s
// from the first publication to the last event applied. "ceiling" is the
// same router on the same topic with a handler that does nothing: what
// the bus gives; the others are read as a ratio of it.
//
//	go test -run '^$' -bench ConsumeApply -benchtime 20000x ./services/opendata/
func BenchmarkConsumeApply(b *testing.B) {
	b.Run("ceiling", func(b *testing.B) {
		br := testenv.Broker(b)
		conn := bus.Connection{Brokers: []string{br.Addr()}}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		router, err := svcbus.NewRouter(svcbus.RouterConfig{Conn: conn, Group: "ceiling", Source: "/bench", Metrics: prometheus.NewRegistry()})
		if err != nil {
			b.Fatal(err)
		}
		defer router.Close()
		var handled atomic.Int64
		if err := router.Handle("ceiling", wasteTopic, func(msg *message.Message) error {
			var event map[string]any
			if err := json.Unmarshal(msg.Payload, &event); err != nil {
				return err
			}
			handled.Add(1)
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- router.Run(ctx) }()
		runLoad(b, conn, func() int64 { return handled.Load() })
		cancel()
		<-done
	})
	for _, db := range []string{"sqlite", "postgres"} {
		b.Run(db, func(b *testing.B) {
			br := testenv.Broker(b)
			conn := bus.Connection{Brokers: []string{br.Addr()}}
			dsn := filepath.Join(b.TempDir(), "state.db")
			if db == "postgres" {
				dsn = testenv.PostgresDSN(b)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := New(ctx, Config{Dir: demoDef(b, "food-waste-per-kitchen.yaml"), Conn: conn, DB: dsn})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			base, err := s.store.Changes(ctx, wasteDataset) // PostgreSQL's may hold an earlier run's
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			txs, calls := s.store.gc.txs.Load(), s.store.gc.calls.Load()
			runLoad(b, conn, func() int64 {
				n, _ := s.store.Changes(ctx, wasteDataset)
				return n - base
			})
			txs, calls = s.store.gc.txs.Load()-txs, s.store.gc.calls.Load()-calls
			b.ReportMetric(float64(calls)/float64(max(txs, 1)), "events/tx")
			cancel()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
		})
	}
}

// runLoad waits for one warm-up event to be handled (the consumer group
// joined), then times publishing b.N events until handled reports them all.
func runLoad(b *testing.B, conn bus.Connection, handled func() int64) {
	b.Helper()
	// Ids from a run-unique base, so a PostgreSQL store kept between runs
	// sees new events.
	first := int(time.Now().UnixNano() % 1e9)
	warm, err := wasteEvents(first, 1)
	if err != nil {
		b.Fatal(err)
	}
	msgs, err := wasteEvents(first+1, b.N)
	if err != nil {
		b.Fatal(err)
	}
	publishAll(b, conn, warm)
	waitUntil(b, 2*time.Minute, func() bool { return handled() >= 1 })
	b.ResetTimer()
	start := time.Now()
	publishAll(b, conn, msgs)
	waitUntil(b, 10*time.Minute, func() bool { return handled() >= int64(b.N)+1 })
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	// What the running process holds after the load, the events handled
	// included: its heap in use after a collection, and its profile when
	// CIVICBUS_BENCH_HEAP names a file.
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/1e6, "heap-MB")
	if path := os.Getenv("CIVICBUS_BENCH_HEAP"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		if err := pprof.WriteHeapProfile(f); err != nil {
			b.Fatal(err)
		}
	}
	if n := handled(); n != int64(b.N)+1 {
		b.Fatalf("%d events handled, want %d", n, b.N+1)
	}
}

func waitUntil(tb testing.TB, limit time.Duration, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
