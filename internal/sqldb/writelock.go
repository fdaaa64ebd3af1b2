package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// SQLite lets one connection write a file at a time. A connection that
// finds the file locked waits in SQLite's busy handler, which sleeps
// between tries — 1, 2, 5 … then 25, 50 and 100 ms once it has waited a
// while — however soon the lock is free again. With every service of
// `civicbus run` writing the one file, many short transactions at once,
// writers slept far longer than any transaction held the lock: the lock
// sat free while they slept, and latency and throughput went with it.
//
// So the writers of this process take the write lock in Go first: one
// queue per file, in which a writer waits its turn — without holding a
// connection — and starts the moment the one before it ends. A
// transaction of DB.BeginTx that may write (every one but
// sql.TxOptions{ReadOnly: true}) holds its file's turn until Commit or
// Rollback; DB.ExecContext holds it for the statement. Another process's
// writers on the same file are still waited for by SQLite's busy handler.
// (A statement prepared on the *sql.DB and executed outside a
// transaction, or a write through the embedded *sql.DB's own methods,
// bypasses the queue and waits in SQLite's busy handler as before.)

// busyTimeout is how long a writer waits for the file, in the queue and
// in SQLite's busy handler alike.
const busyTimeout = 10 * time.Second

// writeQueues holds one queue per file: a channel with room for one, the
// token of the writer whose turn it is. Channels hand their token to
// waiters in the order they came.
var writeQueues sync.Map // file key → chan struct{}

func queueFor(dsn string) chan struct{} {
	q, _ := writeQueues.LoadOrStore(fileKey(dsn), make(chan struct{}, 1))
	return q.(chan struct{})
}

// fileKey names the file a DSN opens: its absolute path, without a file:
// scheme or parameters. In-memory databases keep their DSN, one queue each
// (needless when each connection has its own, but harmless).
func fileKey(dsn string) string {
	path, _, _ := strings.Cut(dsn, "?")
	path = strings.TrimPrefix(path, "file:")
	if path == "" || strings.Contains(path, ":memory:") || strings.Contains(dsn, "mode=memory") {
		return dsn
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// ErrWriteQueue is the error of a writer that did not get its turn within
// busyTimeout; it says "database is locked", as SQLite would, so IsBusy
// and Transient treat it alike.
var ErrWriteQueue = fmt.Errorf("sqldb: database is locked: waited %s for this process's other writers of the file", busyTimeout)

// turn waits for db's file's turn, for at most busyTimeout or until ctx
// ends, and returns the function that ends it. On PostgreSQL it waits for
// nothing.
func (db *DB) turn(ctx context.Context) (end func(), err error) {
	if db.queue == nil {
		return func() {}, nil
	}
	select {
	case db.queue <- struct{}{}:
	default:
		t := time.NewTimer(busyTimeout)
		defer t.Stop()
		select {
		case db.queue <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
			return nil, ErrWriteQueue
		}
	}
	var once sync.Once
	return func() { once.Do(func() { <-db.queue }) }, nil
}

// Tx is a transaction of DB. On SQLite, one that may write holds its
// file's turn (see above) until Commit or Rollback.
type Tx struct {
	*sql.Tx
	end func()
}

// BeginTx starts a transaction, on SQLite once it is the file's turn
// (unless opts says it is read-only).
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	end := func() {}
	if opts == nil || !opts.ReadOnly {
		var err error
		if end, err = db.turn(ctx); err != nil {
			return nil, err
		}
	}
	tx, err := db.DB.BeginTx(ctx, opts)
	if err != nil {
		end()
		return nil, err
	}
	return &Tx{Tx: tx, end: end}, nil
}

// Commit commits and gives the file's turn to the next writer.
func (tx *Tx) Commit() error {
	defer tx.end()
	return tx.Tx.Commit()
}

// Rollback rolls back (after Commit it does nothing) and gives the file's
// turn to the next writer.
func (tx *Tx) Rollback() error {
	defer tx.end()
	return tx.Tx.Rollback()
}

// ExecContext runs a statement outside a transaction, on SQLite once it is
// the file's turn.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	end, err := db.turn(ctx)
	if err != nil {
		return nil, err
	}
	defer end()
	return db.DB.ExecContext(ctx, query, args...)
}

// Exec is ExecContext without a context.
func (db *DB) Exec(query string, args ...any) (sql.Result, error) {
	return db.ExecContext(context.Background(), query, args...)
}
