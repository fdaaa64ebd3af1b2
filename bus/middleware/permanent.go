package middleware

import (
	"errors"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/cenkalti/backoff/v5"
)

// Permanent marks err as one that no retry can cure, such as a validation
// error or a payload the handler cannot parse: the router does not retry it
// but dead-letters the message after the first attempt. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, was marked Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// StopRetryOnPermanent is a middleware to put directly inside Watermill's
// Retry middleware: it turns a Permanent error into the backoff library's
// stop signal, so Retry gives up at once and returns the error as the
// handler returned it.
//
// Retry's own ShouldRetry hook would do the same, but in Watermill v1.5.1 it
// advances the backoff each time it is asked, so every wait would be one
// step longer than configured.
func StopRetryOnPermanent(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		produced, err := h(msg)
		if IsPermanent(err) {
			return produced, backoff.Permanent(err)
		}
		return produced, err
	}
}
