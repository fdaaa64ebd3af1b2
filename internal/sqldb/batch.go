package sqldb

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// Batcher commits the units of work that arrive together in one
// transaction (group commit), each unit in a savepoint of its own: a unit
// that fails is rolled back alone and gets its error, the others commit.
// On SQLite one writer at a time holds a file, and a service projecting
// events one transaction each spends most of its time taking turns and
// committing; batched, the commits are shared and the batch grows with the
// load. On PostgreSQL each unit runs in its own transaction, as without a
// Batcher: there, units holding row or advisory locks in one long
// transaction could deadlock with another replica's batch.
//
// A unit must only use the transaction it is given (not commit or roll it
// back, not wait for another unit) and may run again after an error of the
// batch's commit, as any transaction may.
type Batcher struct {
	db   *DB
	max  int
	reqs chan *unit
	stop chan struct{}
	done chan struct{}

	commits atomic.Int64 // transactions committed, for tests
}

type unit struct {
	ctx context.Context
	fn  func(*Tx) error
	err chan error
}

// ErrBatcherClosed is returned by Do after Close.
var ErrBatcherClosed = errors.New("sqldb: batcher is closed")

// NewBatcher starts a Batcher of db that puts at most max units in one
// transaction. Close it before db.
func NewBatcher(db *DB, max int) *Batcher {
	b := &Batcher{db: db, max: max, reqs: make(chan *unit), stop: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	return b
}

// Do runs fn in a transaction shared with the units that arrive with it
// and returns once that transaction is committed (nil) or fn or the
// commit failed.
func (b *Batcher) Do(ctx context.Context, fn func(*Tx) error) error {
	if b.db.Postgres {
		return b.alone(ctx, fn)
	}
	u := &unit{ctx: ctx, fn: fn, err: make(chan error, 1)}
	select {
	case b.reqs <- u:
	case <-ctx.Done():
		return ctx.Err()
	case <-b.stop:
		return ErrBatcherClosed
	}
	return <-u.err
}

// Close stops the Batcher once the batch under way is committed.
func (b *Batcher) Close() {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
}

func (b *Batcher) alone(ctx context.Context, fn func(*Tx) error) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func (b *Batcher) run() {
	defer close(b.done)
	for {
		var batch []*unit
		select {
		case u := <-b.reqs:
			batch = append(batch, u)
		case <-b.stop:
			return
		}
	more:
		for len(batch) < b.max {
			select {
			case u := <-b.reqs:
				batch = append(batch, u)
			default:
				break more
			}
		}
		b.commit(batch)
	}
}

// commit runs batch in one transaction and answers each unit.
func (b *Batcher) commit(batch []*unit) {
	errs := make([]error, len(batch))
	err := b.apply(batch, errs)
	for i, u := range batch {
		if err != nil && errs[i] == nil {
			errs[i] = err
		}
		u.err <- errs[i]
	}
}

// apply runs each unit of batch in a savepoint, puts each unit's own
// error in errs, and returns the error that fails them all: beginning,
// a savepoint statement, or the commit.
func (b *Batcher) apply(batch []*unit, errs []error) error {
	ctx := context.Background() // each unit's own context is checked before it runs
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i, u := range batch {
		if errs[i] = u.ctx.Err(); errs[i] != nil {
			continue
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT batch_unit`); err != nil {
			return fmt.Errorf("sqldb: savepoint: %w", err)
		}
		if errs[i] = runUnit(u.fn, tx); errs[i] != nil {
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT batch_unit`); err != nil {
				return fmt.Errorf("sqldb: roll back to savepoint: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT batch_unit`); err != nil {
			return fmt.Errorf("sqldb: release savepoint: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	b.commits.Add(1)
	return nil
}

// runUnit calls fn, a panic turned into its error: the other units of the
// batch are not lost with it.
func runUnit(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqldb: a unit of a batch panicked: %v", p)
		}
	}()
	return fn(tx)
}
