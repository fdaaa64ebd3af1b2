package sqlpoll

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
)

// Config configures a sqlpoll connector (the config: part of its YAML).
type Config struct {
	// DSN is the database: a postgres:// (or postgresql://) URL or a
	// host=… dbname=… string for PostgreSQL; anything else is a SQLite file
	// name or file: URI. Prefer DSNEnv or DSNFile so that no password sits
	// in the YAML.
	DSN string `yaml:"dsn" json:"dsn,omitempty" jsonschema_description:"Database: a postgres:// URL or host=… dbname=… string, or a SQLite file. Prefer dsn_env or dsn_file for DSNs with a password."`
	// DSNEnv names an environment variable holding the DSN.
	DSNEnv string `yaml:"dsn_env" json:"dsn_env,omitempty" jsonschema_description:"Environment variable holding the DSN."`
	// DSNFile is a file holding the DSN (surrounding white space is trimmed).
	DSNFile string `yaml:"dsn_file" json:"dsn_file,omitempty" jsonschema_description:"File holding the DSN, e.g. a mounted secret."`
	// Table is the table (or view) read, optionally schema-qualified
	// (schema.table). Plain identifiers only; they are quoted in the SQL.
	Table string `yaml:"table" json:"table" jsonschema_description:"Table or view to read, optionally schema.table."`
	// Column is the monotonic column rows are read in order of: an integer
	// id (preferred) or a timestamp.
	Column string `yaml:"column" json:"column" jsonschema_description:"Monotonic column: an integer id (preferred) or a timestamp."`
	// Key is the natural-key column; the record's Key.
	Key string `yaml:"key" json:"key,omitempty" jsonschema_description:"Natural-key column; defaults to column."`
	// Interval is how long to wait after a poll found no new rows, as a Go
	// duration (5s, 1m). Default 5s.
	Interval string `yaml:"interval" json:"interval,omitempty" jsonschema_description:"Wait after a poll that found no new rows, e.g. 5s or 1m. Default 5s."`
	// Batch is how many rows one Read returns at most. Default 500.
	Batch int `yaml:"batch" json:"batch,omitempty" jsonschema:"minimum=0" jsonschema_description:"Most rows read (and put on the bus) at once. Default 500."`
}

// The defaults.
const (
	DefaultInterval = 5 * time.Second
	DefaultBatch    = 500
)

var identPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate reports every problem with the configuration. It does not read
// dsn_env or dsn_file; New does.
func (c Config) Validate() error {
	var errs []error
	n := 0
	for _, s := range []string{c.DSN, c.DSNEnv, c.DSNFile} {
		if s != "" {
			n++
		}
	}
	switch {
	case n == 0:
		errs = append(errs, errors.New("sqlpoll: dsn: one of dsn, dsn_env or dsn_file is required"))
	case n > 1:
		errs = append(errs, errors.New("sqlpoll: dsn: set only one of dsn, dsn_env and dsn_file"))
	}
	if c.Table == "" {
		errs = append(errs, errors.New("sqlpoll: table: required"))
	} else {
		parts := strings.Split(c.Table, ".")
		ok := len(parts) <= 2
		for _, p := range parts {
			ok = ok && identPattern.MatchString(p)
		}
		if !ok {
			errs = append(errs, fmt.Errorf("sqlpoll: table: %q must be a name or schema.name of letters, digits and underscores", c.Table))
		}
	}
	if c.Column == "" {
		errs = append(errs, errors.New("sqlpoll: column: required"))
	} else if !identPattern.MatchString(c.Column) {
		errs = append(errs, fmt.Errorf("sqlpoll: column: %q must be a name of letters, digits and underscores", c.Column))
	}
	if c.Key != "" && !identPattern.MatchString(c.Key) {
		errs = append(errs, fmt.Errorf("sqlpoll: key: %q must be a name of letters, digits and underscores", c.Key))
	}
	if c.Interval != "" {
		if d, err := time.ParseDuration(c.Interval); err != nil {
			errs = append(errs, fmt.Errorf("sqlpoll: interval: %q is not a duration such as 5s or 1m", c.Interval))
		} else if d <= 0 {
			errs = append(errs, fmt.Errorf("sqlpoll: interval: %q must be positive", c.Interval))
		}
	}
	if c.Batch < 0 {
		errs = append(errs, errors.New("sqlpoll: batch: must not be negative"))
	}
	return errors.Join(errs...)
}

// dsn resolves the DSN from dsn, dsn_env or dsn_file.
func (c Config) dsn() (string, error) {
	switch {
	case c.DSNEnv != "":
		v := strings.TrimSpace(os.Getenv(c.DSNEnv))
		if v == "" {
			return "", fmt.Errorf("sqlpoll: dsn_env: $%s is not set", c.DSNEnv)
		}
		return v, nil
	case c.DSNFile != "":
		b, err := os.ReadFile(c.DSNFile)
		if err != nil {
			return "", fmt.Errorf("sqlpoll: dsn_file: %w", err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("sqlpoll: dsn_file: %s is empty", c.DSNFile)
		}
		return v, nil
	}
	return c.DSN, nil
}
