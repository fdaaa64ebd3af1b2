package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/sqldb"
)

// TestWritersOfOneFileTakeTurns: four databases on one file (four services
// of one process), each with eight writers in short transactions at once;
// every transaction commits, none fails with "database is locked", and
// the counter ends at exactly the number of transactions. A read-only
// transaction runs while a writer holds the file.
func TestWritersOfOneFileTakeTurns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	var dbs []*sqldb.DB
	for range 4 {
		dbs = append(dbs, openCounter(t, path))
	}
	const perWriter = 100
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for _, db := range dbs {
		for range 8 {
			wg.Go(func() {
				for range perWriter {
					if err := increment(ctx, db); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}

	// A reader is not queued behind the writers.
	tx, err := dbs[0].BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	read, err := dbs[1].BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := read.QueryRow(`SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
		t.Errorf("a read while a writer holds the file: %v", err)
	}
	read.Rollback()
	tx.Rollback()

	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := dbs[0].QueryRow(`SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := 4 * 8 * perWriter; n != want {
		t.Errorf("counter %d, want %d", n, want)
	}
}

// openCounter opens path with a table counter holding one row, n = 0;
// closed when the test ends.
func openCounter(tb testing.TB, path string) *sqldb.DB {
	tb.Helper()
	db, err := sqldb.OpenWith(context.Background(), path, `CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`,
		`INSERT INTO counter (id, n) VALUES (1, 0) ON CONFLICT DO NOTHING`)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func increment(ctx context.Context, db *sqldb.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`UPDATE counter SET n = n + 1 WHERE id = 1`); err != nil {
		return err
	}
	return tx.Commit()
}

// TestWriterWaitingForItsTurnGivesUp: a writer whose turn does not come
// ends with its context, and one that waits longer than the busy timeout
// gets "database is locked", which IsBusy and Transient recognise; after
// the holder commits, the next writer gets the file at once.
func TestWriterWaitingForItsTurnGivesUp(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a := openCounter(t, path)
	b, err := sqldb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	holder, err := a.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := b.ExecContext(short, `UPDATE counter SET n = n + 1 WHERE id = 1`); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a writer waiting past its context: %v, want the context's error", err)
	}
	if err := holder.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ExecContext(ctx, `UPDATE counter SET n = n + 1 WHERE id = 1`); err != nil {
		t.Errorf("after the holder committed: %v", err)
	}
	if !sqldb.IsBusy(sqldb.ErrWriteQueue) || !sqldb.Transient(fmt.Errorf("apply: %w", sqldb.ErrWriteQueue)) {
		t.Errorf("%v is neither busy nor transient", sqldb.ErrWriteQueue)
	}
}

// BenchmarkContendedWrites: 16 writers on one file in short transactions
// while another writes batches of 500 rows (a service's group commit),
// through the write queue and (for comparison, in the same run) through
// modernc's driver alone, where they wait in SQLite's busy handler; tx/s
// counts the short transactions.
//
//	go test -run '^$' -bench ContendedWrites -benchtime 3000x ./internal/sqldb/
func BenchmarkContendedWrites(b *testing.B) {
	for _, mode := range []string{"queue", "busy-handler"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			path := filepath.Join(b.TempDir(), "shared.db")
			db := openCounter(b, path)
			if mode == "busy-handler" {
				raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
				if err != nil {
					b.Fatal(err)
				}
				defer raw.Close()
				db = &sqldb.DB{DB: raw}
			}
			if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
				b.Fatal(err)
			}
			db.SetMaxOpenConns(17)
			batchCtx, stopBatches := context.WithCancel(ctx)
			var batches sync.WaitGroup
			batches.Go(func() {
				for batchCtx.Err() == nil {
					if err := insertBatch(batchCtx, db, 500); err != nil && batchCtx.Err() == nil {
						b.Error(err)
						return
					}
				}
			})
			defer func() { stopBatches(); batches.Wait() }()
			var next sync.WaitGroup
			work := make(chan struct{})
			errs := make(chan error, 16)
			for range 16 {
				next.Go(func() {
					for range work {
						if err := increment(ctx, db); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			b.ResetTimer()
			for range b.N {
				work <- struct{}{}
			}
			close(work)
			next.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tx/s")
		})
	}
}

func insertBatch(ctx context.Context, db *sqldb.DB, n int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for range n {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rows (v) VALUES ('a row of a batch')`); err != nil {
			return err
		}
	}
	return tx.Commit()
}
