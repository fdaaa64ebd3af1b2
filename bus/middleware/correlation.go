package middleware

import (
	wmmiddleware "github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/ThreeDotsLabs/watermill/message"
)

// CorrelationIDKey is the metadata key (Kafka header) of the correlation id.
const CorrelationIDKey = wmmiddleware.CorrelationIDMetadataKey

// CorrelationID is a middleware that gives a message without a correlation
// id its own UUID as one, which starts a chain, and copies the id to every
// message the handler produces (Watermill's CorrelationID), so that every
// event of a chain carries the id of the event that started it.
func CorrelationID(h message.HandlerFunc) message.HandlerFunc {
	propagate := wmmiddleware.CorrelationID(h)
	return func(msg *message.Message) ([]*message.Message, error) {
		wmmiddleware.SetCorrelationID(msg.UUID, msg) // keeps an id already there
		return propagate(msg)
	}
}
