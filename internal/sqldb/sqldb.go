// Package sqldb opens the SQL databases civicbus keeps state in: SQLite
// (modernc.org/sqlite, pure Go) by default, PostgreSQL (pgx) when the data
// source is a postgres:// URL. Queries are written once with ? placeholders;
// DB.Q rewrites them for PostgreSQL.
package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver
)

// DB is a database and its dialect.
type DB struct {
	*sql.DB
	// Postgres is true for PostgreSQL, false for SQLite.
	Postgres bool
	queue    chan struct{} // SQLite: its file's write queue (writelock.go)
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens dsn: PostgreSQL when it is a postgres:// URL, else a SQLite
// file path or modernc.org/sqlite DSN, to which it adds a busy timeout and
// WAL journaling and immediate transactions (a writer waits for the lock
// up front instead of failing on upgrade) unless the DSN sets pragmas itself. It pings the database.
// Errors never include the DSN, which may hold a password.
func Open(ctx context.Context, dsn string) (*DB, error) {
	driver := "sqlite"
	if IsPostgres(dsn) {
		driver = "pgx"
	} else if !strings.Contains(dsn, "_pragma") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + fmt.Sprintf("_pragma=busy_timeout(%d)&", busyTimeout.Milliseconds()) + "_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	}
	if driver == "sqlite" {
		if err := makeDir(dsn); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("sqldb: open %s database: %w", dialect(driver), err)
	}
	// Keep connections for bursts of requests: database/sql keeps 2 idle
	// ones by default, and a SQLite connection costs its pragmas to open.
	db.SetMaxIdleConns(16)
	if err := ping(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqldb: connect to the %s database: %w", dialect(driver), err)
	}
	out := &DB{DB: db, Postgres: driver == "pgx"}
	if !out.Postgres {
		out.queue = queueFor(dsn)
	}
	return out, nil
}

// dialect names a driver's database in messages.
func dialect(driver string) string {
	if driver == "pgx" {
		return "PostgreSQL"
	}
	return "SQLite"
}

// OpenWith is Open, then the statements of ddl in order (CREATE TABLE IF
// NOT EXISTS and the like): a service's store in one call.
func OpenWith(ctx context.Context, dsn string, ddl ...string) (*DB, error) {
	db, err := Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	for _, q := range ddl {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqldb: create tables: %w", err)
		}
	}
	return db, nil
}

// ping connects, waiting out SQLITE_BUSY: switching a new file to WAL
// takes an exclusive lock, and the services of one process open the same
// file at the same moment.
func ping(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(15 * time.Second)
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := db.PingContext(ctx)
		if err == nil || !IsBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// IsBusy reports whether err is SQLite's "database is locked".
func IsBusy(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "database is locked"))
}

// makeDir creates the directory of a SQLite file path (not of a file: URI
// or :memory:).
func makeDir(dsn string) error {
	path, _, _ := strings.Cut(dsn, "?")
	if strings.HasPrefix(path, "file:") || strings.HasPrefix(path, ":memory:") || path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("sqldb: the database's directory: %w", err)
	}
	return nil
}

// Q rewrites the ? placeholders of query as $1, $2… for PostgreSQL; for
// SQLite it returns query as it is. A ? inside a string literal is not
// supported: pass such values as parameters.
func (db *DB) Q(query string) string {
	if !db.Postgres {
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
