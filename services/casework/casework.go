// Package casework is the casework service: the caseworker's inbox.
//
// It projects the case events — cases.case-opened.v1,
// cases.step-completed.v1, cases.decision-recorded.v1,
// cases.decision-amended.v1, cases.case-closed.v1, and the caseworkers'
// cases.step-confirmed.v1, cases.comment-added.v1 and
// cases.case-assigned.v1 — into an inbox store
// (SQLite by default, PostgreSQL for a postgres:// DSN), each event once:
// its CloudEvents id is stored in the same transaction as what it changes.
// Decision records are kept as published, append-only.
//
// Under /casework/ it serves a Swedish, server-rendered inbox per unit, a
// case page with the timeline (automated steps marked, with rule or model,
// version, inputs, outcome, motivering and legal basis) and the actions
// confirm, override, assign and comment, each published as its event
// (an override as cases.decision-amended.v1 pointing at the amended
// record) and projected like the others. The
// same data is served as JSON under /casework/api/. Local users (a file of
// bcrypt hashes, EnvUsers) sign in, and, for production, users of an
// OpenID Connect provider (OIDC, OIDCFromEnv); a caseworker or supervisor sees only
// their units' cases, the unit being the case-opened event's org_unit_id;
// every view of a case is written to the access log. Case types and steps
// are named by the titles of the automation's rules directory
// (Config.CaseTypes), by id where it has none.
package casework

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/vasteras/civicbus/services/internal/svcbus"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vasteras/civicbus/bus"
)

// The service's consumer group and event source.
const (
	ConsumerGroup = "casework"
	Source        = "/civicbus/casework"
	DefaultPrefix = "/casework/"
)

// Config configures New and Run.
type Config struct {
	// Conn reaches Kafka.
	Conn bus.Connection
	// DB is the inbox store: a SQLite path or a postgres:// URL.
	DB string
	// Users are the local users (the demo's). LoadUsers reads them from a
	// file. Users or OIDC is required, so that nothing is served to nobody
	// in particular.
	Users Users
	// OIDC, when set, adds sign-in with an OpenID Connect provider
	// (production); OIDCFromEnv reads it from the environment.
	OIDC *OIDC
	// CaseTypes, when set, names case types and steps by their titles
	// (LoadCaseTypes reads the automation's rules directory); without it,
	// or for a case type it does not know, the pages show ids.
	CaseTypes CaseTypes
	// Mux, when set, is where Run mounts the web face under Prefix.
	Mux *http.ServeMux
	// Group is the consumer group; default ConsumerGroup. Replicas that
	// share a store share the group; one with a store of its own (another
	// site, a reporting copy) needs a group of its own to read every event.
	Group string
	// Prefix is the web face's path prefix; default DefaultPrefix.
	Prefix string
	// OverrideAlert is the override rate above which the supervisor view
	// highlights a rule's week; default DefaultOverrideAlert.
	OverrideAlert float64
	// SecureCookies marks the session cookie Secure; set it when the
	// service is reached over TLS (a proxy in front counts).
	SecureCookies bool
	// Logger; nil discards.
	Logger *slog.Logger
	// Metrics; nil: a private registry.
	Metrics prometheus.Registerer
}

func (c *Config) setDefaults() {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Group == "" {
		c.Group = ConsumerGroup
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.OverrideAlert <= 0 {
		c.OverrideAlert = DefaultOverrideAlert
	}
	if c.Metrics == nil {
		c.Metrics = prometheus.NewRegistry()
	}
}

// Validate reports every problem of the configuration.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Users) == 0 && c.OIDC == nil {
		errs = append(errs, fmt.Errorf("casework: no users: name a users file in %s or an OpenID provider in %s", EnvUsers, EnvOIDCIssuer))
	}
	if c.OIDC != nil {
		if err := c.OIDC.validate(); err != nil {
			errs = append(errs, fmt.Errorf("casework: OpenID Connect: %w", err))
		}
	}
	if c.DB == "" {
		errs = append(errs, errors.New("casework: DB is required"))
	}
	return errors.Join(errs...)
}

// Service is a running casework service.
type Service struct {
	cfg     Config
	store   *store
	pub     message.Publisher
	live    hub       // the open event streams
	signIns lockout   // failed sign-ins by username and address
	oidc    *oidcFlow // nil without OpenID Connect
}

// New opens the store and the checked publisher of amendments.
func New(ctx context.Context, cfg Config) (*Service, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	pub, err := svcbus.Publisher(cfg.Conn, Source, cfg.Logger)
	if err != nil {
		st.close()
		return nil, fmt.Errorf("casework: %w", err)
	}
	s := &Service{cfg: cfg, store: st, pub: pub}
	if cfg.OIDC != nil {
		o := *cfg.OIDC
		o.setDefaults()
		s.oidc = &oidcFlow{cfg: &o}
	}
	return s, nil
}

// Close ends the open event streams and closes the publisher and the
// store.
func (s *Service) Close() error {
	s.live.close()
	return errors.Join(s.pub.Close(), s.store.close())
}

// Run opens the service, mounts its web face on cfg.Mux when set, and
// projects the case topics until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	s, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if s.cfg.Mux != nil {
		s.Mount(s.cfg.Mux)
	}
	return s.Run(ctx)
}

// Run consumes the case topics until ctx ends; an event that breaks its
// contract or cannot be decoded is dead-lettered.
func (s *Service) Run(ctx context.Context) error {
	router, err := svcbus.NewRouter(svcbus.RouterConfig{Conn: s.cfg.Conn, Group: s.cfg.Group, Source: Source, Metrics: s.cfg.Metrics, Logger: s.cfg.Logger})
	if err != nil {
		return fmt.Errorf("casework: %w", err)
	}
	defer router.Close()
	for _, topic := range Topics {
		if err := router.Handle("casework:"+topic, topic, s.handle(topic)); err != nil {
			return fmt.Errorf("casework: %w", err)
		}
	}
	if err := router.Run(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("casework: %w", err)
	}
	return nil
}
