package connectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
)

// Sink writes events from the bus to an outside system: Redpanda Connect's
// output. Connect establishes what Write needs; it is called before the
// first Write and again after Write returns ErrNotConnected. Write writes a
// batch: nil means every event of it is durably written; ErrNotConnected
// that the connection is gone; a *RejectedError that the system refused
// some events for good (they are dead-lettered and the rest written again);
// any other error is retried with backoff. A Sink holds no retry loops;
// Write, Connect and Close are called from one goroutine.
//
// Delivery is at least once: a batch whose Write succeeded can be written
// again after a crash before its offsets were committed, with the same
// event ids, so a Sink (or what reads its output) recognises repeats by Event.ID.
type Sink interface {
	Connect(ctx context.Context) error
	Write(ctx context.Context, batch []Event) error
	Close(ctx context.Context) error
}

// Event is one event as a Sink gets it: the CloudEvents attributes and the
// JSON data.
type Event struct {
	ID, Topic, Type, Source, Key string
	Time                         time.Time
	Data                         []byte
}

// RejectedError says which events of a batch the outside system refused for
// good, by their index in the batch, and why (never quoting a value).
type RejectedError struct {
	Rejected map[int]error
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("connectors: %d events refused by the sink", len(e.Rejected))
}

// SinkRuntimeConfig configures a SinkRuntime.
type SinkRuntimeConfig struct {
	// Name is the sink's name: its consumer group is connector-<Name>, and
	// it is the dlq_handler of what it dead-letters.
	Name string
	// Topic is the topic the sink reads.
	Topic string
	// Sink is written to. Required.
	Sink Sink
	// Subscriber reads Topic; give it the consumer group connector-<Name>,
	// so a restart resumes after the last batch written. Required.
	Subscriber message.Subscriber
	// DeadLetters publishes what the sink refuses to <Topic>.dlq. Required.
	DeadLetters message.Publisher
	// BatchSize is the most events one Write gets (default 100); Linger how
	// long a batch waits for more once it has one (default 200 ms). The
	// bus delivers one event per partition until it is acknowledged, so a
	// batch holds at most one event per partition of Topic.
	BatchSize int
	Linger    time.Duration
	// MinBackoff and MaxBackoff bound the retries' backoff: 100 ms, 30 s.
	MinBackoff, MaxBackoff time.Duration
	// Logger; nil discards.
	Logger *slog.Logger
}

// SinkRuntime reads a topic and writes it to a Sink, acknowledging each
// event (so its offset is committed) only once Write says it is written or
// it is dead-lettered: nothing read is lost, a restart resumes where it
// stopped.
type SinkRuntime struct {
	cfg SinkRuntimeConfig
}

// NewSinkRuntime checks cfg and fills its defaults.
func NewSinkRuntime(cfg SinkRuntimeConfig) (*SinkRuntime, error) {
	var errs []error
	for _, r := range []struct {
		ok   bool
		what string
	}{{cfg.Name != "", "a name"}, {cfg.Topic != "", "a topic"}, {cfg.Sink != nil, "a sink"}, {cfg.Subscriber != nil, "a subscriber"}, {cfg.DeadLetters != nil, "a dead-letter publisher"}} {
		if !r.ok {
			errs = append(errs, errors.New(r.what+" is required"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("connectors: sink %s: %w", cfg.Name, err)
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.Linger <= 0 {
		cfg.Linger = 200 * time.Millisecond
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Logger = cfg.Logger.With("sink", cfg.Name)
	return &SinkRuntime{cfg: cfg}, nil
}

// Run writes the topic to the sink until ctx ends, then closes the sink.
func (r *SinkRuntime) Run(ctx context.Context) error {
	// The subscription outlives ctx until Run returns, so the acks of the
	// batch being written when ctx ends still reach the subscriber and a
	// graceful stop writes nothing twice.
	subCtx, endSub := context.WithCancel(context.WithoutCancel(ctx))
	defer endSub()
	msgs, err := r.cfg.Subscriber.Subscribe(subCtx, r.cfg.Topic)
	if err != nil {
		return fmt.Errorf("connectors: sink %s: subscribe: %w", r.cfg.Name, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := r.cfg.Sink.Close(cctx); err != nil {
			r.cfg.Logger.Warn("close", "err", err)
		}
	}()
	connected := false
	for {
		batch, ok := r.collect(ctx, msgs)
		if !ok {
			return nil
		}
		if !r.write(ctx, batch, &connected) {
			return nil
		}
	}
}

// collect waits for one message, then for more until the batch is full or
// Linger has passed.
func (r *SinkRuntime) collect(ctx context.Context, msgs <-chan *message.Message) ([]*message.Message, bool) {
	var batch []*message.Message
	select {
	case m, ok := <-msgs:
		if !ok {
			return nil, false
		}
		batch = append(batch, m)
	case <-ctx.Done():
		return nil, false
	}
	linger := time.NewTimer(r.cfg.Linger)
	defer linger.Stop()
	for len(batch) < r.cfg.BatchSize {
		select {
		case m, ok := <-msgs:
			if !ok {
				return batch, true
			}
			batch = append(batch, m)
		case <-linger.C:
			return batch, true
		case <-ctx.Done():
			return batch, true
		}
	}
	return batch, true
}

// write writes batch until it is written (or dead-lettered) and acks it;
// false when ctx ended first (the batch is then nacked and read again).
func (r *SinkRuntime) write(ctx context.Context, batch []*message.Message, connected *bool) bool {
	backoff := r.cfg.MinBackoff
	for {
		if ctx.Err() != nil {
			nackAll(batch)
			return false
		}
		err := r.attempt(ctx, batch, connected)
		var rejected *RejectedError
		switch {
		case err == nil:
			for _, m := range batch {
				m.Ack()
			}
			return true
		case errors.As(err, &rejected):
			keep, err := r.deadLetter(batch, rejected)
			if err != nil {
				r.cfg.Logger.Warn("dead letters not published; retrying", "err", err)
				break
			}
			if batch = keep; len(batch) == 0 {
				return true
			}
			continue
		case errors.Is(err, ErrNotConnected):
			*connected = false
		}
		r.cfg.Logger.Warn("write failed; retrying", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			nackAll(batch)
			return false
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, r.cfg.MaxBackoff)
	}
}

func (r *SinkRuntime) attempt(ctx context.Context, batch []*message.Message, connected *bool) error {
	if !*connected {
		if err := r.cfg.Sink.Connect(ctx); err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		*connected = true
	}
	events := make([]Event, len(batch))
	for i, m := range batch {
		events[i] = eventOf(r.cfg.Topic, m)
	}
	return r.cfg.Sink.Write(ctx, events)
}

// deadLetter publishes the rejected events of batch to <topic>.dlq, acks
// them, and returns the others.
func (r *SinkRuntime) deadLetter(batch []*message.Message, rej *RejectedError) ([]*message.Message, error) {
	var letters, done, keep []*message.Message
	for i, m := range batch {
		why, refused := rej.Rejected[i]
		if !refused {
			keep = append(keep, m)
			continue
		}
		l := message.NewMessage(m.UUID, m.Payload)
		l.Metadata = maps.Clone(m.Metadata)
		l.Metadata.Set(middleware.HeaderDLQError, why.Error())
		l.Metadata.Set(middleware.HeaderDLQHandler, r.cfg.Name)
		l.Metadata.Set(middleware.HeaderDLQAttempts, strconv.Itoa(1))
		l.Metadata.Set(middleware.HeaderDLQTopic, r.cfg.Topic)
		l.Metadata.Set(middleware.HeaderDLQTime, time.Now().UTC().Format(time.RFC3339))
		letters = append(letters, l)
		done = append(done, m)
	}
	if err := r.cfg.DeadLetters.Publish(r.cfg.Topic+".dlq", letters...); err != nil {
		return nil, err
	}
	for _, m := range done {
		m.Ack()
	}
	return keep, nil
}

func nackAll(batch []*message.Message) {
	for _, m := range batch {
		m.Nack()
	}
}

// eventOf is the Event of a message read from topic.
func eventOf(topic string, m *message.Message) Event {
	t, _ := time.Parse(time.RFC3339Nano, m.Metadata.Get(bus.HeaderTime))
	return Event{
		ID: m.UUID, Topic: topic, Type: m.Metadata.Get(bus.HeaderType), Source: m.Metadata.Get(bus.HeaderSource),
		Key: m.Metadata.Get(bus.MetadataPartitionKey), Time: t, Data: m.Payload,
	}
}
