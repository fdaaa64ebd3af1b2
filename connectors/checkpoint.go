package connectors

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver
)

// Checkpoints stores where each connector stands. Save is durable when it
// returns nil; Load returns "" for a connector that has saved nothing.
// Implementations are safe for concurrent use.
type Checkpoints interface {
	Load(ctx context.Context, connector string) (string, error)
	Save(ctx context.Context, connector, position string) error
}

// SQLCheckpoints keeps checkpoints in one table, connector_checkpoints, of a
// SQLite or PostgreSQL database.
type SQLCheckpoints struct {
	db       *sql.DB
	postgres bool
	owned    bool
}

// OpenCheckpoints opens the checkpoint store at dsn: PostgreSQL (pgx) when
// dsn starts with postgres:// or postgresql://, else a SQLite file path or
// modernc.org/sqlite DSN. It creates the table when it is missing.
func OpenCheckpoints(ctx context.Context, dsn string) (*SQLCheckpoints, error) {
	driver := "sqlite"
	if IsPostgres(dsn) {
		driver = "pgx"
	} else if !strings.Contains(dsn, "_pragma") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("connectors: checkpoints: open: %w", err)
	}
	c, err := NewSQLCheckpoints(ctx, db, driver == "pgx")
	if err != nil {
		db.Close()
		return nil, err
	}
	c.owned = true
	return c, nil
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// NewSQLCheckpoints keeps checkpoints in db, creating the table when it is
// missing. Close does not close db.
func NewSQLCheckpoints(ctx context.Context, db *sql.DB, postgres bool) (*SQLCheckpoints, error) {
	const ddl = `CREATE TABLE IF NOT EXISTS connector_checkpoints (
	connector  TEXT PRIMARY KEY,
	position   TEXT NOT NULL,
	updated_at TEXT NOT NULL
)`
	if _, err := db.ExecContext(ctx, ddl); err != nil {
		return nil, fmt.Errorf("connectors: checkpoints: create table: %w", err)
	}
	return &SQLCheckpoints{db: db, postgres: postgres}, nil
}

// Load implements Checkpoints.
func (c *SQLCheckpoints) Load(ctx context.Context, connector string) (string, error) {
	var pos string
	err := c.db.QueryRowContext(ctx, c.q(`SELECT position FROM connector_checkpoints WHERE connector = ?`), connector).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("connectors: checkpoints: load %s: %w", connector, err)
	}
	return pos, nil
}

// Save implements Checkpoints.
func (c *SQLCheckpoints) Save(ctx context.Context, connector, position string) error {
	const upsert = `INSERT INTO connector_checkpoints (connector, position, updated_at) VALUES (?, ?, ?)
ON CONFLICT (connector) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if _, err := c.db.ExecContext(ctx, c.q(upsert), connector, position, now); err != nil {
		return fmt.Errorf("connectors: checkpoints: save %s: %w", connector, err)
	}
	return nil
}

// Close closes the database when OpenCheckpoints opened it.
func (c *SQLCheckpoints) Close() error {
	if c.owned {
		return c.db.Close()
	}
	return nil
}

// q rewrites ? placeholders as $n for PostgreSQL.
func (c *SQLCheckpoints) q(query string) string {
	if !c.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
