// Package portal is the open-data portal: where citizens and companies
// find, look at and download the open datasets, and which dataportal.se
// harvests.
//
// It works like a CKAN harvester. It consumes platform.dataset-published.v1
// (consumer group "portal") and, for each announced version, fetches the
// dataset's definition and the version's rows from the open-data service's
// JSON API, checks them against the announced row count and SHA-256, and
// stores them in its own portal_* tables, once per dataset and version. It
// never writes the open-data service's state and imports none of its code.
//
// It serves, on the process's mux (see Mount):
//
//   - HTML pages that work without JavaScript, in Swedish (?lang=en for
//     English): the catalog with search, and a page per dataset;
//   - downloads of every version as CSV (comma, UTF-8, header; the comma
//     CSV hashes to the announced sha256), Swedish CSV (semicolon, decimal
//     comma), JSON, NDJSON and Parquet (typed from the definition, in row
//     groups): the comma CSV from the file stored with the version (ranges,
//     ETag), the others streamed from SQL row by row;
//   - the CKAN Action API subset under /api/3/action/;
//   - the DCAT-AP-SE catalog at /catalog.rdf (harvested by dataportal.se),
//     /catalog.ttl and /catalog.jsonld.
package portal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/vasteras/civicbus/services/internal/svcbus"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vasteras/civicbus/bus"
)

// The service's environment and defaults.
const (
	// EnvOpendataAPI names the open-data service's API base URL.
	EnvOpendataAPI = "CIVICBUS_OPENDATA_API"
	// DefaultOpendataAPI is the open-data API of `civicbus run` on its
	// default HTTP address.
	DefaultOpendataAPI = "http://127.0.0.1:8080/api/opendata/"
	// ConsumerGroup is the Kafka consumer group of the service.
	ConsumerGroup = "portal"
	// TopicPublished is where the open-data service announces versions.
	TopicPublished = "platform.dataset-published.v1"
)

// Config configures New and Run.
type Config struct {
	// Conn reaches Kafka.
	Conn bus.Connection
	// DB is the store: a SQLite path or a postgres:// URL.
	DB string
	// Mux, when set, gets the portal's pages and APIs (Run mounts them).
	Mux *http.ServeMux
	// OpendataAPI is the open-data service's API base URL; default
	// DefaultOpendataAPI.
	OpendataAPI string
	// BaseURL is the portal's public root, for the DCAT catalog's IRIs and
	// the API examples; default http://localhost:8080.
	BaseURL string
	// Client fetches from the open-data API; default a client with a 60 s
	// timeout.
	Client *http.Client
	// Retry says how a failed harvest is retried before the announcement is
	// dead-lettered; zero fields take the bus's defaults.
	Retry bus.RetryConfig
	// API configures the APIs' rate limit, cursor key and trusted proxies;
	// zero fields take their defaults (a random cursor key per process).
	API APIOptions
	// Logger; nil discards.
	Logger *slog.Logger
	// Metrics is where the router's metrics go; nil: a private registry.
	Metrics prometheus.Registerer
}

func (c *Config) setDefaults() {
	if c.OpendataAPI == "" {
		c.OpendataAPI = DefaultOpendataAPI
	}
	if !strings.HasSuffix(c.OpendataAPI, "/") {
		c.OpendataAPI += "/"
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://localhost:8080"
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 60 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = prometheus.NewRegistry()
	}
}

// Service is a running portal; New makes one. Its methods are safe for
// concurrent use.
type Service struct {
	cfg     Config
	store   *Store
	harvest *harvester
	idx     catalogIndex
	charts  chartCache
	sizes   sizeCache
}

// Run runs the portal until ctx ends: it mounts its handlers on cfg.Mux
// and harvests announced versions.
func Run(ctx context.Context, cfg Config) error {
	s, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if s.cfg.Mux != nil {
		s.MountWith(s.cfg.Mux, s.cfg.API)
	}
	return s.Run(ctx)
}

// New opens the store.
func New(ctx context.Context, cfg Config) (*Service, error) {
	cfg.setDefaults()
	store, err := OpenStore(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, store: store, harvest: &harvester{api: cfg.OpendataAPI, client: cfg.Client, store: store}}, nil
}

// Close closes the store.
func (s *Service) Close() error { return s.store.Close() }

// Store is the portal's store.
func (s *Service) Store() *Store { return s.store }

// Run harvests the versions announced on TopicPublished until ctx ends.
// First it stores the CSV of versions harvested before the portal kept
// them (see Store.BackfillCSV); a version it cannot fill is logged and
// still downloadable, written from its rows.
func (s *Service) Run(ctx context.Context) error {
	if n, err := s.store.BackfillCSV(ctx); err != nil {
		s.cfg.Logger.Warn("portal: stored CSV backfill", "filled", n, "err", err)
	} else if n > 0 {
		s.cfg.Logger.Info("portal: stored the CSV of older versions", "versions", n)
	}
	router, err := svcbus.NewRouter(svcbus.RouterConfig{Conn: s.cfg.Conn, Group: ConsumerGroup, Source: "/civicbus/portal", Metrics: s.cfg.Metrics, Logger: s.cfg.Logger, Retry: s.cfg.Retry})
	if err != nil {
		return fmt.Errorf("portal: %w", err)
	}
	defer router.Close()
	if err := router.Handle("portal:"+TopicPublished, TopicPublished, s.harvest.handle); err != nil {
		return fmt.Errorf("portal: %w", err)
	}
	if err := router.Run(ctx); err != nil && !errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("portal: %w", err)
	}
	return nil
}
