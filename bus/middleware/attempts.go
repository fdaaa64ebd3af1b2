package middleware

import (
	"context"
	"sync/atomic"

	"github.com/ThreeDotsLabs/watermill/message"
)

type attemptsKey struct{}

// withAttemptCounter returns ctx carrying a fresh attempt counter.
func withAttemptCounter(ctx context.Context) (context.Context, *atomic.Int64) {
	n := new(atomic.Int64)
	return context.WithValue(ctx, attemptsKey{}, n), n
}

// CountAttempts is a middleware that counts every run of the handler it
// wraps into the counter that DeadLetterQueue put into the message's context.
// It belongs inside the retry middleware, so that it sees each attempt.
// Without a counter in the context it only calls the handler.
func CountAttempts(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		if n, ok := msg.Context().Value(attemptsKey{}).(*atomic.Int64); ok {
			n.Add(1)
		}
		return h(msg)
	}
}

// Attempts returns how many times the handler has run so far for the message
// whose context ctx is, as counted by CountAttempts; 0 without a counter.
func Attempts(ctx context.Context) int {
	if n, ok := ctx.Value(attemptsKey{}).(*atomic.Int64); ok {
		return int(n.Load())
	}
	return 0
}
