// Package registry is the schema registry as a civicbus service: it keeps
// every event contract of the catalog (package schemas) in the registry
// store, with its versions and its compatibility mode, and serves the
// registry's HTTP API, Confluent Schema Registry's paths, under /registry/.
//
// At start it opens the store, seeds every committed schema under its topic
// (schemas/README.md: the registry subject is the topic name) and only then
// mounts its handler. A committed schema that breaks the compatibility mode
// of what the store already holds stops the service with the list of breaks:
// it is never written over. The rules and the store are in schemas/registry;
// this package only wires them into a process.
package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/vasteras/civicbus/schemas"
	schemaregistry "github.com/vasteras/civicbus/schemas/registry"
)

// DefaultPrefix is where the registry is mounted unless Config.Prefix says
// otherwise; it is services.PathRegistry.
const DefaultPrefix = "/registry/"

// Config configures the registry service.
type Config struct {
	// DB is the store: a SQLite file path (its directory is created when
	// missing) or a postgres:// URL. The registry's tables are prefixed
	// registry_ and can share the database with other services' tables.
	DB string

	// Mux is the process's HTTP mux; the registry mounts itself at Prefix.
	Mux *http.ServeMux

	// Prefix is the mount path, with a trailing slash; default DefaultPrefix.
	Prefix string

	// Logger is the service's logger; default none.
	Logger *slog.Logger

	// AdminToken and AdminTokenFile give the bearer token that writes
	// (registering a version, setting a mode) must carry: the token itself,
	// or a file holding it (a mounted secret; surrounding white space is
	// dropped). At most one may be set. With neither, every write is
	// refused and the service says so once in its log. Services.All fills
	// them from EnvToken and EnvTokenFile.
	AdminToken     string
	AdminTokenFile string

	// MaxBodyBytes limits a request body; default 1 MiB.
	MaxBodyBytes int64

	// Schemas maps subjects to the schemas seeded at start; default
	// CatalogSchemas. Tests use it to seed something else.
	Schemas func() (map[string][]byte, error)
}

// The environment variables that services.All reads the admin token from.
const (
	EnvToken     = "CIVICBUS_REGISTRY_TOKEN"
	EnvTokenFile = "CIVICBUS_REGISTRY_TOKEN_FILE"
)

func (c *Config) setDefaults() {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Schemas == nil {
		c.Schemas = CatalogSchemas
	}
}

// Validate reports every setting that is missing or wrong.
func (c Config) Validate() error {
	var errs []error
	if c.DB == "" {
		errs = append(errs, errors.New("no database (--db) given"))
	}
	if c.Mux == nil {
		errs = append(errs, errors.New("no HTTP mux given"))
	}
	if c.Prefix != "" && (!strings.HasPrefix(c.Prefix, "/") || !strings.HasSuffix(c.Prefix, "/")) {
		errs = append(errs, fmt.Errorf("prefix %q must start and end with /", c.Prefix))
	}
	if c.AdminToken != "" && c.AdminTokenFile != "" {
		errs = append(errs, fmt.Errorf("both %s and %s are set; set one", EnvToken, EnvTokenFile))
	}
	return errors.Join(errs...)
}

// Run runs the registry until ctx ends: it opens the store at cfg.DB, seeds
// the catalog's schemas, mounts the HTTP API at cfg.Prefix on cfg.Mux, and
// closes the store when ctx is done. It returns an error when it cannot
// start (a store it cannot open, an unreadable token file, a committed
// schema incompatible with the store's), and nil after ctx ends.
//
// The process stops its HTTP server before its services, so no request
// reaches the closed store.
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("registry: config: %w", err)
	}
	cfg.setDefaults()
	token, err := adminToken(cfg)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer store.Close()
	reg := schemaregistry.New(store)
	seeded, err := seed(ctx, reg, cfg.Schemas, cfg.DB)
	if err != nil {
		return err
	}
	writes := "need the admin token"
	if token == "" {
		writes = "disabled"
		cfg.Logger.Warn("schema registry writes are disabled: no admin token; set " + EnvToken + " or " + EnvTokenFile)
	}
	h := schemaregistry.NewHandler(reg, schemaregistry.HandlerConfig{
		AdminToken: token, MaxBodyBytes: cfg.MaxBodyBytes, Logger: cfg.Logger,
	})
	cfg.Mux.Handle(cfg.Prefix, http.StripPrefix(strings.TrimSuffix(cfg.Prefix, "/"), h))
	cfg.Logger.Info("schema registry ready", "path", cfg.Prefix, "store", storeKind(cfg.DB),
		"subjects", seeded, "writes", writes)
	<-ctx.Done()
	return nil
}

// openStore opens the store, creating a SQLite file's directory first.
func openStore(ctx context.Context, dsn string) (*schemaregistry.SQLStore, error) {
	if !schemaregistry.IsPostgres(dsn) && !strings.HasPrefix(dsn, "file:") {
		if err := os.MkdirAll(filepath.Dir(dsn), 0o755); err != nil {
			return nil, fmt.Errorf("registry: database directory: %w", err)
		}
	}
	store, err := schemaregistry.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("registry: store at %s: %w", redact(dsn), err)
	}
	return store, nil
}

// adminToken reads the token from cfg, from its file if one is named.
func adminToken(cfg Config) (string, error) {
	if cfg.AdminTokenFile == "" {
		return cfg.AdminToken, nil
	}
	data, err := os.ReadFile(cfg.AdminTokenFile)
	if err != nil {
		return "", fmt.Errorf("registry: admin token (%s): %w", EnvTokenFile, err)
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return "", fmt.Errorf("registry: admin token (%s): %s is empty", EnvTokenFile, cfg.AdminTokenFile)
	}
	return token, nil
}

// storeKind names the database behind dsn, for the log.
func storeKind(dsn string) string {
	if schemaregistry.IsPostgres(dsn) {
		return "postgres"
	}
	return "sqlite"
}

// redact hides the password of a postgres:// URL.
func redact(dsn string) string {
	if !schemaregistry.IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "the postgres:// URL given"
	}
	return u.Redacted()
}

// CatalogSchemas is what the service seeds: every event of the catalog
// (schemas.Events), its committed schema under its topic.
func CatalogSchemas() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, e := range schemas.Events() {
		data, err := e.Schema()
		if err != nil {
			return nil, err
		}
		out[e.Topic] = data
	}
	return out, nil
}
