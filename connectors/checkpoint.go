package connectors

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/vasteras/civicbus/internal/sqldb"
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
	db *sqldb.DB
}

// OpenCheckpoints opens the checkpoint store at dsn: PostgreSQL (pgx) when
// dsn starts with postgres:// or postgresql://, else a SQLite file path or
// modernc.org/sqlite DSN (see internal/sqldb). It creates the table when it
// is missing.
func OpenCheckpoints(ctx context.Context, dsn string) (*SQLCheckpoints, error) {
	const ddl = `CREATE TABLE IF NOT EXISTS connector_checkpoints (
	connector  TEXT PRIMARY KEY,
	position   TEXT NOT NULL,
	updated_at TEXT NOT NULL
)`
	db, err := sqldb.OpenWith(ctx, dsn, ddl)
	if err != nil {
		return nil, fmt.Errorf("connectors: checkpoints: %w", err)
	}
	return &SQLCheckpoints{db: db}, nil
}

// Load implements Checkpoints.
func (c *SQLCheckpoints) Load(ctx context.Context, connector string) (string, error) {
	var pos string
	err := c.db.QueryRowContext(ctx, c.db.Q(`SELECT position FROM connector_checkpoints WHERE connector = ?`), connector).Scan(&pos)
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
	if _, err := c.db.ExecContext(ctx, c.db.Q(upsert), connector, position, now); err != nil {
		return fmt.Errorf("connectors: checkpoints: save %s: %w", connector, err)
	}
	return nil
}

// Close closes the database.
func (c *SQLCheckpoints) Close() error { return c.db.Close() }
