package middleware

import (
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
)

// Contract checks an event against the schema its topic carries. bus.Contract
// is this interface under the name producers and wiring code use; the
// schemas/contracts package implements it for the catalog.
//
// Check returns nil when payload is a valid event for topic. dataschema is
// the event's ce_dataschema attribute, "" when it has none; an
// implementation refuses a dataschema that is not the topic's schema. Check
// fails closed: a topic it has no contract for is an error. Its errors must
// never quote a value from the payload, since they end up in logs and in
// dead-letter headers, and a payload may hold personal data. Check must be
// safe for concurrent use.
type Contract interface {
	Check(topic, dataschema string, payload []byte) error
}

// These mirror bus.HeaderDataSchema and bus.MetadataUnmarshalError, which
// this package cannot import (bus imports it); a test in bus keeps them in
// step.
const (
	metadataDataSchema     = "ce_dataschema"
	metadataUnmarshalError = "bus_unmarshal_error"
)

// Validate returns a middleware that checks every received message against
// c before the handler sees it: the topic it was consumed from, its
// ce_dataschema metadata and its payload. A message that breaks its contract,
// or that the subscriber could not decode (it carries bus_unmarshal_error),
// never reaches the handler: the middleware fails it with a Permanent error
// that starts "invalid event: ", so the router does not retry it and
// dead-letters it at once with the reason in dlq_error. It is never dropped
// and never passed on.
//
// Put it inside the dead-letter middleware, and inside CountAttempts and the
// Recoverer, so that a rejected message counts one attempt and a panicking
// contract is retried and dead-lettered like a panicking handler: its place
// in bus.NewRouter's chain is the innermost, directly around the handler.
func Validate(c Contract) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			if err := check(c, msg); err != nil {
				return nil, err
			}
			return h(msg)
		}
	}
}

// check returns why msg must not reach its handler, or nil.
func check(c Contract, msg *message.Message) error {
	if reason := msg.Metadata.Get(metadataUnmarshalError); reason != "" {
		return Permanent(fmt.Errorf("invalid event: the record cannot be decoded: %s", reason))
	}
	topic := message.SubscribeTopicFromCtx(msg.Context())
	if topic == "" {
		// Not the event's fault but the wiring's: without a topic there is
		// no contract to check and no dead-letter topic either, so the
		// message is failed (and nacked) rather than let through unchecked.
		return errors.New("validate: the message context names no subscribe topic; run the middleware in a router")
	}
	if err := c.Check(topic, msg.Metadata.Get(metadataDataSchema), msg.Payload); err != nil {
		return Permanent(fmt.Errorf("invalid event: %w", err))
	}
	return nil
}
