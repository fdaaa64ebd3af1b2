package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// Config configures a webhook connector (the config: part of its YAML).
// Exactly one of a bearer token and an HMAC secret authenticates senders;
// both come from a file or an environment variable, never the YAML.
//
//	config:
//	  hmac:
//	    secret_file: /run/secrets/waste-webhook
//	    header: X-Hub-Signature-256
//	    timestamp_header: X-Webhook-Timestamp
//	  key_header: Idempotency-Key
type Config struct {
	// BearerTokenFile is a file holding the token senders give as
	// Authorization: Bearer <token>.
	BearerTokenFile string `yaml:"bearer_token_file" json:"bearer_token_file,omitempty" jsonschema_description:"File holding the token senders give as 'Authorization: Bearer <token>', e.g. a mounted secret."`
	// BearerTokenEnv names an environment variable holding the token.
	BearerTokenEnv string `yaml:"bearer_token_env" json:"bearer_token_env,omitempty" jsonschema_description:"Environment variable holding the bearer token."`
	// BearerToken is refused: a secret is never written in the YAML.
	BearerToken string `yaml:"bearer_token" json:"-"`
	// HMAC authenticates senders by a signature of the body.
	HMAC *HMACConfig `yaml:"hmac" json:"hmac,omitempty" jsonschema_description:"Authenticate senders by an HMAC-SHA256 signature of the body (GitHub style)."`
	// MaxBodyBytes is the largest body taken; a larger one is answered 413.
	// Default 1 MiB.
	MaxBodyBytes int64 `yaml:"max_body_bytes" json:"max_body_bytes,omitempty" jsonschema:"minimum=0" jsonschema_description:"Largest request body taken, in bytes; larger ones are answered 413. Default 1048576."`
	// KeyHeader names a request header (e.g. Idempotency-Key) whose value
	// is the record's natural key (Record.Key): the event id of a retried
	// delivery when the event has no key properties of its own.
	KeyHeader string `yaml:"key_header" json:"key_header,omitempty" jsonschema_description:"Request header whose value is the record's natural key, e.g. Idempotency-Key."`
	// KeyField names the record property that is its natural key.
	KeyField string `yaml:"key_field" json:"key_field,omitempty" jsonschema_description:"Record property that is its natural key."`
	// Queue is how many records wait at most for the bus; a request that
	// does not fit is answered 503. Default 1000.
	Queue int `yaml:"queue" json:"queue,omitempty" jsonschema:"minimum=0" jsonschema_description:"Most records waiting for the bus; a request that does not fit is answered 503. Default 1000."`
	// Batch is how many records one Read returns at most. Default 500.
	Batch int `yaml:"batch" json:"batch,omitempty" jsonschema:"minimum=0" jsonschema_description:"Most records put on the bus at once. Default 500."`
	// Timeout is how long a request waits for its records to reach the bus
	// before it is answered 503, as a Go duration. Default 30s.
	Timeout string `yaml:"timeout" json:"timeout,omitempty" jsonschema_description:"How long a request waits for its records to reach the bus before a 503, e.g. 10s. Default 30s."`
}

// HMACConfig is a webhook's signature check.
type HMACConfig struct {
	// SecretFile is a file holding the shared secret.
	SecretFile string `yaml:"secret_file" json:"secret_file,omitempty" jsonschema_description:"File holding the shared secret."`
	// SecretEnv names an environment variable holding the shared secret.
	SecretEnv string `yaml:"secret_env" json:"secret_env,omitempty" jsonschema_description:"Environment variable holding the shared secret."`
	// Secret is refused: a secret is never written in the YAML.
	Secret string `yaml:"secret" json:"-"`
	// Header is where the signature is: sha256=<hex of HMAC-SHA256>.
	// Default X-Hub-Signature-256.
	Header string `yaml:"header" json:"header,omitempty" jsonschema_description:"Header holding 'sha256=<hex>'. Default X-Hub-Signature-256."`
	// TimestampHeader, when set, names a header holding the time of the
	// delivery in Unix seconds; the signature is then over
	// "<timestamp>.<body>", and a delivery older or newer than Tolerance is
	// refused, so a captured request cannot be replayed later.
	TimestampHeader string `yaml:"timestamp_header" json:"timestamp_header,omitempty" jsonschema_description:"Header holding the delivery time in Unix seconds; then the signature is over '<timestamp>.<body>' and stale deliveries are refused."`
	// Tolerance is how far a timestamp may be from now, as a Go duration.
	// Default 5m.
	Tolerance string `yaml:"tolerance" json:"tolerance,omitempty" jsonschema_description:"How far the timestamp may be from now, e.g. 5m. Default 5m."`
}

// The defaults.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultQueue        = 1000
	DefaultBatch        = 500
	DefaultTimeout      = 30 * time.Second
	DefaultHeader       = "X-Hub-Signature-256"
	DefaultTolerance    = 5 * time.Minute
)

const inline = "secrets are never written in the YAML; use %s_file or %s_env"

// Validate reports every problem with the configuration. It reads no
// secret; New does.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf("webhook: "+format, a...)) }
	if c.BearerToken != "" {
		add("bearer_token: "+inline, "bearer_token", "bearer_token")
	}
	bearer := c.BearerTokenFile != "" || c.BearerTokenEnv != ""
	if c.BearerTokenFile != "" && c.BearerTokenEnv != "" {
		add("bearer_token_file and bearer_token_env: give one")
	}
	switch {
	case bearer && c.HMAC != nil:
		add("a bearer token and hmac: give one way to authenticate senders")
	case !bearer && c.HMAC == nil && c.BearerToken == "":
		add("senders are not authenticated: give bearer_token_file, bearer_token_env or hmac")
	}
	if h := c.HMAC; h != nil {
		if h.Secret != "" {
			add("hmac: secret: "+inline, "secret", "secret")
		}
		if (h.SecretFile == "") == (h.SecretEnv == "") && h.Secret == "" {
			add("hmac: give one of secret_file and secret_env")
		}
		for _, hd := range []struct{ name, v string }{{"header", h.Header}, {"timestamp_header", h.TimestampHeader}} {
			if hd.v != "" && !validHeader(hd.v) {
				add("hmac: %s: %q is not a header name", hd.name, hd.v)
			}
		}
		if d, err := time.ParseDuration(h.Tolerance); h.Tolerance != "" && (err != nil || d <= 0) {
			add("hmac: tolerance: %q is not a positive duration such as 5m", h.Tolerance)
		}
	}
	if c.KeyHeader != "" && !validHeader(c.KeyHeader) {
		add("key_header: %q is not a header name", c.KeyHeader)
	}
	if c.MaxBodyBytes < 0 || c.Queue < 0 || c.Batch < 0 {
		add("max_body_bytes, queue and batch must not be negative")
	}
	if d, err := time.ParseDuration(c.Timeout); c.Timeout != "" && (err != nil || d <= 0) {
		add("timeout: %q is not a positive duration such as 30s", c.Timeout)
	}
	return errors.Join(errs...)
}

func validHeader(name string) bool {
	return name != "" && !strings.ContainsAny(name, " :\r\n\t") && http.CanonicalHeaderKey(name) != ""
}

// secret reads the bearer token or the HMAC secret. Errors name the file or
// variable, never a value.
func (c Config) secret() ([]byte, error) {
	file, env := c.BearerTokenFile, c.BearerTokenEnv
	what := "bearer_token"
	if c.HMAC != nil {
		file, env, what = c.HMAC.SecretFile, c.HMAC.SecretEnv, "hmac: secret"
	}
	var v string
	if env != "" {
		v = strings.TrimSpace(os.Getenv(env))
		if v == "" {
			return nil, fmt.Errorf("webhook: %s_env: $%s is not set", what, env)
		}
	} else {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("webhook: %s_file: %w", what, err)
		}
		if v = strings.TrimSpace(string(b)); v == "" {
			return nil, fmt.Errorf("webhook: %s_file: %s is empty", what, file)
		}
	}
	return []byte(v), nil
}

func (c Config) timeout() time.Duration       { return durationOr(c.Timeout, DefaultTimeout) }
func (c HMACConfig) tolerance() time.Duration { return durationOr(c.Tolerance, DefaultTolerance) }

func durationOr(s string, d time.Duration) time.Duration {
	if v, err := time.ParseDuration(s); err == nil && v > 0 {
		return v
	}
	return d
}

func orDefault[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}
