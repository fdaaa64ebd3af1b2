package bus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go"
)

// Subscriber consumes Kafka topics as Watermill messages with kafka-go.
//
// Each partition assigned to a subscription is read by its own goroutine, so
// partitions are processed concurrently while order is kept inside each. With
// the default MaxInFlight of 1, a partition's next message is delivered only
// after the previous one was acknowledged. With MaxInFlight N > 1, up to N
// messages of a partition are out at once (a Watermill router handles each in
// its own goroutine, so they run concurrently), but in key order: a record
// whose Kafka key equals that of a message still unacked waits until that one
// is acked. Records with an empty key are not ordered among themselves.
//
// Acks may come in any order. The offset committed is the one after the
// longest contiguous prefix of acked records: nothing unacked is ever
// committed, so a restart redelivers what was not acked, plus at most what
// was acked after the first unacked record. Nack delivers the same record
// again after NackResendSleep; meanwhile other keys keep flowing and the later
// records of its key wait behind it. A message's context carries its Record
// and is cancelled once it is acked or nacked, or when its subscription ends;
// an ack that comes as it ends still counts.
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
// returns the channel its messages arrive on. If the broker cannot be
// reached, the subscription waits for it (see awaitTopic) instead of
// failing; an error the broker answers with, such as a refused
// authentication, is returned at once.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	if !s.subs.enter() {
		return nil, ErrSubscriberClosed
	}

	partitions, err := s.ensureTopic(ctx, topic)
	if err != nil {
		rerr := err // the context's end
		if ctx.Err() == nil {
			rerr = s.refused(ctx, err)
		}
		if rerr != nil {
			s.subs.leave()
			return nil, fmt.Errorf("bus: subscribe to %s: %w", topic, rerr)
		}
	}
	subCtx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(s.ctx, cancel)
	out := make(chan *message.Message)
	go func() {
		defer s.subs.leave()
		defer close(out)
		defer stop()
		defer cancel()
		if err != nil {
			if partitions = s.awaitTopic(subCtx, topic, err); partitions == nil {
				return
			}
		}
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

// awaitTopic retries ensureTopic, with a backoff from 100 ms to 5 s and a
// warning each time, until the broker answers or ctx ends (then nil). A
// subscription made while the broker is down thus starts once it is up,
// rather than failing its service's start.
func (s *Subscriber) awaitTopic(ctx context.Context, topic string, err error) []int {
	wait := 100 * time.Millisecond
	for {
		s.cfg.Logger.Warn("bus: broker not reachable, the subscription waits for it", "topic", topic, "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
		var ids []int
		if ids, err = s.ensureTopic(ctx, topic); err == nil {
			return ids
		}
		if ctx.Err() != nil {
			return nil
		}
		if rerr := s.refused(ctx, err); rerr != nil {
			s.cfg.Logger.Error("bus: subscription ends: the broker refused it", "topic", topic, "err", rerr)
			return nil
		}
	}
}

// refused returns err, or a clearer error, when err says the broker refused
// the request, and nil when it says the broker could not be reached (or is
// not ready yet): a network error, Broker Not Available or another retriable
// Kafka error. kafka-go's Client reports any failed connection as Broker Not
// Available, so with SASL the cause is asked with Ping: a connection the
// broker closes during authentication is a wrong user or password.
func (s *Subscriber) refused(ctx context.Context, err error) error {
	if s.cfg.SASL != nil && errors.Is(err, kafka.BrokerNotAvailable) {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if perr := Ping(pctx, s.cfg.Connection); perr != nil && errors.Is(perr, io.ErrUnexpectedEOF) {
			return perr
		}
	}
	if errors.Is(err, kafka.BrokerNotAvailable) || retriable(err) {
		return nil
	}
	return err
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

// consumePartition reads one partition from offset and delivers its records
// as the Subscriber's contract says: one at a time with MaxInFlight 1, else
// through deliverPartition's window. ack is called with the offset to resume
// from whenever the acked prefix grows. It returns when ctx ends.
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
	if s.cfg.MaxInFlight > 1 {
		s.deliverPartition(ctx, r, topic, partition, out, ack)
		return
	}
	// One at a time: what deliverPartition does with one slot, without its
	// goroutines and channel hops, which cost an ack-at-once consumer about
	// 30 % of its throughput (BenchmarkInFlightOverhead, 1 against 64 side
	// by side).
	for {
		rec, ok := s.fetch(ctx, r, topic, partition)
		if !ok || !s.deliver(ctx, rec, out) {
			return
		}
		ack(rec.Offset + 1)
	}
}

// fetch returns r's next record, retrying after an error, or false once ctx
// ends.
func (s *Subscriber) fetch(ctx context.Context, r *kafka.Reader, topic string, partition int) (kafka.Message, bool) {
	for {
		rec, err := r.FetchMessage(ctx)
		if err == nil {
			return rec, true
		}
		if ctx.Err() != nil {
			return kafka.Message{}, false
		}
		s.cfg.Logger.Warn("fetch", "topic", topic, "partition", partition, "err", err)
		if !sleep(ctx, time.Second) {
			return kafka.Message{}, false
		}
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
			// An ack that came as the subscription ended still counts:
			// else a graceful stop redelivers what was handled.
			select {
			case <-msg.Acked():
				return true
			default:
				return false
			}
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

// kafkaLogger passes kafka-go's log lines to slog as warnings, but a
// network timeout (a late long-poll answer, retried at once) at debug.
func kafkaLogger(l *slog.Logger) kafka.Logger {
	return kafka.LoggerFunc(func(format string, args ...any) {
		level := slog.LevelWarn
		if timedOut(args) {
			// A long-poll fetch answered after its read deadline: the
			// reader retries it at once, nothing is lost. Under load on
			// a busy broker there are hundreds of these a minute.
			level = slog.LevelDebug
		}
		l.Log(context.Background(), level, fmt.Sprintf(format, args...))
	})
}

// timedOut reports whether one of a kafka-go log line's arguments is a
// network timeout.
func timedOut(args []any) bool {
	for _, a := range args {
		var ne net.Error
		if err, ok := a.(error); ok && errors.As(err, &ne) && ne.Timeout() {
			return true
		}
	}
	return false
}
