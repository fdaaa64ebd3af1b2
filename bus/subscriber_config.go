package bus

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/segmentio/kafka-go"
)

// InitialOffset is where a consumer starts in a partition that its group has
// no committed offset for, or in every partition when it has no group.
type InitialOffset int

const (
	// OffsetOldest starts at the oldest retained record: a new consumer
	// processes the topic's history. The default.
	OffsetOldest InitialOffset = iota
	// OffsetNewest starts after the last record: only what is written later.
	OffsetNewest
)

// SubscriberConfig configures a Subscriber. Zero durations and sizes take the
// defaults documented on each field.
type SubscriberConfig struct {
	Connection

	// ConsumerGroup is the Kafka consumer group that Subscribe joins. Members
	// of a group share a topic's partitions and resume from the group's
	// committed offsets. Empty: every Subscribe reads all partitions from
	// InitialOffset and commits nothing.
	ConsumerGroup string

	// InitialOffset applies where there is no committed offset.
	InitialOffset InitialOffset

	// CommitInterval is how often the offsets of acknowledged messages are
	// committed; they are committed too when a subscription ends or its
	// partitions are reassigned. Default 1 s.
	CommitInterval time.Duration

	// NackResendSleep is how long a partition waits before it redelivers a
	// nacked message. Default 100 ms.
	NackResendSleep time.Duration

	// MaxInFlight is the most messages of one partition delivered and not
	// yet acked at once. Default 1: a partition's next message is delivered
	// only after the previous one was acked (strict partition order).
	//
	// With N > 1 up to N are out at once, in key order: a record whose Kafka
	// key equals that of a message still out (or waiting to be delivered
	// again after a Nack) waits until that one is acked, so the messages of
	// one key (one case, resident, dataset row) are handled one at a time in
	// offset order, retries included. Records with an empty key are ordered
	// by nothing: Kafka promises keyless records no order either (the
	// Publisher keeps one call's keyless records in one partition, but they
	// are handled concurrently here). Acks may come in any order; what is
	// committed is the offset after the longest contiguous acked prefix. A
	// partition reads at most 4×N records past that prefix, so one slow
	// message stops its partition after that many.
	MaxInFlight int

	// Partitions is the partition count of topics that Subscribe creates.
	// Zero takes the broker's default.
	Partitions int

	// MaxWait is how long a fetch waits at the broker for new records.
	// Default 500 ms.
	MaxWait time.Duration

	// QueueCapacity is how many records each partition reads ahead. Default 100.
	QueueCapacity int

	// MaxBytes is the most bytes one fetch returns. Default 1 MiB: a larger
	// first fetch of a backlog can overrun MaxWait and be retried.
	MaxBytes int

	// Consumer-group timing. Defaults: heartbeat 1 s, session 10 s,
	// rebalance 10 s, join backoff 1 s.
	HeartbeatInterval time.Duration
	SessionTimeout    time.Duration
	RebalanceTimeout  time.Duration
	JoinGroupBackoff  time.Duration

	// Marshaler turns records into messages. Default: CloudEvents{}.
	Marshaler Marshaler

	// Logger receives warnings: reconnects, failed commits. Nil discards them.
	Logger *slog.Logger
}

func (c *SubscriberConfig) setDefaults() {
	setDefault(&c.CommitInterval, time.Second)
	setDefault(&c.NackResendSleep, 100*time.Millisecond)
	setDefault(&c.MaxWait, 500*time.Millisecond)
	setDefault(&c.QueueCapacity, 100)
	setDefault(&c.MaxInFlight, 1)
	setDefault(&c.MaxBytes, 1<<20)
	setDefault(&c.HeartbeatInterval, time.Second)
	setDefault(&c.SessionTimeout, 10*time.Second)
	setDefault(&c.RebalanceTimeout, 10*time.Second)
	setDefault(&c.JoinGroupBackoff, time.Second)
	if c.Marshaler == nil {
		c.Marshaler = CloudEvents{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}

// Validate reports every problem with the configuration.
func (c SubscriberConfig) Validate() error {
	errs := []error{c.Connection.Validate()}
	if c.InitialOffset != OffsetOldest && c.InitialOffset != OffsetNewest {
		errs = append(errs, fmt.Errorf("initial offset %d is neither oldest nor newest", c.InitialOffset))
	}
	if c.HeartbeatInterval >= c.SessionTimeout {
		errs = append(errs, fmt.Errorf("heartbeat interval %s must be shorter than the session timeout %s", c.HeartbeatInterval, c.SessionTimeout))
	}
	for _, d := range []time.Duration{c.CommitInterval, c.NackResendSleep, c.MaxWait, c.RebalanceTimeout, c.JoinGroupBackoff} {
		if d < 0 {
			errs = append(errs, errors.New("durations must not be negative"))
			break
		}
	}
	if c.Partitions < 0 || c.QueueCapacity < 0 || c.MaxBytes < 0 || c.MaxInFlight < 0 {
		errs = append(errs, errors.New("partitions, queue capacity, max bytes and max in flight must not be negative"))
	}
	return errors.Join(errs...)
}

func (c SubscriberConfig) startOffset() int64 {
	if c.InitialOffset == OffsetNewest {
		return kafka.LastOffset
	}
	return kafka.FirstOffset
}
