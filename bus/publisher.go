package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go"
)

// PublisherConfig configures a Publisher. Zero durations and sizes take the
// defaults documented on each field.
type PublisherConfig struct {
	Connection

	// Source is the ce_source of events whose metadata has none.
	Source string

	// BatchTimeout is how long a partition's batch waits for more records
	// before it is sent: a lone Publish waits at most this long, and
	// concurrent Publish calls to one partition share a produce request.
	// Default 1 ms. (kafka-go's own default of 1 s must not leak through.)
	BatchTimeout time.Duration

	// BatchSize is the most records in one produce request to one partition.
	// A batch that fills is sent at once. Default 1000.
	BatchSize int

	// BatchBytes is the most bytes in one produce request to one partition.
	// Default 1 MiB, Kafka's default message.max.bytes.
	BatchBytes int64

	// PublishTimeout bounds one Publish call, retries included: when the
	// cluster cannot be reached by then, Publish returns an error. Default 30 s.
	PublishTimeout time.Duration

	// Marshaler turns messages into records. Default: CloudEvents{Source}.
	Marshaler Marshaler

	// Logger receives kafka-go's error log. Nil discards it.
	Logger *slog.Logger
}

func (c *PublisherConfig) setDefaults() {
	if c.BatchTimeout == 0 {
		c.BatchTimeout = time.Millisecond
	}
	if c.BatchSize == 0 {
		c.BatchSize = 1000
	}
	if c.BatchBytes == 0 {
		c.BatchBytes = 1 << 20
	}
	if c.PublishTimeout == 0 {
		c.PublishTimeout = 30 * time.Second
	}
	if c.Marshaler == nil {
		c.Marshaler = CloudEvents{Source: c.Source}
	}
}

// Validate reports every problem with the configuration.
func (c PublisherConfig) Validate() error {
	errs := []error{c.Connection.Validate()}
	if c.BatchTimeout < 0 || c.PublishTimeout < 0 {
		errs = append(errs, errors.New("durations must not be negative"))
	}
	if c.BatchSize < 0 || c.BatchBytes < 0 {
		errs = append(errs, errors.New("batch sizes must not be negative"))
	}
	return errors.Join(errs...)
}

// Publisher publishes Watermill messages to Kafka with kafka-go.
//
// Every record is acknowledged by all in-sync replicas before Publish
// returns. A record's partition is the murmur2 hash of its key (the
// partitionkey metadata), as in Kafka's Java client, so a key lands on the
// same partition whichever client wrote it; records without a key are spread
// over the partitions. One Publish call is one write: its messages are batched
// per partition together, and to the same partition they keep their order.
//
// A Publisher is safe for concurrent use. Publish returns nil only when every
// message was stored; on an error some may have been, so a caller that
// retries may write duplicates, which consumers recognise by ce_id.
type Publisher struct {
	cfg       PublisherConfig
	writer    *kafka.Writer
	transport *kafka.Transport
	closed    atomic.Bool
}

// NewPublisher returns a Publisher. It does not connect until the first
// Publish.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bus: publisher config: %w", err)
	}
	t := cfg.Transport()
	w := &kafka.Writer{
		Addr:                   kafka.TCP(cfg.Brokers...),
		Balancer:               kafka.Murmur2Balancer{},
		RequiredAcks:           kafka.RequireAll,
		BatchTimeout:           cfg.BatchTimeout,
		BatchSize:              cfg.BatchSize,
		BatchBytes:             cfg.BatchBytes,
		MaxAttempts:            10,
		WriteBackoffMin:        50 * time.Millisecond,
		WriteBackoffMax:        time.Second,
		AllowAutoTopicCreation: true,
		Transport:              t,
	}
	if cfg.Logger != nil {
		w.ErrorLogger = kafkaLogger(cfg.Logger.With("component", "kafka-writer"))
	}
	return &Publisher{cfg: cfg, writer: w, transport: t}, nil
}

// ErrPublisherClosed is returned by Publish after Close.
var ErrPublisherClosed = errors.New("bus: publisher is closed")

// Publish writes msgs to topic and returns when all of them are stored or
// when it gives up. It does not keep msgs or their payloads after it returns.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	if p.closed.Load() {
		return ErrPublisherClosed
	}
	if topic == "" {
		return errors.New("bus: publish: empty topic")
	}
	if len(msgs) == 0 {
		return nil
	}
	records := make([]kafka.Message, len(msgs))
	for i, msg := range msgs {
		rec, err := p.cfg.Marshaler.Marshal(topic, msg)
		if err != nil {
			return fmt.Errorf("bus: publish to %s: message %s: %w", topic, msg.UUID, err)
		}
		rec.Topic = topic
		records[i] = rec
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.PublishTimeout)
	defer cancel()
	if err := p.writer.WriteMessages(ctx, records...); err != nil {
		if p.closed.Load() {
			return ErrPublisherClosed
		}
		return fmt.Errorf("bus: publish %d messages to %s: %w", len(msgs), topic, summarize(err))
	}
	return nil
}

// Close waits for the Publish calls under way to finish and releases the
// connections. Publish after Close returns ErrPublisherClosed.
func (p *Publisher) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	err := p.writer.Close()
	// The Writer closes only a transport of its own making.
	p.transport.CloseIdleConnections()
	return err
}

// summarize shortens kafka-go's per-message WriteErrors, which repeat one
// error per message, to its distinct errors.
func summarize(err error) error {
	var werrs kafka.WriteErrors
	if !errors.As(err, &werrs) {
		return err
	}
	seen := map[string]bool{}
	var distinct []error
	failed := 0
	for _, e := range werrs {
		if e == nil {
			continue
		}
		failed++
		if !seen[e.Error()] {
			seen[e.Error()] = true
			distinct = append(distinct, e)
		}
	}
	return fmt.Errorf("%d of %d failed: %w", failed, len(werrs), errors.Join(distinct...))
}

// kafkaLogger passes kafka-go's log lines to slog as warnings.
func kafkaLogger(l *slog.Logger) kafka.Logger {
	return kafka.LoggerFunc(func(format string, args ...any) { l.Warn(fmt.Sprintf(format, args...)) })
}
