package connectors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
)

// RuntimeConfig configures a Runtime.
type RuntimeConfig struct {
	// Name is the connector's name: its checkpoint key and dlq_handler.
	Name string
	// SourceURI is the ce_source of its events; /civicbus/connectors/<Name>
	// when empty.
	SourceURI string
	// Source is read. Required.
	Source Source
	// Mapping makes events of records. Required.
	Mapping *Mapping
	// Publisher publishes events and dead letters. It must not check
	// contracts itself (a dead letter breaks them); the Runtime checks every
	// event against Contract. Required.
	Publisher message.Publisher
	// Contract validates every event before it is published. Required.
	Contract bus.Contract
	// Checkpoints stores the positions of a Source that is a Seeker (a
	// Source without positions is not checkpointed). Required.
	Checkpoints Checkpoints
	// MinBackoff and MaxBackoff bound the exponential backoff between
	// retries. Defaults 100 ms and 30 s.
	MinBackoff, MaxBackoff time.Duration
	// Logger; nil discards.
	Logger *slog.Logger
}

func (c *RuntimeConfig) setDefaults() {
	if c.SourceURI == "" {
		c.SourceURI = "/civicbus/connectors/" + c.Name
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports every missing part.
func (c RuntimeConfig) Validate() error {
	var errs []error
	req := func(ok bool, what string) {
		if !ok {
			errs = append(errs, errors.New(what+" is required"))
		}
	}
	req(c.Name != "", "a name")
	req(c.Source != nil, "a source")
	req(c.Mapping != nil, "a mapping")
	req(c.Publisher != nil, "a publisher")
	req(c.Contract != nil, "a contract")
	req(c.Checkpoints != nil, "a checkpoint store")
	return errors.Join(errs...)
}

// Runtime drives one Source: see the package documentation.
type Runtime struct {
	cfg      RuntimeConfig
	event    string // target topic
	dlq      string
	schemaID string
	ceType   string
	conv     Converter
	status   statusBox
	backoff  time.Duration
}

// NewRuntime returns a Runtime for cfg.
func NewRuntime(cfg RuntimeConfig) (*Runtime, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("connectors: runtime: %w", err)
	}
	cfg.setDefaults()
	cfg.Logger = cfg.Logger.With("connector", cfg.Name)
	ev := cfg.Mapping.Event()
	r := &Runtime{cfg: cfg, event: ev.Topic, dlq: middleware.DeadLetterTopic(ev.Topic),
		schemaID: ev.SchemaID(), ceType: ev.CloudEventType(),
		conv: Converter{SourceURI: cfg.SourceURI, Mapping: cfg.Mapping, Contract: cfg.Contract}}
	r.status.s = Status{Connector: cfg.Name, State: StateStarting}
	return r, nil
}

// Status returns a snapshot of the connector's status, with its rate and
// backfill progress as of now; safe to call from any goroutine.
func (r *Runtime) Status() Status { return r.status.get(time.Now()) }

// Run reads until ctx ends (it returns nil; the state is then
// StateStopped) or the Source says ErrEndOfInput (nil too; StateFinished).
// Errors are retried with backoff; Run returns an error only when the
// checkpoint cannot be loaded or the Source cannot seek (StateFailed, with
// the error in LastError; stopped when ctx ended meanwhile). The end state
// is set after the Source is closed.
func (r *Runtime) Run(ctx context.Context) (runErr error) {
	end := StateStopped
	defer func() {
		if ctx.Err() != nil && end != StateFinished {
			r.status.end(StateStopped, nil)
			return
		}
		r.status.end(end, runErr)
	}()
	pos, err := r.cfg.Checkpoints.Load(ctx, r.cfg.Name)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped while loading: a stop, not a failure
		}
		return err
	}
	if s, ok := r.cfg.Source.(Seeker); ok {
		if err := s.Seek(pos); err != nil {
			return fmt.Errorf("connectors: %s: seek: %w", r.cfg.Name, err)
		}
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := r.cfg.Source.Close(cctx); err != nil {
			r.cfg.Logger.Warn("close", "err", err)
		}
	}()
	connected := false
	for ctx.Err() == nil {
		if !connected {
			r.status.state(StateConnecting)
			if err := r.cfg.Source.Connect(ctx); err != nil {
				r.retry(ctx, "connect", err)
				continue
			}
			connected = true
			r.backoff = 0
			r.status.state(StateRunning)
		}
		batch, ack, err := r.cfg.Source.Read(ctx)
		switch {
		case ctx.Err() != nil:
			if err == nil {
				done(batch, nil, ctx.Err())
				if ack != nil {
					_ = ack(context.WithoutCancel(ctx), ctx.Err())
				}
			}
			return nil
		case errors.Is(err, ErrEndOfInput):
			end = StateFinished
			return nil
		case errors.Is(err, ErrNotConnected):
			connected = false
			r.retry(ctx, "read", err)
			continue
		case err != nil:
			r.retry(ctx, "read", err)
			continue
		}
		if err := r.deliver(ctx, batch, ack); err != nil {
			return nil // only ctx ends delivery
		}
		var lag int64
		l, isLagger := r.cfg.Source.(Lagger)
		if isLagger {
			lag = l.Lag()
		}
		r.status.observe(time.Now(), lag, isLagger)
	}
	return nil
}

// deliver puts a batch on the bus, retrying until it is there or ctx ends,
// tells each record's Done, then checkpoints and acks the batch.
func (r *Runtime) deliver(ctx context.Context, batch Batch, ack AckFunc) error {
	events, letters, reasons := r.convert(batch)
	r.status.update(func(s *Status) { s.RecordsIn += int64(len(batch)) })
	err := r.untilDone(ctx, "publish", func() error { return r.publish(events, letters) })
	if err == nil {
		done(batch, reasons, nil)
	}
	if _, seeks := r.cfg.Source.(Seeker); err == nil && seeks && len(batch) > 0 {
		// Only a Seeker has positions to resume from; the others (mqtt,
		// webhook) would store what nothing reads.
		pos := batch[len(batch)-1].Position
		err = r.untilDone(ctx, "checkpoint", func() error {
			// A batch on the bus gets its checkpoint even when Run is being
			// stopped, so that a restart does not send it again.
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			return r.cfg.Checkpoints.Save(sctx, r.cfg.Name, pos)
		})
	} else if err != nil {
		done(batch, nil, err)
	}
	if err != nil {
		if ack != nil {
			_ = ack(context.WithoutCancel(ctx), err)
		}
		return err
	}
	r.status.update(func(s *Status) {
		s.State = StateRunning
		s.LastSuccess = time.Now()
		s.RecordsOut += int64(len(events))
		s.Failed += int64(len(letters))
	})
	if ack != nil {
		if err := ack(ctx, nil); err != nil {
			r.status.fail(err)
			r.cfg.Logger.Warn("ack", "err", err)
		}
	}
	return nil
}

// done calls the Done of every record of batch that has one: with its
// dead-letter reason, or with err when the batch did not reach the bus.
func done(batch Batch, reasons []error, err error) {
	for i, rec := range batch {
		if rec.Done == nil {
			continue
		}
		if err != nil {
			rec.Done(err)
		} else {
			rec.Done(reasons[i])
		}
	}
}

func (r *Runtime) publish(events, letters []*message.Message) error {
	if len(events) > 0 {
		if err := r.cfg.Publisher.Publish(r.event, events...); err != nil {
			return err
		}
	}
	if len(letters) > 0 {
		return r.cfg.Publisher.Publish(r.dlq, letters...)
	}
	return nil
}

// convert makes every record an event or a dead letter, and returns each
// record's dead-letter reason (nil for an event).
// A large batch is converted by GOMAXPROCS goroutines; the order of events
// and letters stays the batch's.
func (r *Runtime) convert(batch Batch) (events, letters []*message.Message, reasons []error) {
	msgs := make([]*message.Message, len(batch))
	reasons = make([]error, len(batch))
	one := func(i int) {
		c := r.conv.Convert(batch[i])
		if reasons[i] = c.Err; c.Err != nil {
			msgs[i] = r.letter(batch[i], c.Err)
		} else {
			msgs[i] = r.message(c)
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if len(batch) < 256 || workers == 1 {
		for i := range batch {
			one(i)
		}
	} else {
		var wg sync.WaitGroup
		chunk := (len(batch) + workers - 1) / workers
		for lo := 0; lo < len(batch); lo += chunk {
			wg.Go(func() {
				for i := lo; i < min(lo+chunk, len(batch)); i++ {
					one(i)
				}
			})
		}
		wg.Wait()
	}
	for i, msg := range msgs {
		if reasons[i] != nil {
			letters = append(letters, msg)
		} else {
			events = append(events, msg)
		}
	}
	return events, letters, reasons
}

// message is the event message of a converted record.
func (r *Runtime) message(c Conversion) *message.Message {
	msg := message.NewMessage(c.ID, c.Payload)
	msg.Metadata.Set(bus.HeaderSource, r.cfg.SourceURI)
	msg.Metadata.Set(bus.HeaderType, r.ceType)
	msg.Metadata.Set(bus.HeaderDataSchema, r.schemaID)
	if c.PartitionKey != "" {
		msg.Metadata.Set(bus.MetadataPartitionKey, c.PartitionKey)
	}
	return msg
}

// letter is the dead letter of rec: its raw bytes, with the error (which
// names the field or rule, never a value), the connector and the origin.
func (r *Runtime) letter(rec Record, err error) *message.Message {
	id := EventID(r.cfg.SourceURI, "dlq\x1f"+rec.Position+"\x1f"+rec.Origin.String(), 0)
	msg := message.NewMessage(id, rec.Raw)
	text := err.Error()
	if rec.Origin.File != "" {
		text = rec.Origin.String() + ": " + text
	}
	msg.Metadata.Set(bus.HeaderSource, r.cfg.SourceURI)
	msg.Metadata.Set(bus.HeaderContentType, "application/octet-stream")
	msg.Metadata.Set(middleware.HeaderDLQError, text)
	msg.Metadata.Set(middleware.HeaderDLQHandler, r.cfg.Name)
	msg.Metadata.Set(middleware.HeaderDLQAttempts, strconv.Itoa(1))
	msg.Metadata.Set(middleware.HeaderDLQTopic, r.event)
	msg.Metadata.Set(middleware.HeaderDLQTime, time.Now().UTC().Format(time.RFC3339))
	return msg
}

// untilDone runs f until it succeeds, with backoff, or ctx ends.
func (r *Runtime) untilDone(ctx context.Context, op string, f func() error) error {
	for {
		err := f()
		if err == nil {
			r.backoff = 0
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.retry(ctx, op, err)
	}
}

// retry records err and waits out the next backoff step.
func (r *Runtime) retry(ctx context.Context, op string, err error) {
	r.status.fail(fmt.Errorf("%s: %w", op, err))
	r.status.state(StateBackoff)
	r.cfg.Logger.Warn(op+" failed; retrying", "err", err)
	r.backoff = min(max(r.backoff*2, r.cfg.MinBackoff), r.cfg.MaxBackoff)
	t := time.NewTimer(r.backoff)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
