package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
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
	if c.Partitions < 0 || c.QueueCapacity < 0 || c.MaxBytes < 0 {
		errs = append(errs, errors.New("partitions, queue capacity and max bytes must not be negative"))
	}
	return errors.Join(errs...)
}

func (c SubscriberConfig) startOffset() int64 {
	if c.InitialOffset == OffsetNewest {
		return kafka.LastOffset
	}
	return kafka.FirstOffset
}

// Subscriber consumes Kafka topics as Watermill messages with kafka-go.
//
// Each partition assigned to a subscription is read by its own goroutine, so
// partitions are processed concurrently while order is kept inside each: a
// partition's next message is delivered only after the previous one was
// acknowledged. Ack marks a message's offset for commit; nothing unacked is
// ever committed. Nack delivers the same record again after NackResendSleep.
// A message's context carries its Record and is cancelled once it is acked or
// nacked, or when its subscription ends.
//
// A subscription ends, and its channel is closed, when the ctx given to
// Subscribe is cancelled or the Subscriber is closed; by then its goroutines
// have stopped and the offsets acked so far have been committed, if the
// broker could be reached.
type Subscriber struct {
	cfg    SubscriberConfig
	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	subs   gate // the subscriptions running
}

// NewSubscriber returns a Subscriber. It does not connect until Subscribe.
func NewSubscriber(cfg SubscriberConfig) (*Subscriber, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bus: subscriber config: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Subscriber{cfg: cfg, ctx: ctx, cancel: cancel}, nil
}

// ErrSubscriberClosed is returned by Subscribe after Close.
var ErrSubscriberClosed = errors.New("bus: subscriber is closed")

// Subscribe starts consuming topic, creating it if it does not exist, and
// returns the channel its messages arrive on.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	if !s.subs.enter() {
		return nil, ErrSubscriberClosed
	}

	partitions, err := s.ensureTopic(ctx, topic)
	if err != nil {
		s.subs.leave()
		return nil, fmt.Errorf("bus: subscribe to %s: %w", topic, err)
	}
	subCtx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	out := make(chan *message.Message)
	go func() {
		defer s.subs.leave()
		defer close(out)
		defer stop()
		defer cancel()
		if s.cfg.ConsumerGroup == "" {
			s.consumeAll(subCtx, topic, partitions, out)
		} else {
			s.consumeGroup(subCtx, topic, out)
		}
	}()
	return out, nil
}

// SubscribeInitialize creates topic if it does not exist.
func (s *Subscriber) SubscribeInitialize(topic string) error {
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	_, err := s.ensureTopic(ctx, topic)
	return err
}

// Close ends every subscription and waits until they have stopped.
func (s *Subscriber) Close() error {
	if !s.subs.shut() {
		return nil
	}
	s.cancel()
	s.subs.wait()
	return nil
}

func (s *Subscriber) ensureTopic(ctx context.Context, topic string) ([]int, error) {
	return EnsureTopic(ctx, s.cfg.Connection, topic, s.cfg.Partitions)
}

// consumeAll reads every partition of topic without a group.
func (s *Subscriber) consumeAll(ctx context.Context, topic string, partitions []int, out chan<- *message.Message) {
	var wg sync.WaitGroup
	for _, p := range partitions {
		wg.Go(func() {
			s.consumePartition(ctx, topic, p, s.cfg.startOffset(), out, func(int64) {})
		})
	}
	wg.Wait()
}

// consumeGroup joins the consumer group and consumes each generation's
// assignment until ctx ends.
func (s *Subscriber) consumeGroup(ctx context.Context, topic string, out chan<- *message.Message) {
	log := s.cfg.Logger.With("topic", topic, "group", s.cfg.ConsumerGroup)
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID:                    s.cfg.ConsumerGroup,
		Brokers:               s.cfg.Brokers,
		Dialer:                s.cfg.Dialer(),
		Topics:                []string{topic},
		HeartbeatInterval:     s.cfg.HeartbeatInterval,
		SessionTimeout:        s.cfg.SessionTimeout,
		RebalanceTimeout:      s.cfg.RebalanceTimeout,
		JoinGroupBackoff:      s.cfg.JoinGroupBackoff,
		WatchPartitionChanges: true,
		StartOffset:           s.cfg.startOffset(),
		ErrorLogger:           kafkaLogger(log),
	})
	if err != nil {
		log.Error("consumer group config rejected", "err", err)
		return
	}
	defer cg.Close() // leaves the group, so the others take over at once
	for {
		gen, err := cg.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, kafka.ErrGroupClosed) {
				return
			}
			log.Warn("consumer group: joining again", "err", err)
			// kafka-go backs off after most errors but not all (a rebalance
			// in progress): never spin.
			if !sleep(ctx, s.cfg.JoinGroupBackoff) {
				return
			}
			continue
		}
		s.consumeGeneration(ctx, gen, topic, out)
	}
}

// consumeGeneration starts a goroutine per assigned partition and one that
// commits their acknowledged offsets. It does not wait: kafka-go waits for
// them before the next generation starts.
func (s *Subscriber) consumeGeneration(ctx context.Context, gen *kafka.Generation, topic string, out chan<- *message.Message) {
	acked := newOffsets()
	var partitions sync.WaitGroup
	for _, a := range gen.Assignments[topic] {
		partitions.Add(1)
		gen.Start(func(genCtx context.Context) {
			defer partitions.Done()
			pctx, cancel := context.WithCancel(ctx)
			defer cancel()
			stop := context.AfterFunc(genCtx, cancel)
			defer stop()
			s.consumePartition(pctx, topic, a.ID, a.Offset, out, func(next int64) { acked.set(a.ID, next) })
		})
	}
	gen.Start(func(genCtx context.Context) {
		ticker := time.NewTicker(s.cfg.CommitInterval)
		defer ticker.Stop()
		for {
			select {
			case <-ticker.C:
				s.commit(gen, topic, acked)
			case <-ctx.Done():
				partitions.Wait()
				s.commit(gen, topic, acked)
				return
			case <-genCtx.Done():
				partitions.Wait()
				s.commit(gen, topic, acked)
				return
			}
		}
	})
}

func (s *Subscriber) commit(gen *kafka.Generation, topic string, acked *offsets) {
	pending := acked.take()
	if len(pending) == 0 {
		return
	}
	if err := gen.CommitOffsets(map[string]map[int]int64{topic: pending}); err != nil {
		acked.restore(pending)
		s.cfg.Logger.Warn("commit offsets", "topic", topic, "group", s.cfg.ConsumerGroup, "err", err)
	}
}

// consumePartition reads one partition from offset and delivers its records
// in order, each after the previous one was acked; ack is called with the
// offset to resume from after each. It returns when ctx ends.
func (s *Subscriber) consumePartition(ctx context.Context, topic string, partition int, offset int64, out chan<- *message.Message, ack func(next int64)) {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:         s.cfg.Brokers,
		Topic:           topic,
		Partition:       partition,
		Dialer:          s.cfg.Dialer(),
		MinBytes:        1,
		MaxBytes:        s.cfg.MaxBytes,
		MaxWait:         s.cfg.MaxWait,
		QueueCapacity:   s.cfg.QueueCapacity,
		ReadBackoffMin:  100 * time.Millisecond,
		ReadBackoffMax:  time.Second,
		ReadLagInterval: -1, // nothing reads the lag; it costs a connection
		ErrorLogger:     kafkaLogger(s.cfg.Logger.With("topic", topic, "partition", partition)),
	})
	defer r.Close()
	if err := r.SetOffset(offset); err != nil {
		s.cfg.Logger.Error("set offset", "topic", topic, "partition", partition, "offset", offset, "err", err)
		return
	}
	for {
		rec, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.cfg.Logger.Warn("fetch", "topic", topic, "partition", partition, "err", err)
			if !sleep(ctx, time.Second) {
				return
			}
			continue
		}
		if !s.deliver(ctx, rec, out) {
			return
		}
		ack(rec.Offset + 1)
	}
}

// deliver hands rec to out until it is acked; it answers false when ctx ended
// first.
func (s *Subscriber) deliver(ctx context.Context, rec kafka.Message, out chan<- *message.Message) bool {
	for {
		msg := s.unmarshal(rec)
		msgCtx, cancel := context.WithCancel(withRecord(ctx, rec))
		msg.SetContext(msgCtx)
		select {
		case out <- msg:
		case <-ctx.Done():
			cancel()
			return false
		}
		select {
		case <-msg.Acked():
			cancel()
			return true
		case <-msg.Nacked():
			cancel()
			if !sleep(ctx, s.cfg.NackResendSleep) {
				return false
			}
		case <-ctx.Done():
			cancel()
			return false
		}
	}
}

// unmarshal decodes rec with the configured Marshaler. A record it cannot
// decode is not skipped, which would lose it, nor retried, which would block
// its partition: it is delivered as CloudEvents decodes any record, with the
// reason in MetadataUnmarshalError, for the handler to reject and the router
// to dead-letter.
func (s *Subscriber) unmarshal(rec kafka.Message) *message.Message {
	msg, err := s.cfg.Marshaler.Unmarshal(rec)
	if err == nil {
		// The mark is the subscriber's alone: a header of that name from a
		// producer, or carried back by a dead-letter replay, is not.
		delete(msg.Metadata, MetadataUnmarshalError)
		return msg
	}
	s.cfg.Logger.Error("record cannot be unmarshalled", "record", fmt.Sprintf("%s/%d/%d", rec.Topic, rec.Partition, rec.Offset), "err", err)
	msg, _ = CloudEvents{}.Unmarshal(rec) // never fails
	msg.Metadata.Set(MetadataUnmarshalError, err.Error())
	return msg
}

// MetadataUnmarshalError is set on a message whose record the Subscriber's
// Marshaler could not decode; it holds the reason. Such a message carries the
// record's raw value and headers.
const MetadataUnmarshalError = "bus_unmarshal_error"

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// offsets holds, per partition, the offset to resume from after the last
// acknowledged message, until it is committed.
type offsets struct {
	mu      sync.Mutex
	pending map[int]int64
}

func newOffsets() *offsets { return &offsets{pending: map[int]int64{}} }

func (o *offsets) set(partition int, next int64) {
	o.mu.Lock()
	o.pending[partition] = next
	o.mu.Unlock()
}

// take returns the offsets not yet committed and forgets them.
func (o *offsets) take() map[int]int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.pending) == 0 {
		return nil
	}
	p := o.pending
	o.pending = map[int]int64{}
	return p
}

// restore puts back offsets whose commit failed, unless newer ones came since.
func (o *offsets) restore(p map[int]int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for part, off := range p {
		if cur, ok := o.pending[part]; !ok || cur < off {
			o.pending[part] = off
		}
	}
}

// kafkaLogger passes kafka-go's log lines to slog as warnings.
func kafkaLogger(l *slog.Logger) kafka.Logger {
	return kafka.LoggerFunc(func(format string, args ...any) { l.Warn(fmt.Sprintf(format, args...)) })
}
