package bus

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	wmmiddleware "github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vasteras/civicbus/bus/middleware"
)

// RetryConfig says how often and how patiently a failed handler is retried
// before its message is dead-lettered. Zero fields take the defaults
// documented on each.
type RetryConfig struct {
	// MaxRetries is how many times a failed handler runs again, so a message
	// is tried MaxRetries+1 times. Default 3; a negative value turns retries
	// off.
	MaxRetries int
	// InitialInterval is the wait before the first retry. Default 100 ms.
	InitialInterval time.Duration
	// Multiplier grows the wait from one retry to the next. Default 2.
	Multiplier float64
	// MaxInterval caps the wait. Default 5 s.
	MaxInterval time.Duration
}

func (c *RetryConfig) setDefaults() {
	setDefault(&c.MaxRetries, 3)
	setDefault(&c.InitialInterval, 100*time.Millisecond)
	setDefault(&c.Multiplier, 2)
	setDefault(&c.MaxInterval, 5*time.Second)
}

func (c RetryConfig) retries() int { return max(c.MaxRetries, 0) }

// RouterConfig configures the router that NewRouter builds. Zero fields take
// the defaults documented on each.
type RouterConfig struct {
	// DeadLetters publishes the dead letters to <topic>.dlq. Required. The
	// router does not close it: close it after the router has closed. Give
	// handlers a publisher of their own: Watermill closes a handler's
	// publisher when that handler stops, and a dead letter that cannot be
	// published leaves its message nacked until the next start.
	DeadLetters message.Publisher

	// Registerer is where the handler metrics are registered. Required.
	// Routers may share one.
	Registerer prometheus.Registerer

	// Logger receives the router's logs. Nil discards them.
	Logger *slog.Logger

	// Retry says how failed handlers are retried.
	Retry RetryConfig

	// DedupWindow is how long a handled event id is remembered, so that a
	// duplicate within it is dropped. Default 10 min.
	DedupWindow time.Duration

	// DedupMaxIDs bounds how many handled ids the deduplicator remembers;
	// past it the oldest are forgotten first. Default
	// middleware.DefaultDedupMaxIDs.
	DedupMaxIDs int

	// CloseTimeout is how long Close waits for the messages being handled.
	// Default 5 s, and at most 10 s: with the subscriber's own closing it
	// keeps a shutdown within the 10 s a container runtime grants before
	// it kills the process.
	CloseTimeout time.Duration

	// Contract, when set, checks every consumed event before its handler
	// runs (middleware.Validate): an invalid one is dead-lettered after one
	// attempt with the validation error, and what handlers publish is
	// checked too. Services pass contracts.Default(); nil checks nothing.
	Contract Contract

	// Transient, when set, says which handler errors are an outage outside
	// the message (a database that is down): a message failing so is not
	// dead-lettered but nacked and tried again until the outage passes
	// (middleware.DeadLetterQueue). Services pass sqldb.Transient.
	Transient func(error) bool
}

// MaxCloseTimeout is the longest CloseTimeout a RouterConfig accepts.
const MaxCloseTimeout = 10 * time.Second

func (c *RouterConfig) setDefaults() {
	c.Retry.setDefaults()
	setDefault(&c.DedupWindow, middleware.DefaultDedupWindow)
	setDefault(&c.CloseTimeout, 5*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports every problem with the configuration.
func (c RouterConfig) Validate() error {
	var errs []error
	if c.DeadLetters == nil {
		errs = append(errs, errors.New("a dead-letter publisher is required"))
	}
	if c.Registerer == nil {
		errs = append(errs, errors.New("a metrics registerer is required"))
	}
	if c.Retry.InitialInterval < 0 || c.Retry.MaxInterval < 0 || c.DedupWindow < 0 || c.CloseTimeout < 0 {
		errs = append(errs, errors.New("durations must not be negative"))
	}
	if c.Retry.Multiplier != 0 && c.Retry.Multiplier < 1 {
		errs = append(errs, fmt.Errorf("retry multiplier %g is below 1", c.Retry.Multiplier))
	}
	if c.Retry.MaxInterval != 0 && c.Retry.MaxInterval < c.Retry.InitialInterval {
		errs = append(errs, fmt.Errorf("retry max interval %s is shorter than the initial interval %s", c.Retry.MaxInterval, c.Retry.InitialInterval))
	}
	if c.CloseTimeout > MaxCloseTimeout {
		errs = append(errs, fmt.Errorf("close timeout %s is longer than %s", c.CloseTimeout, MaxCloseTimeout))
	}
	return errors.Join(errs...)
}

// NewRouter returns a Watermill router with the middleware every civicbus
// service runs. Add handlers to it and Run it; a handler returns an error to
// have its message retried and then dead-lettered, and wraps it with
// middleware.Permanent when a retry cannot help.
//
// The middleware, outermost first, and why in this order:
//
//  1. CorrelationID: first, so the message has its correlation id before
//     anything else sees it, its dead letter carries it too, and what the
//     handler produces inherits it.
//  2. DeadLetterQueue: outside everything that can fail, so the error left
//     after all retries, a recovered panic included, sends the message to
//     <topic>.dlq and the partition flows on. It also holds the attempt
//     counter.
//  3. Deduplicator: inside the dead-lettering, so it sees a failure and
//     forgets the id (a replayed dead letter is handled again), and outside
//     retries and metrics, so a duplicate costs nothing and is counted as
//     one.
//  4. Metrics.Handled: times each message over all its attempts and counts
//     it processed when it succeeded.
//  5. Retry with exponential backoff; StopRetryOnPermanent right under it
//     ends the retries at a permanent error.
//  6. CountAttempts and Metrics.Attempt: inside the retries, so they see
//     every attempt.
//  7. Recoverer, so a panic becomes the error of its attempt and is
//     counted, retried and dead-lettered like any other. (The router itself
//     recovers a panic in the middleware above and nacks.)
//  8. Validate, with a Contract: innermost, so a rejected event counts as
//     one attempt that failed permanently and is dead-lettered at once, and
//     a panicking contract is recovered like a panicking handler. (Dead
//     letters are published unchecked: they are often invalid.)
func NewRouter(cfg RouterConfig) (*message.Router, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bus: router config: %w", err)
	}
	logger := watermill.NewSlogLogger(cfg.Logger)
	metrics, err := middleware.NewMetrics(cfg.Registerer)
	if err != nil {
		return nil, fmt.Errorf("bus: router: %w", err)
	}
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: cfg.CloseTimeout}, logger)
	if err != nil {
		return nil, fmt.Errorf("bus: router: %w", err)
	}
	dlq := middleware.DeadLetterQueue{
		Publisher:    cfg.DeadLetters,
		OnDeadLetter: metrics.DeadLettered,
		Transient:    cfg.Transient,
		OnTransient:  metrics.Waiting,
	}
	dedup := middleware.NewDeduplicator(cfg.DedupWindow, cfg.DedupMaxIDs)
	dedup.OnDuplicate = metrics.Duplicate
	retry := wmmiddleware.Retry{
		MaxRetries:          cfg.Retry.retries(),
		InitialInterval:     cfg.Retry.InitialInterval,
		Multiplier:          cfg.Retry.Multiplier,
		MaxInterval:         cfg.Retry.MaxInterval,
		RandomizationFactor: 0.1, // spreads the retries of replicas that failed together
		ResetContextOnRetry: true,
		Logger:              logger,
	}
	chain := []message.HandlerMiddleware{
		middleware.CorrelationID,
		dlq.Middleware,
		dedup.Middleware,
		metrics.Handled,
		retry.Middleware,
		middleware.StopRetryOnPermanent,
		middleware.CountAttempts,
		metrics.Attempt,
		wmmiddleware.Recoverer,
	}
	if cfg.Contract != nil {
		chain = append(chain, middleware.Validate(cfg.Contract))
		router.AddPublisherDecorators(CheckedPublishing(cfg.Contract))
	}
	router.AddMiddleware(chain...)
	return router, nil
}
