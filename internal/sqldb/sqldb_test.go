package sqldb_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vasteras/civicbus/internal/sqldb"
)

// TestConcurrentOpenOfOneFile: the services of `civicbus run` open the same
// SQLite file at the same moment, each creating its tables; none may fail
// with "database is locked".
func TestConcurrentOpenOfOneFile(t *testing.T) {
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "shared.db")
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Go(func() {
				db, err := sqldb.Open(context.Background(), path)
				if err != nil {
					errs <- err
					return
				}
				defer db.Close()
				for j := range 5 {
					if _, err := db.Exec(fmt.Sprintf(`CREATE TABLE IF NOT EXISTS t%d_%d (a TEXT PRIMARY KEY)`, i, j)); err != nil {
						errs <- fmt.Errorf("round %d: %w", round, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}
