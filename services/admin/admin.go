// Package admin is the system owners' face at /admin/: the connectors with
// their state, rate, lag and last error; the bus topics with their rates;
// the dead letters, with replay; the schemas and their versions; the open
// datasets with their last publication; and the pipeline drawn from
// sources to outputs.
//
// It imports no other service: it reads what they expose over HTTP (the
// connectors' status JSON, the schema registry's Confluent API, the
// open-data API) and the bus itself (topics, offsets, dead letters).
//
// It fails closed: without an admin token configured every page answers
// 403. With one, a system owner signs in by entering it; the session is an
// HttpOnly, SameSite=Strict cookie and every form carries its CSRF token.
package admin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/vasteras/civicbus/bus"
)

// The environment variables that give the admin token (services.go reads
// them): the token itself, or a file holding it (a mounted secret).
const (
	EnvToken     = "CIVICBUS_ADMIN_TOKEN"
	EnvTokenFile = "CIVICBUS_ADMIN_TOKEN_FILE"
)

// Config is what the admin face runs with.
type Config struct {
	// Conn reaches the Kafka cluster: topics, offsets, dead letters, replay.
	Conn bus.Connection

	// Mux is where the face is mounted, under Prefix (default "/admin/").
	Mux    *http.ServeMux
	Prefix string

	// ConnectorsURL is the connectors' status JSON (GET, a list of
	// connectors.Status); RegistryURL the schema registry's root, ending in
	// "/" (subjects/… below it); DatasetsURL the open-data API's dataset
	// list. An empty one leaves its section empty with a note.
	ConnectorsURL string
	RegistryURL   string
	DatasetsURL   string

	// ConnectorsDir is the directory of connector YAML files, read for the
	// topic each connector writes to (the pipeline's first edges).
	ConnectorsDir string

	// Token, or the file TokenFile names, is the admin token. Neither set:
	// the face answers 403 everywhere. Both set is an error.
	Token     string
	TokenFile string

	// SecureCookies marks the session cookie Secure (behind https).
	SecureCookies bool

	// SampleEvery is how often the topics' end offsets are sampled for
	// their rates. Default 10 s.
	SampleEvery time.Duration

	// Client fetches the other services' JSON. Default: a client with a
	// 5 s timeout.
	Client *http.Client

	// Logger receives sign-ins, refusals and replays. Nil discards.
	Logger *slog.Logger
}

func (c *Config) setDefaults() {
	if c.Prefix == "" {
		c.Prefix = "/admin/"
	}
	if c.SampleEvery <= 0 {
		c.SampleEvery = 10 * time.Second
	}
	if c.Client == nil {
		c.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	if c.Mux == nil {
		errs = append(errs, errors.New("admin: no Mux"))
	}
	if !strings.HasPrefix(c.Prefix, "/") || !strings.HasSuffix(c.Prefix, "/") {
		errs = append(errs, errors.New("admin: Prefix must begin and end with /"))
	}
	if c.Token != "" && c.TokenFile != "" {
		errs = append(errs, fmt.Errorf("admin: both %s and %s are set; set one", EnvToken, EnvTokenFile))
	}
	if err := c.Conn.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("admin: %w", err))
	}
	return errors.Join(errs...)
}

// token reads the admin token, from its file if one is named; "" means
// none is configured.
func (c Config) token() (string, error) {
	if c.TokenFile == "" {
		return strings.TrimSpace(c.Token), nil
	}
	b, err := os.ReadFile(c.TokenFile)
	if err != nil {
		return "", fmt.Errorf("admin: the token file (%s) cannot be read: %w", EnvTokenFile, err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("admin: the token file (%s) is empty", EnvTokenFile)
	}
	return t, nil
}

// Run mounts the face on cfg.Mux and, when a token is configured, samples
// the topics' rates every SampleEvery until ctx is cancelled; then it
// returns nil. It returns an error only for a bad Config or an unreadable
// token file.
func Run(ctx context.Context, cfg Config) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	s.Mount(cfg.Mux)
	if s.token == "" {
		s.cfg.Logger.Warn("admin: no admin token, the admin face answers 403; set " + EnvToken + " or " + EnvTokenFile)
		<-ctx.Done() // nothing is shown, so nothing is sampled
		return nil
	}
	s.rates.run(ctx, s.cfg.SampleEvery, s.cfg.Logger)
	return nil
}
