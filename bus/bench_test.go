// Throughput and latency of the bus adapter against raw kafka-go and
// watermill-kafka v3 (Sarama), side by side, on the embedded broker.
//
// Run all of it (one to two minutes on two cores):
//
//	go test -run '^$' -bench . -benchtime 2s -count 1 ./bus/ 2>&1 | tee /tmp/bench.txt
//
// or a part, e.g. -bench 'Publish/lone'. Every sub-benchmark reports msg/s;
// Publish/lone also reports p50-ms and p99-ms, Subscribe/ack first-msg-ms.
//
// Setup: one embedded broker (bus/embedded, kfake, persisting to a temporary
// directory) per top-level benchmark, a fresh topic of 8 partitions per run
// (deleted afterwards), and 1 KiB payloads of random bytes (ChaCha8 with a
// fixed seed: incompressible; no client compresses). Messages carry no key,
// so every client spreads them over the partitions at random. Clients are
// created, and warmed up with one write, before the timer starts.
//
//	Publish/batch1000    b.N calls that each publish 1000 messages:
//	  kafka-go           Writer.WriteMessages(1000): RequireAll, Murmur2Balancer,
//	                     BatchSize 1000, BatchBytes 1 MiB, BatchTimeout 1 ms
//	                     (kafka-go's default of 1 s would make every call wait
//	                     a second; 1 ms is what the adapter used while it was
//	                     built on the Writer)
//	  adapter            Publisher.Publish(topic, 1000 msgs...), default config
//	                     (CloudEvents headers on every record, which the
//	                     raw clients do not carry)
//	  watermill-kafka    Publisher.Publish(topic, 1000 msgs...) with
//	                     DefaultMarshaler and DefaultSaramaSyncPublisherConfig,
//	                     acks set to WaitForAll (Sarama's default is
//	                     WaitForLocal; one broker makes them the same here)
//	Publish/concurrent64 b.N messages, each published alone, by 64 goroutines
//	                     (same clients and settings)
//	Publish/lone         b.N messages published one at a time by one goroutine;
//	                     the percentiles are of the per-call latencies
//	Subscribe/ack        b.N CloudEvents records pre-filled (untimed, with a
//	                     kafka-go Writer), then consumed from the oldest in a
//	                     fresh consumer group and acknowledged one by one; the
//	                     timer runs from the first message to the last ack, so
//	                     group join and first fetch are apart, in first-msg-ms:
//	  kafka-go           one Reader with GroupID (kafka-go reads each assigned
//	                     partition in its own goroutine); FetchMessage and
//	                     CommitMessages per message, CommitInterval 1 s,
//	                     MaxBytes 10 MiB, MaxWait 500 ms (as the adapter)
//	  adapter            Subscriber with ConsumerGroup, default config, Ack
//	                     per message; also reports its warnings
//	  watermill-kafka    Subscriber with ConsumerGroup,
//	                     DefaultSaramaSubscriberConfig with OffsetOldest, Ack
//	                     per message (Sarama auto-commits every 1 s)
//
// The kafka-go publish runs also report kafka-go's Writer statistics:
// batch-msgs (records per produce request, which the Writer sends one
// partition at a time), batch-wait-ms (how long a batch waited for
// BatchTimeout or to fill) and produce-ms (one produce request).
//
// Each run checks that the clients, once closed, leave no goroutine behind.
//
// BenchmarkTuning (only with CIVICBUS_BENCH_TUNING=1) adds raw kafka-go with
// the CloudEvents headers, franz-go's kgo producer and other adapter
// configurations.
package bus_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	wkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/embedded"
	"github.com/vasteras/civicbus/internal/testenv"
)

const (
	benchPartitions  = 8
	benchMsgSize     = 1024
	benchBatch       = 1000
	benchConcurrency = 64
	benchPoolSize    = 1024 // distinct payloads, reused round robin
)

// benchEnv is the broker of one top-level benchmark and the payloads.
type benchEnv struct {
	addr     string
	conn     bus.Connection
	payloads [][]byte
	topics   atomic.Int64
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	broker := testenv.BrokerWith(b, embedded.Config{Partitions: benchPartitions, DataDir: b.TempDir()})
	rng := rand.NewChaCha8([32]byte{'c', 'i', 'v', 'i', 'c', 'b', 'u', 's'})
	payloads := make([][]byte, benchPoolSize)
	for i := range payloads {
		payloads[i] = make([]byte, benchMsgSize)
		_, _ = rng.Read(payloads[i])
	}
	return &benchEnv{
		addr:     broker.Addr(),
		conn:     bus.Connection{Brokers: []string{broker.Addr()}, ClientID: "civicbus-bench"},
		payloads: payloads,
	}
}

// topic creates a fresh topic of benchPartitions partitions and deletes it
// when the benchmark run ends, so the broker does not keep every run's data.
func (e *benchEnv) topic(b *testing.B, name string) string {
	b.Helper()
	topic := fmt.Sprintf("bench.%s.%d", strings.NewReplacer("/", ".", "-", "").Replace(name), e.topics.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := bus.EnsureTopic(ctx, e.conn, topic, benchPartitions); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		tr := &kafka.Transport{}
		defer tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		client := &kafka.Client{Addr: kafka.TCP(e.addr), Transport: tr}
		if _, err := client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}}); err != nil {
			b.Logf("delete topic %s: %v", topic, err)
		}
	})
	return topic
}

// messages returns n Watermill messages with distinct UUIDs and pool payloads.
func (e *benchEnv) messages(n int) []*message.Message {
	msgs := make([]*message.Message, n)
	for i := range msgs {
		msgs[i] = message.NewMessage(watermill.NewUUID(), e.payloads[i%len(e.payloads)])
	}
	return msgs
}

// records returns n kafka-go records with pool payloads.
func (e *benchEnv) records(n int) []kafka.Message {
	recs := make([]kafka.Message, n)
	for i := range recs {
		recs[i] = kafka.Message{Value: e.payloads[i%len(e.payloads)]}
	}
	return recs
}

// publisher is one of the compared clients, reduced to what the publish
// benchmarks need.
type benchPublisher struct {
	// publishN publishes the pool messages [from, from+n) in one call.
	publishN func(from, n int) error
	close    func() error
	// metrics, when set, reports the client's own statistics.
	metrics func(b *testing.B)
}

type benchClient struct {
	name string
	new  func(b *testing.B, e *benchEnv, topic string) benchPublisher
}

// rawWriter is the kafka-go baseline Writer.
func rawWriter(e *benchEnv, topic string) (*kafka.Writer, func() error) {
	tr := &kafka.Transport{ClientID: "bench-kafka-go", DialTimeout: 10 * time.Second}
	w := &kafka.Writer{
		Addr:         kafka.TCP(e.addr),
		Topic:        topic,
		Balancer:     kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll,
		BatchSize:    benchBatch,
		BatchBytes:   1 << 20,
		BatchTimeout: time.Millisecond,
		MaxAttempts:  10,
		Transport:    tr,
	}
	return w, func() error {
		err := w.Close()
		tr.CloseIdleConnections() // Writer.Close leaves a Transport it did not create open
		return err
	}
}

func benchClients(adapterCfg bus.PublisherConfig) []benchClient {
	return []benchClient{
		kafkaGoClient("kafka-go", false),
		adapterClient("adapter", adapterCfg),
		{"watermill-kafka", func(b *testing.B, e *benchEnv, topic string) benchPublisher {
			cfg := wkafka.DefaultSaramaSyncPublisherConfig()
			cfg.Producer.RequiredAcks = sarama.WaitForAll
			p, err := wkafka.NewPublisher(wkafka.PublisherConfig{
				Brokers:               []string{e.addr},
				Marshaler:             wkafka.DefaultMarshaler{},
				OverwriteSaramaConfig: cfg,
			}, watermill.NopLogger{})
			if err != nil {
				b.Fatal(err)
			}
			msgs := e.messages(benchPoolSize)
			return benchPublisher{
				publishN: func(from, n int) error { return p.Publish(topic, poolSlice(msgs, from, n)...) },
				close:    p.Close,
			}
		}},
	}
}

// kafkaGoClient is the raw kafka-go Writer of rawWriter. With
// ceHeaders its records carry the adapter's CloudEvents headers, marshalled
// before the timer starts: the wire cost of the envelope without the
// adapter's code.
func kafkaGoClient(name string, ceHeaders bool) benchClient {
	return benchClient{name, func(b *testing.B, e *benchEnv, topic string) benchPublisher {
		w, closeW := rawWriter(e, topic)
		recs := e.records(benchPoolSize)
		if ceHeaders {
			for i, m := range e.messages(benchPoolSize) {
				rec, err := (bus.CloudEvents{Source: "/civicbus/bench"}).Marshal(topic, m)
				if err != nil {
					b.Fatal(err)
				}
				rec.Topic = "" // the Writer's
				recs[i] = rec
			}
		}
		return benchPublisher{
			publishN: func(from, n int) error {
				if n == 1 {
					return w.WriteMessages(context.Background(), recs[from%len(recs)])
				}
				batch := make([]kafka.Message, n)
				for i := range batch {
					batch[i] = recs[(from+i)%len(recs)]
				}
				return w.WriteMessages(context.Background(), batch...)
			},
			close: closeW,
			metrics: func(b *testing.B) {
				// kafka-go's view of its batches.
				st := w.Stats()
				b.ReportMetric(float64(st.BatchSize.Avg), "batch-msgs")
				b.ReportMetric(ms(st.BatchQueueTime.Avg), "batch-wait-ms")
				b.ReportMetric(ms(st.WriteTime.Avg), "produce-ms")
			},
		}
	}}
}

// franzGoClient is franz-go's kgo producer (the client the embedded broker
// comes from, already in the module graph): no linger, records of all
// partitions in one produce request per broker, several requests in flight.
// It shows what a different client architecture does with the same load.
func franzGoClient(name string) benchClient {
	return benchClient{name, func(b *testing.B, e *benchEnv, topic string) benchPublisher {
		cl, err := kgo.NewClient(
			kgo.SeedBrokers(e.addr),
			kgo.DefaultProduceTopic(topic),
			kgo.RequiredAcks(kgo.AllISRAcks()),
			kgo.ProducerLinger(0),
			kgo.ProducerBatchMaxBytes(1<<20),
			kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)), // Kafka's murmur2 for keys
		)
		if err != nil {
			b.Fatal(err)
		}
		recs := make([]*kgo.Record, benchPoolSize)
		for i := range recs {
			recs[i] = &kgo.Record{Value: e.payloads[i]}
		}
		ctx := context.Background()
		return benchPublisher{
			publishN: func(from, n int) error {
				batch := make([]*kgo.Record, n)
				for i := range batch {
					r := *recs[(from+i)%len(recs)] // kgo fills in fields of a record it sends
					batch[i] = &r
				}
				return cl.ProduceSync(ctx, batch...).FirstErr()
			},
			close: func() error { cl.Close(); return nil },
		}
	}}
}

// poolSlice returns n messages of pool starting at from, wrapping around.
func poolSlice(pool []*message.Message, from, n int) []*message.Message {
	from %= len(pool)
	if from+n <= len(pool) {
		return pool[from : from+n]
	}
	out := make([]*message.Message, 0, n)
	for i := range n {
		out = append(out, pool[(from+i)%len(pool)])
	}
	return out
}

// runPublisher creates a client on a fresh topic, warms it up with one
// message, runs body with the timer running and closes the client.
func runPublisher(b *testing.B, e *benchEnv, c benchClient, body func(p benchPublisher)) {
	b.StopTimer()
	before := goroutineCount()
	topic := e.topic(b, b.Name())
	p := c.new(b, e, topic)
	if err := p.publishN(0, 1); err != nil { // metadata, connections
		b.Fatalf("warm-up: %v", err)
	}
	b.ResetTimer()
	b.StartTimer()
	body(p)
	b.StopTimer()
	if p.metrics != nil {
		p.metrics(b)
	}
	if err := p.close(); err != nil {
		b.Errorf("close: %v", err)
	}
	checkGoroutines(b, c.name, before)
}

func BenchmarkPublish(b *testing.B) {
	e := newBenchEnv(b)
	clients := benchClients(bus.PublisherConfig{})

	b.Run("batch1000", func(b *testing.B) {
		for _, c := range clients {
			b.Run(c.name, func(b *testing.B) {
				runPublisher(b, e, c, func(p benchPublisher) {
					start := time.Now()
					for i := range b.N {
						if err := p.publishN(i*benchBatch, benchBatch); err != nil {
							b.Fatal(err)
						}
					}
					reportRate(b, b.N*benchBatch, time.Since(start))
				})
			})
		}
	})

	b.Run("concurrent64", func(b *testing.B) {
		for _, c := range clients {
			b.Run(c.name, func(b *testing.B) {
				runPublisher(b, e, c, func(p benchPublisher) {
					start := time.Now()
					publishConcurrently(b, p, benchConcurrency)
					reportRate(b, b.N, time.Since(start))
				})
			})
		}
	})

	b.Run("lone", func(b *testing.B) {
		for _, c := range clients {
			b.Run(c.name, func(b *testing.B) {
				runPublisher(b, e, c, func(p benchPublisher) { publishLone(b, p) })
			})
		}
	})
}

// publishConcurrently publishes b.N single messages from n goroutines.
func publishConcurrently(b *testing.B, p benchPublisher, n int) {
	var (
		next   atomic.Int64
		failed atomic.Pointer[error]
		wg     sync.WaitGroup
	)
	for g := range n {
		wg.Go(func() {
			// Each goroutine publishes its own slice of the pool.
			base := g * (benchPoolSize / n)
			for i := 0; ; i++ {
				if next.Add(1) > int64(b.N) || failed.Load() != nil {
					return
				}
				if err := p.publishN(base+i%(benchPoolSize/n), 1); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		})
	}
	wg.Wait()
	if errp := failed.Load(); errp != nil {
		b.Fatal(*errp)
	}
}

// publishLone publishes b.N messages one after the other and reports the
// latency percentiles.
func publishLone(b *testing.B, p benchPublisher) {
	lat := make([]time.Duration, 0, b.N)
	start := time.Now()
	for i := range b.N {
		t0 := time.Now()
		if err := p.publishN(i, 1); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	reportRate(b, b.N, time.Since(start))
	b.ReportMetric(ms(percentile(lat, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 0.99)), "p99-ms")
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(math.Ceil(float64(len(s))*p)) - 1 // nearest rank
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func reportRate(b *testing.B, n int, elapsed time.Duration) {
	if elapsed > 0 {
		b.ReportMetric(float64(n)/elapsed.Seconds(), "msg/s")
	}
}

// benchConsumer starts consuming topic in group and returns a function that
// receives and acknowledges one message, and a close function.
type benchConsumer struct {
	name  string
	start func(b *testing.B, e *benchEnv, topic, group string) (next func() error, close func() error)
}

var errConsumerEnded = errors.New("consumer ended before the last message")

// adapterConsumer is the adapter's Subscriber with cfg.
func adapterConsumer(cfg bus.SubscriberConfig) func(b *testing.B, e *benchEnv, topic, group string) (func() error, func() error) {
	return func(b *testing.B, e *benchEnv, topic, group string) (func() error, func() error) {
		cfg.Connection = e.conn
		cfg.ConsumerGroup = group
		warnings := &countingHandler{}
		cfg.Logger = slog.New(warnings)
		b.Cleanup(func() {
			b.ReportMetric(float64(warnings.n.Load()), "warnings")
			if first := warnings.first.Load(); first != nil {
				b.Logf("first of %d subscriber warnings: %s", warnings.n.Load(), *first)
			}
		})
		s, err := bus.NewSubscriber(cfg)
		if err != nil {
			b.Fatal(err)
		}
		ch, err := s.Subscribe(context.Background(), topic)
		if err != nil {
			b.Fatal(err)
		}
		return ackFrom(ch), s.Close
	}
}

func benchConsumers() []benchConsumer {
	return []benchConsumer{
		{"kafka-go", func(b *testing.B, e *benchEnv, topic, group string) (func() error, func() error) {
			r := kafka.NewReader(kafka.ReaderConfig{
				Brokers:        []string{e.addr},
				GroupID:        group,
				Topic:          topic,
				MinBytes:       1,
				MaxBytes:       10 << 20,
				MaxWait:        500 * time.Millisecond,
				CommitInterval: time.Second,
				StartOffset:    kafka.FirstOffset,
			})
			ctx := context.Background()
			next := func() error {
				m, err := r.FetchMessage(ctx)
				if err != nil {
					return err
				}
				return r.CommitMessages(ctx, m)
			}
			return next, r.Close
		}},
		{"adapter", adapterConsumer(bus.SubscriberConfig{})},
		{"watermill-kafka", func(b *testing.B, e *benchEnv, topic, group string) (func() error, func() error) {
			cfg := wkafka.DefaultSaramaSubscriberConfig()
			cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
			s, err := wkafka.NewSubscriber(wkafka.SubscriberConfig{
				Brokers:               []string{e.addr},
				Unmarshaler:           wkafka.DefaultMarshaler{},
				ConsumerGroup:         group,
				OverwriteSaramaConfig: cfg,
			}, watermill.NopLogger{})
			if err != nil {
				b.Fatal(err)
			}
			ch, err := s.Subscribe(context.Background(), topic)
			if err != nil {
				b.Fatal(err)
			}
			return ackFrom(ch), s.Close
		}},
	}
}

func ackFrom(ch <-chan *message.Message) func() error {
	return func() error {
		m, ok := <-ch
		if !ok {
			return errConsumerEnded
		}
		m.Ack()
		return nil
	}
}

// prefill writes n CloudEvents records to topic with a raw kafka-go Writer.
func prefill(b *testing.B, e *benchEnv, topic string, n int) {
	b.Helper()
	w, closeW := rawWriter(e, topic)
	defer closeW()
	ce := bus.CloudEvents{Source: "/civicbus/bench"}
	pool := make([]kafka.Message, benchPoolSize)
	for i, m := range e.messages(benchPoolSize) {
		rec, err := ce.Marshal(topic, m)
		if err != nil {
			b.Fatal(err)
		}
		rec.Topic = "" // the Writer's
		pool[i] = rec
	}
	batch := make([]kafka.Message, 0, benchBatch)
	for i := range n {
		batch = append(batch, pool[i%len(pool)])
		if len(batch) == benchBatch || i == n-1 {
			if err := w.WriteMessages(context.Background(), batch...); err != nil {
				b.Fatalf("prefill: %v", err)
			}
			batch = batch[:0]
		}
	}
}

func BenchmarkSubscribe(b *testing.B) {
	e := newBenchEnv(b)
	b.Run("ack", func(b *testing.B) {
		for _, c := range benchConsumers() {
			b.Run(c.name, func(b *testing.B) { runConsumer(b, e, c) })
		}
	})
}

// runConsumer pre-fills a fresh topic with b.N records, then consumes and
// acknowledges them in a fresh group, timing from the first message.
func runConsumer(b *testing.B, e *benchEnv, c benchConsumer) {
	b.StopTimer()
	before := goroutineCount()
	topic := e.topic(b, b.Name())
	prefill(b, e, topic, b.N)
	group := topic + ".group"
	b.ResetTimer()

	subscribed := time.Now()
	next, closeC := c.start(b, e, topic, group)
	if err := next(); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	b.StartTimer()
	for i := 1; i < b.N; i++ {
		if err := next(); err != nil {
			b.Fatalf("after %d of %d messages: %v", i, b.N, err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	reportRate(b, b.N-1, elapsed)
	b.ReportMetric(ms(start.Sub(subscribed)), "first-msg-ms")
	if err := closeC(); err != nil {
		b.Errorf("close: %v", err)
	}
	checkGoroutines(b, c.name, before)
}

// checkGoroutines fails the benchmark when goroutines started since before
// (a goroutineCount) are still running a few seconds after the clients were
// closed. The embedded broker's goroutines of closed connections end
// asynchronously, hence the wait.
func checkGoroutines(b *testing.B, client string, before int) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Second)
	n, stacks := goroutines()
	for n > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n, stacks = goroutines()
	}
	if n > before {
		b.Errorf("%s: %d client goroutines before, %d after close:\n%s", client, before, n, strings.Join(stacks, "\n\n"))
	}
}

// goroutineCount counts the goroutines that are neither the embedded
// broker's, the testing package's, nor process-wide singletons.
func goroutineCount() int {
	n, _ := goroutines()
	return n
}

func goroutines() (int, []string) {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	ignore := []string{
		"franz-go/pkg/kfake", // the broker
		"testing.(*B)", "testing.(*T)", "testing.runBenchmarks", "testing.tRunner",
		"rcrowley/go-metrics.(*meterArbiter)", // Sarama's metrics: one ticker per process, never stopped
		"runtime.goexit0", "os/signal.signal_recv",
	}
	var stacks []string
next:
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, w := range ignore {
			if strings.Contains(g, w) {
				continue next
			}
		}
		stacks = append(stacks, g)
	}
	return len(stacks), stacks
}

// BenchmarkTuning runs the adapter with other PublisherConfig and
// SubscriberConfig values beside raw kafka-go with and without the
// CloudEvents headers (what the envelope costs on the wire) and franz-go's
// kgo producer (what another client architecture does with the same load). It runs only with
// CIVICBUS_BENCH_TUNING=1 (CIVICBUS_BENCH_VARIANTS=regexp keeps only the
// publishers whose name matches). The machine is noisy: run it a few
// times and compare medians rather than using -count, which runs each
// variant's repeats back to back:
//
//	for i in 1 2 3; do CIVICBUS_BENCH_TUNING=1 go test -run '^$' -bench Tuning -benchtime 1s ./bus/; done
func BenchmarkTuning(b *testing.B) {
	if os.Getenv("CIVICBUS_BENCH_TUNING") != "1" {
		b.Skip("set CIVICBUS_BENCH_TUNING=1 to run the adapter configuration sweep")
	}
	e := newBenchEnv(b)
	variants := []benchClient{
		kafkaGoClient("kafka-go", false),
		kafkaGoClient("kafka-go+ce-headers", true),
		franzGoClient("franz-go"),
		adapterClient("adapter", bus.PublisherConfig{}),
		adapterClient("adapter-BatchBytes=256KiB", bus.PublisherConfig{BatchBytes: 256 << 10}),
	}
	if v := os.Getenv("CIVICBUS_BENCH_VARIANTS"); v != "" { // only the publishers whose name matches v
		re := regexp.MustCompile(v)
		variants = slices.DeleteFunc(variants, func(c benchClient) bool { return !re.MatchString(c.name) })
	}
	for _, c := range variants {
		b.Run("batch1000/"+c.name, func(b *testing.B) {
			runPublisher(b, e, c, func(p benchPublisher) {
				start := time.Now()
				for i := range b.N {
					if err := p.publishN(i*benchBatch, benchBatch); err != nil {
						b.Fatal(err)
					}
				}
				reportRate(b, b.N*benchBatch, time.Since(start))
			})
		})
		b.Run("concurrent64/"+c.name, func(b *testing.B) {
			runPublisher(b, e, c, func(p benchPublisher) {
				start := time.Now()
				publishConcurrently(b, p, benchConcurrency)
				reportRate(b, b.N, time.Since(start))
			})
		})
		b.Run("lone/"+c.name, func(b *testing.B) {
			runPublisher(b, e, c, func(p benchPublisher) { publishLone(b, p) })
		})
	}
	for _, c := range []benchConsumer{
		{"default", adapterConsumer(bus.SubscriberConfig{})},
		{"MaxBytes=1MiB", adapterConsumer(bus.SubscriberConfig{MaxBytes: 1 << 20})},
		{"MaxWait=2s", adapterConsumer(bus.SubscriberConfig{MaxWait: 2 * time.Second})},
		{"QueueCapacity=1000", adapterConsumer(bus.SubscriberConfig{QueueCapacity: 1000})},
	} {
		b.Run("subscribe/"+c.name, func(b *testing.B) { runConsumer(b, e, c) })
	}
}

// adapterClient is the adapter's Publisher with cfg.
func adapterClient(name string, cfg bus.PublisherConfig) benchClient {
	return benchClient{name, func(b *testing.B, e *benchEnv, topic string) benchPublisher {
		cfg.Connection = e.conn
		p, err := bus.NewPublisher(cfg)
		if err != nil {
			b.Fatal(err)
		}
		msgs := e.messages(benchPoolSize)
		return benchPublisher{
			publishN: func(from, n int) error { return p.Publish(topic, poolSlice(msgs, from, n)...) },
			close:    p.Close,
		}
	}}
}

// countingHandler counts the subscriber's warnings and keeps the first.
type countingHandler struct {
	n     atomic.Int64
	first atomic.Pointer[string]
}

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.n.Add(1)
	var sb strings.Builder
	sb.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { sb.WriteString(" " + a.String()); return true })
	line := sb.String()
	h.first.CompareAndSwap(nil, &line)
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }
