package sqldb

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
)

// TestBatcherCommitsTogetherAndFailsAlone: 300 units from 300 goroutines
// at once are committed in fewer transactions than units; a unit that
// fails (every tenth, one of them by panicking) is rolled back alone with
// its own error, and the others' rows are all there. After Close, Do
// refuses.
func TestBatcherCommitsTogetherAndFailsAlone(t *testing.T) {
	ctx := context.Background()
	db, err := OpenWith(ctx, filepath.Join(t.TempDir(), "b.db"), `CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY)`)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	b := NewBatcher(db, 64)
	errBad := errors.New("a bad unit")
	var wg sync.WaitGroup
	errs := make([]error, 300)
	for i := range 300 {
		wg.Go(func() {
			errs[i] = b.Do(ctx, func(tx *Tx) error {
				if _, err := tx.Exec(`INSERT INTO t (k) VALUES (?)`, i); err != nil {
					return err
				}
				switch {
				case i == 150:
					panic("boom")
				case i%10 == 0:
					return errBad
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case i == 150 && (err == nil || errors.Is(err, errBad)):
			t.Errorf("unit %d panicked: %v", i, err)
		case i%10 == 0 && i != 150 && !errors.Is(err, errBad):
			t.Errorf("unit %d: %v, want its own error", i, err)
		case i%10 != 0 && err != nil:
			t.Errorf("unit %d: %v", i, err)
		}
	}
	var n, bad int
	if err := db.QueryRow(`SELECT COUNT(*), COUNT(CASE WHEN k % 10 = 0 THEN 1 END) FROM t`).Scan(&n, &bad); err != nil {
		t.Fatal(err)
	}
	if n != 270 || bad != 0 {
		t.Errorf("%d rows (%d of failed units), want 270 and 0", n, bad)
	}
	if c := b.commits.Load(); c >= 300 || c < 5 {
		t.Errorf("%d commits for 300 units (at most 64 a batch)", c)
	} else {
		t.Logf("300 units in %d transactions", c)
	}
	b.Close()
	if err := b.Do(ctx, func(*Tx) error { return nil }); !errors.Is(err, ErrBatcherClosed) {
		t.Errorf("Do after Close: %v", err)
	}
}
