// How long listing a dead-letter topic takes, on the embedded broker.
//
//	go test -run '^$' -bench List -benchtime 10x -count 1 ./bus/dlq/
//
// Setup (untimed): one embedded broker (internal/testenv, persisting to a
// temporary directory), and per sub-benchmark a topic whose <topic>.dlq of
// 8 partitions holds n letters as the dead-letter middleware writes them
// (CloudEvents headers, the dlq_* headers, a 400-byte JSON payload), one key
// per letter, so the letters spread over the partitions.
//
//	List/letters=n   dlq.List of the topic; checks it returns the n letters
//	Fetch/letters=n  the ceiling: the same records read with one Fetch
//	                 request per partition at a time (kafka-go's Client, up to
//	                 its high watermark, MaxWait 0), partitions one after the
//	                 other, records counted but not decoded
//
// Both report letters/s; List also reports x-fetch, its time per run over
// Fetch's time per run measured just before it in the same process.
package dlq_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/dlq"
	"github.com/vasteras/civicbus/bus/middleware"
)

func BenchmarkList(b *testing.B) {
	conn, pub := setup(b)
	for _, n := range []int{1000, 10000} {
		topic := fmt.Sprintf("bench.dlq-list-%d.v1", n)
		fill(b, conn, pub, topic, n)
		var fetchPerRun time.Duration
		b.Run(fmt.Sprintf("Fetch/letters=%d", n), func(b *testing.B) {
			for b.Loop() {
				if got := fetchAll(b, conn, middleware.DeadLetterTopic(topic)); got != n {
					b.Fatalf("fetched %d records, want %d", got, n)
				}
			}
			fetchPerRun = b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "letters/s")
		})
		b.Run(fmt.Sprintf("List/letters=%d", n), func(b *testing.B) {
			for b.Loop() {
				letters, err := dlq.List(b.Context(), conn, topic)
				if err != nil {
					b.Fatal(err)
				}
				if len(letters) != n {
					b.Fatalf("listed %d letters, want %d", len(letters), n)
				}
			}
			perRun := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "letters/s")
			if fetchPerRun > 0 {
				b.ReportMetric(float64(perRun)/float64(fetchPerRun), "x-fetch")
			}
		})
	}
}

// fill dead-letters n messages of topic, spread over 8 partitions of
// <topic>.dlq, and waits until all are there.
func fill(tb testing.TB, conn bus.Connection, pub *bus.Publisher, topic string, n int) {
	tb.Helper()
	dt := middleware.DeadLetterTopic(topic)
	if parts, err := bus.EnsureTopic(tb.Context(), conn, dt, 8); err != nil || len(parts) != 8 {
		tb.Fatalf("EnsureTopic = %v, %v; want 8 partitions", parts, err)
	}
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	payload := `{"kitchen":"` + strings.Repeat("k", 370) + `","n":%6d}`
	const batch = 500
	for start := 0; start < n; start += batch {
		msgs := make([]*message.Message, 0, batch)
		for i := start; i < min(n, start+batch); i++ {
			m := message.NewMessage(fmt.Sprintf("letter-%06d", i), fmt.Appendf(nil, payload, i))
			m.Metadata.Set(bus.MetadataPartitionKey, fmt.Sprintf("key-%d", i))
			m.Metadata.Set(middleware.HeaderDLQTopic, topic)
			m.Metadata.Set(middleware.HeaderDLQHandler, "bench")
			m.Metadata.Set(middleware.HeaderDLQError, "kitchen 12 is unknown")
			m.Metadata.Set(middleware.HeaderDLQAttempts, "4")
			m.Metadata.Set(middleware.HeaderDLQTime, at.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano))
			msgs = append(msgs, m)
		}
		if err := pub.Publish(dt, msgs...); err != nil {
			tb.Fatal(err)
		}
	}
}

// fetchAll reads every record of topic with raw Fetch requests and returns
// how many it read.
func fetchAll(tb testing.TB, conn bus.Connection, topic string) int {
	tb.Helper()
	ctx := tb.Context()
	t := conn.Transport()
	defer t.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(conn.Brokers...), Timeout: 10 * time.Second, Transport: t}
	parts, err := bus.Partitions(ctx, conn, topic)
	if err != nil {
		tb.Fatal(err)
	}
	total := 0
	for _, p := range parts {
		offset := int64(0)
		for {
			res, err := client.Fetch(ctx, &kafka.FetchRequest{Topic: topic, Partition: p, Offset: offset, MinBytes: 1, MaxBytes: 10 << 20})
			if err != nil {
				tb.Fatal(err)
			}
			if res.Error != nil {
				tb.Fatal(res.Error)
			}
			for {
				rec, err := res.Records.ReadRecord()
				if err != nil {
					break
				}
				if rec.Offset >= offset {
					offset = rec.Offset + 1
					total++
				}
			}
			if offset >= res.HighWatermark {
				break
			}
		}
	}
	return total
}
