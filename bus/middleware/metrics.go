package middleware

import (
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
)

// The outcome label values of civicbus_handler_messages_total. Processed,
// dead_lettered and duplicate count messages; failed counts attempts, so a
// message retried three times before it succeeded counts three failed and
// one processed.
const (
	OutcomeProcessed    = "processed"     // the handler succeeded
	OutcomeFailed       = "failed"        // one attempt returned an error or panicked
	OutcomeDeadLettered = "dead_lettered" // published to <topic>.dlq
	OutcomeDuplicate    = "duplicate"     // dropped by the Deduplicator
	OutcomeWaiting      = "waiting"       // nacked for a transient outage, to be tried again
)

// Metrics counts and times what the handlers of a router do, labelled by
// handler name. Its methods are the middleware and hooks that feed it.
type Metrics struct {
	messages *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics returns Metrics registered on reg. Several routers may register
// on one registry: the second gets the collectors of the first and counts
// into them, so handler names should be unique across those routers.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	messages := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "civicbus_handler_messages_total",
		Help: "Messages handled, by handler and outcome (processed, dead_lettered, duplicate, waiting: nacked for an outage); failed counts attempts that returned an error.",
	}, []string{"handler", "outcome"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "civicbus_handler_duration_seconds",
		Help:    "Time a handler spent on a message, all attempts and the waits between them included.",
		Buckets: prometheus.DefBuckets,
	}, []string{"handler"})
	var err error
	if messages, err = register(reg, messages); err != nil {
		return nil, err
	}
	if duration, err = register(reg, duration); err != nil {
		return nil, err
	}
	return &Metrics{messages: messages, duration: duration}, nil
}

// register registers c on reg, or returns the equal collector registered
// before.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("metrics: register: %w", err)
}

// Handled is a middleware that times each message and counts it processed
// when the handler under it succeeded. Put it outside the retry middleware,
// so that it sees each message once.
func (m *Metrics) Handled(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		handler := message.HandlerNameFromCtx(msg.Context())
		start := time.Now()
		produced, err := h(msg)
		m.duration.WithLabelValues(handler).Observe(time.Since(start).Seconds())
		if err == nil {
			m.count(msg, OutcomeProcessed)
		}
		return produced, err
	}
}

// Attempt is a middleware that counts each attempt that fails. Put it inside
// the retry middleware, so that it sees each attempt.
func (m *Metrics) Attempt(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		produced, err := h(msg)
		if err != nil {
			m.count(msg, OutcomeFailed)
		}
		return produced, err
	}
}

// DeadLettered counts a dead-lettered message; it fits
// DeadLetterQueue.OnDeadLetter.
func (m *Metrics) DeadLettered(msg *message.Message, _ error) { m.count(msg, OutcomeDeadLettered) }

// Waiting counts a message nacked for a transient outage; it fits
// DeadLetterQueue.OnTransient.
func (m *Metrics) Waiting(msg *message.Message, _ error) { m.count(msg, OutcomeWaiting) }

// Duplicate counts a dropped duplicate; it fits Deduplicator.OnDuplicate.
func (m *Metrics) Duplicate(msg *message.Message) { m.count(msg, OutcomeDuplicate) }

func (m *Metrics) count(msg *message.Message, outcome string) {
	m.messages.WithLabelValues(message.HandlerNameFromCtx(msg.Context()), outcome).Inc()
}
