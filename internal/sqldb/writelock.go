package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, which driverName wraps
)

// SQLite lets one connection write a file at a time. A connection that
// finds the file locked waits in SQLite's busy handler, which sleeps
// between tries — 1, 2, 5 … then 25, 50 and 100 ms once it has waited a
// while — however soon the lock is free again. With every service of
// `civicbus run` writing the one file, many short transactions at once,
// writers slept far longer than any transaction held the lock: the lock
// sat free while they slept, and latency and throughput went with it.
//
// So the connections of this process take the write lock in Go first: one
// queue per file, in which a writer waits its turn and starts the moment
// the one before it ends. A transaction that may write (every one but
// sql.TxOptions{ReadOnly: true}) holds its file's turn from BeginTx to
// Commit or Rollback; an Exec outside a transaction holds it for the
// statement. Another process's writers on the same file are still waited
// for by SQLite's busy handler.

// driverName is the database/sql driver Open uses for SQLite: modernc's,
// with the write queue.
const driverName = "sqlite-civicbus"

// busyTimeout is how long a writer waits for the file, in the queue and
// in SQLite's busy handler alike.
const busyTimeout = 10 * time.Second

func init() {
	db, err := sql.Open("sqlite", "") // no connection yet: only its driver
	if err != nil {
		panic(err)
	}
	sql.Register(driverName, queuedDriver{db.Driver()})
}

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

// take waits for q's token, for at most busyTimeout or until ctx ends.
func take(ctx context.Context, q chan struct{}) error {
	select {
	case q <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(busyTimeout)
	defer t.Stop()
	select {
	case q <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrWriteQueue
	}
}

type queuedDriver struct{ driver.Driver }

func (d queuedDriver) Open(dsn string) (driver.Conn, error) {
	c, err := d.Driver.Open(dsn)
	if err != nil {
		return nil, err
	}
	return &queuedConn{Conn: c, queue: queueFor(dsn)}, nil
}

// queuedConn is a modernc.org/sqlite connection whose writers wait in its
// file's queue. database/sql uses a connection from one goroutine at a
// time, so inTx needs no lock.
type queuedConn struct {
	driver.Conn
	queue chan struct{}
	inTx  bool // a transaction holding the file's turn is open
}

// The interfaces modernc's connection implements, so that database/sql
// uses them through the wrapper as it would without it.
var (
	_ driver.ConnBeginTx        = (*queuedConn)(nil)
	_ driver.ConnPrepareContext = (*queuedConn)(nil)
	_ driver.ExecerContext      = (*queuedConn)(nil)
	_ driver.QueryerContext     = (*queuedConn)(nil)
	_ driver.Pinger             = (*queuedConn)(nil)
	_ driver.SessionResetter    = (*queuedConn)(nil)
	_ driver.Validator          = (*queuedConn)(nil)
)

func (c *queuedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	begin := c.Conn.(driver.ConnBeginTx).BeginTx
	if opts.ReadOnly {
		return begin(ctx, opts)
	}
	if err := take(ctx, c.queue); err != nil {
		return nil, err
	}
	tx, err := begin(ctx, opts)
	if err != nil {
		<-c.queue
		return nil, err
	}
	c.inTx = true
	return &queuedTx{Tx: tx, c: c}, nil
}

func (c *queuedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	exec := c.Conn.(driver.ExecerContext).ExecContext
	if c.inTx {
		return exec(ctx, query, args)
	}
	if err := take(ctx, c.queue); err != nil {
		return nil, err
	}
	defer func() { <-c.queue }()
	return exec(ctx, query, args)
}

func (c *queuedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *queuedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *queuedConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *queuedConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *queuedConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

// queuedTx gives its connection's turn back when it ends, once.
type queuedTx struct {
	driver.Tx
	c *queuedConn
}

func (t *queuedTx) Commit() error {
	defer t.end()
	return t.Tx.Commit()
}

func (t *queuedTx) Rollback() error {
	defer t.end()
	return t.Tx.Rollback()
}

func (t *queuedTx) end() {
	if t.c.inTx {
		t.c.inTx = false
		<-t.c.queue
	}
}
