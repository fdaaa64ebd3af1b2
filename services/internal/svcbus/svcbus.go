// Package svcbus builds what every service needs of the bus, the same way
// for each: a publisher whose events are checked against the catalog's
// contracts, and a router that checks what it consumes, dead-letters what
// cannot be handled and counts it in the service's metrics.
package svcbus

import (
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/sqldb"
	"github.com/vasteras/civicbus/schemas/contracts"
)

// Publisher returns a publisher with ce_source source whose every event is
// checked against its topic's contract before it is sent.
func Publisher(conn bus.Connection, source string, logger *slog.Logger) (message.Publisher, error) {
	contract, err := contracts.Default()
	if err != nil {
		return nil, err
	}
	raw, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: source, Logger: logger})
	if err != nil {
		return nil, err
	}
	pub, err := bus.NewCheckedPublisher(raw, contract)
	if err != nil {
		raw.Close()
		return nil, err
	}
	return pub, nil
}

// Router is a router and what it needs closed after it.
type Router struct {
	*message.Router
	conn   bus.Connection
	group  string
	logger *slog.Logger
	dlq    *bus.Publisher
}

// RouterConfig says what a service's router consumes as.
type RouterConfig struct {
	Conn bus.Connection
	// Group is the consumer group of every handler's subscriber.
	Group string
	// Source is the ce_source of the dead letters.
	Source  string
	Metrics prometheus.Registerer
	Logger  *slog.Logger
	// Retry says how a failed handler is retried; zero fields take the
	// bus's defaults.
	Retry bus.RetryConfig
}

// NewRouter returns a router whose handlers get events checked against
// the catalog's contracts; invalid events and those a handler gives up on
// go to <topic>.dlq. A handler failing because its database is unavailable
// (sqldb.Transient) is not dead-lettered: its partition waits and retries
// until the database is back. Close it after Run returns.
func NewRouter(cfg RouterConfig) (*Router, error) {
	contract, err := contracts.Default()
	if err != nil {
		return nil, err
	}
	dlq, err := bus.NewPublisher(bus.PublisherConfig{Connection: cfg.Conn, Source: cfg.Source, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	r, err := bus.NewRouter(bus.RouterConfig{DeadLetters: dlq, Registerer: cfg.Metrics, Logger: cfg.Logger, Contract: contract, Retry: cfg.Retry, Transient: sqldb.Transient})
	if err != nil {
		dlq.Close()
		return nil, err
	}
	return &Router{Router: r, conn: cfg.Conn, group: cfg.Group, logger: cfg.Logger, dlq: dlq}, nil
}

// MaxInFlight is how many events of one partition a service's handler may
// have in hand at once (bus.SubscriberConfig.MaxInFlight), in key order. A
// handler waits about 3 ms on a publish and a SQLite commit, mostly idle:
// one at a time, 8 partitions cap a topic near 2,600 events/s, below the
// 5,000/s of civicbus bench. 64 per partition (512 per topic) hides that
// wait with room to spare, while it keeps the reader's window (4×64 records
// past the committed offset) and what a crash redelivers small. The handlers
// already ran concurrently for different keys, one per partition; events of
// one key (case, resident, dataset) still come one at a time, in order.
// Keyless records are handled concurrently (a Publish call's keyless records
// share a partition, but their handling order is not kept); every event of
// the catalog has a partition key, so no service's topic relies on that.
// What is not kept is the pace between topics: a handler that reads a
// projection fed by another topic (the automation's residency and age rules
// read the population register) can drain its backlog ahead of that
// projection; in the e2e demo test 72-557 of 2,214 such steps were referred
// without a result, against 0-1 with one event at a time. Such a handler
// takes one at a time (HandleOneAtATime).
const MaxInFlight = 64

// Handle adds a handler of topic, with a subscriber of its own in the
// router's consumer group that delivers up to MaxInFlight events of a
// partition at once.
func (r *Router) Handle(name, topic string, h message.NoPublishHandlerFunc) error {
	return r.handle(name, topic, MaxInFlight, h)
}

// HandleOneAtATime is Handle with one event of a partition in hand at a
// time, in the partition's order: for a handler that reads a projection
// fed by another topic, so that it keeps the pace of that projection
// rather than draining its own backlog ahead of it (see MaxInFlight).
func (r *Router) HandleOneAtATime(name, topic string, h message.NoPublishHandlerFunc) error {
	return r.handle(name, topic, 1, h)
}

func (r *Router) handle(name, topic string, inFlight int, h message.NoPublishHandlerFunc) error {
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: r.conn, ConsumerGroup: r.group, Logger: r.logger, MaxInFlight: inFlight})
	if err != nil {
		return fmt.Errorf("subscriber of %s: %w", topic, err)
	}
	r.AddConsumerHandler(name, topic, sub, h)
	return nil
}

// Close closes the dead-letter publisher (the router closes itself when
// its Run ends).
func (r *Router) Close() error {
	return r.dlq.Close()
}
