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

	// BatchBytes is the most bytes of records to one partition in one
	// produce request; a larger backlog goes in the next. Default 1 MiB,
	// Kafka's default message.max.bytes.
	BatchBytes int64

	// PublishTimeout bounds one Publish call, retries included: when the
	// cluster cannot be reached by then, Publish returns an error. Default 30 s.
	PublishTimeout time.Duration

	// Marshaler turns messages into records. Default: CloudEvents{Source}.
	Marshaler Marshaler

	// Logger receives warnings. Nil discards them.
	Logger *slog.Logger
}

func (c *PublisherConfig) setDefaults() {
	setDefault(&c.BatchBytes, 1<<20)
	setDefault(&c.PublishTimeout, 30*time.Second)
	if c.Marshaler == nil {
		c.Marshaler = CloudEvents{Source: c.Source}
	}
}

// Validate reports every problem with the configuration.
func (c PublisherConfig) Validate() error {
	errs := []error{c.Connection.Validate()}
	if c.PublishTimeout < 0 {
		errs = append(errs, errors.New("publish timeout must not be negative"))
	}
	if c.BatchBytes < 0 {
		errs = append(errs, errors.New("batch bytes must not be negative"))
	}
	return errors.Join(errs...)
}

// Publisher publishes Watermill messages to Kafka with kafka-go.
//
// Every record is acknowledged by all in-sync replicas (acks=all) before
// Publish returns. A record's partition is the murmur2 hash of its key (the
// partitionkey metadata), as in Kafka's Java client, so a key lands on the
// same partition whichever client wrote it. The records of a call that have
// no key all go to one partition, the next in turn for each call (Kafka's
// sticky partitioning, KIP-480): spread over the partitions call by call, in
// one batch rather than one per partition — a broker keeps an index entry
// per batch — and in their order. Records to one partition keep the order
// of the Publish calls and, within a call, of its messages.
//
// Publish does not linger: a record is sent at once when no produce round is
// in flight, and the records that arrive during a round share the next one,
// one request per broker (see producer). So one Publish of many messages is
// one write, and many concurrent Publish calls share requests.
//
// A Publisher is safe for concurrent use. Publish returns nil only when every
// message was stored; on an error some may have been, so a caller that
// retries may write duplicates, which consumers recognise by ce_id.
type Publisher struct {
	cfg       PublisherConfig
	transport *kafka.Transport
	producer  *producer
	calls     gate          // the Publish calls under way
	sticky    atomic.Uint32 // turns the partition of a call's keyless records
}

// NewPublisher returns a Publisher. It does not connect until the first
// Publish.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bus: publisher config: %w", err)
	}
	t := cfg.Transport()
	// A moved partition leader is followed once this metadata is refreshed:
	// keep the stall short.
	t.MetadataTTL = 2 * time.Second
	return &Publisher{cfg: cfg, transport: t, producer: newProducer(cfg.Connection, t, cfg.BatchBytes, cfg.PublishTimeout)}, nil
}

// ErrPublisherClosed is returned by Publish after Close.
var ErrPublisherClosed = errors.New("bus: publisher is closed")

// Publish writes msgs to topic and returns when all of them are stored or
// when it gives up. It does not keep msgs or their payloads after it returns.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	if !p.calls.enter() {
		return ErrPublisherClosed
	}
	defer p.calls.leave()

	if topic == "" {
		return errors.New("bus: publish: empty topic")
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := p.publish(topic, msgs); err != nil {
		return fmt.Errorf("bus: publish %d messages to %s: %w", len(msgs), topic, err)
	}
	return nil
}

func (p *Publisher) publish(topic string, msgs []*message.Message) error {
	now := time.Now()
	deadline := now.Add(p.cfg.PublishTimeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	partitions, err := p.producer.meta.partitions(ctx, topic)
	if err != nil {
		return err
	}
	c := newCall(len(msgs))
	keyless := partitions[int(p.sticky.Add(1)%uint32(len(partitions)))]
	items := make([]*queued, len(msgs))
	for i, msg := range msgs {
		rec, err := p.cfg.Marshaler.Marshal(topic, msg)
		if err != nil {
			return fmt.Errorf("message %s: %w", msg.UUID, err)
		}
		partition := keyless
		if rec.Key != nil {
			partition = kafka.Murmur2Balancer{}.Balance(rec, partitions...)
		}
		items[i] = &queued{
			topic:     topic,
			partition: partition,
			record:    kafka.Message{Key: rec.Key, Value: rec.Value, Headers: rec.Headers, Time: now},
			size:      recordSize(rec),
			deadline:  deadline,
			call:      c,
		}
	}
	p.producer.enqueue(items)
	<-c.done
	return c.err
}

func recordSize(m kafka.Message) int64 {
	n := len(m.Key) + len(m.Value) + 16
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value) + 2
	}
	return int64(n)
}

// Close waits for the Publish calls under way to finish and releases the
// connections. Publish after Close returns ErrPublisherClosed.
func (p *Publisher) Close() error {
	if !p.calls.shut() {
		return nil
	}
	p.calls.wait()
	p.producer.waitIdle()
	p.transport.CloseIdleConnections()
	return nil
}
