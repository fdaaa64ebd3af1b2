package middleware

import (
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

// The metadata (Kafka headers) that DeadLetterQueue adds to a dead letter.
// Every key starts with DeadLetterHeaderPrefix, so that a replay can strip
// them all.
const (
	HeaderDLQError    = "dlq_error"    // the error text of the last attempt
	HeaderDLQHandler  = "dlq_handler"  // the router handler that gave up
	HeaderDLQAttempts = "dlq_attempts" // how many times the handler ran, decimal
	HeaderDLQTopic    = "dlq_topic"    // the topic the message was consumed from
	HeaderDLQTime     = "dlq_time"     // when it was dead-lettered, RFC 3339 UTC

	DeadLetterHeaderPrefix = "dlq_"
)

// DeadLetterSuffix is appended to a topic's name to name its dead-letter
// topic.
const DeadLetterSuffix = ".dlq"

// maxErrorText bounds the dlq_error header: a recovered panic's error holds a
// whole stack trace, and a header must stay far below a record's size limit.
const maxErrorText = 16 << 10

// DeadLetterTopic returns the name of topic's dead-letter topic.
func DeadLetterTopic(topic string) string { return topic + DeadLetterSuffix }

// DeadLetterQueue is a middleware that publishes a message whose handler
// failed to the dead-letter topic of the topic it was consumed from, and then
// lets the message be acknowledged, so that one bad message does not block
// its partition. Unlike Watermill's PoisonQueue, which writes to one fixed
// topic, every topic gets its own <topic>.dlq.
//
// The dead letter is the message as it was consumed: the same UUID (ce_id),
// payload and metadata, partition key included, plus the dlq_* headers. The
// message itself is not changed.
//
// A message is not dead-lettered, but its error returned so that the router
// nacks it, when the dead letter cannot be published (it is redelivered and
// tried again, never lost), and when the message's context has ended: then
// the subscription is closing or the partition has moved to another
// consumer, the failure is not the message's fault, and the record is read
// again later.
//
// Nor is a message dead-lettered when Transient says its error is the fault
// of something outside it, such as a database that is down: the router nacks
// it, the partition waits, and the message is tried again (retries and all)
// until the fault passes or the subscription ends. An outage thus delays a
// partition instead of sending every message it meets to the dead letters.
//
// DeadLetterQueue puts an attempt counter into the message's context; put
// CountAttempts inside the retry middleware to fill it.
type DeadLetterQueue struct {
	// Publisher publishes the dead letters. Required.
	Publisher message.Publisher

	// OnDeadLetter, when set, is called after a dead letter was published,
	// with the handler's error.
	OnDeadLetter func(msg *message.Message, err error)

	// Transient, when set, reports whether an error is an outage outside
	// the message (see the type's doc): such a message is nacked, never
	// dead-lettered. It must not say so of an error a message can cause,
	// or that message blocks its partition.
	Transient func(error) bool

	// OnTransient, when set, is called when a message is nacked because
	// of a transient error.
	OnTransient func(msg *message.Message, err error)

	// Now tells the time of dead-lettering. Default time.Now.
	Now func() time.Time
}

// Middleware is the message.HandlerMiddleware.
func (q DeadLetterQueue) Middleware(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		ctx, attempts := withAttemptCounter(msg.Context())
		msg.SetContext(ctx)
		produced, err := h(msg)
		if err == nil {
			return produced, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		if q.Transient != nil && !IsPermanent(err) && q.Transient(err) {
			if q.OnTransient != nil {
				q.OnTransient(msg, err)
			}
			return nil, err
		}
		topic := message.SubscribeTopicFromCtx(ctx)
		if topic == "" {
			return nil, errors.Join(err, errors.New("dead letter: the message context names no subscribe topic"))
		}
		letter := q.letter(msg, topic, message.HandlerNameFromCtx(ctx), int(attempts.Load()), err)
		if perr := q.Publisher.Publish(DeadLetterTopic(topic), letter); perr != nil {
			return nil, errors.Join(err, fmt.Errorf("dead letter: publish to %s: %w", DeadLetterTopic(topic), perr))
		}
		if q.OnDeadLetter != nil {
			q.OnDeadLetter(msg, err)
		}
		return nil, nil
	}
}

// letter copies msg into a dead letter with the dlq_* headers.
func (q DeadLetterQueue) letter(msg *message.Message, topic, handler string, attempts int, err error) *message.Message {
	now := time.Now
	if q.Now != nil {
		now = q.Now
	}
	text := err.Error()
	if len(text) > maxErrorText {
		text = strings.ToValidUTF8(text[:maxErrorText], "") + "…(truncated)"
	}
	letter := message.NewMessage(msg.UUID, msg.Payload)
	letter.Metadata = make(message.Metadata, len(msg.Metadata)+5)
	maps.Copy(letter.Metadata, msg.Metadata)
	letter.Metadata.Set(HeaderDLQError, text)
	letter.Metadata.Set(HeaderDLQHandler, handler)
	letter.Metadata.Set(HeaderDLQAttempts, strconv.Itoa(attempts))
	letter.Metadata.Set(HeaderDLQTopic, topic)
	letter.Metadata.Set(HeaderDLQTime, now().UTC().Format(time.RFC3339Nano))
	return letter
}
