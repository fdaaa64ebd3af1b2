package sqldb_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/vasteras/civicbus/internal/sqldb"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestTransientOnARealPostgreSQLOutage: the errors a consumer meets when its
// PostgreSQL connection is killed (pg_terminate_backend, as a server restart
// does) are transient; a syntax error, a division by zero and a missing
// table are not.
func TestTransientOnARealPostgreSQLOutage(t *testing.T) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, testenv.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var pid int
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	_, err = conn.ExecContext(ctx, "SELECT 1")
	if err == nil {
		t.Fatal("a query on a terminated connection succeeded")
	}
	t.Logf("on the terminated connection: %T %v", err, err)
	if !sqldb.Transient(err) {
		t.Errorf("not transient: %v", err)
	}

	for _, q := range []string{"SELEC 1", "SELECT 1/0", "SELECT * FROM no_such_table_here"} {
		if _, err := db.ExecContext(ctx, q); err == nil || sqldb.Transient(err) {
			t.Errorf("%s: %v, want an error that is not transient", q, err)
		}
	}
}

// TestTransientOnSQLite: a write lock held past the busy timeout is
// transient; a constraint violation is not.
func TestTransientOnSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := sqldb.Open(ctx, "file:"+path+"?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err == nil || sqldb.Transient(err) {
		t.Errorf("a duplicate key: %v, want an error that is not transient", err)
	}
	holder, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	_, err = db.ExecContext(ctx, "INSERT INTO t VALUES (2)")
	if err == nil {
		t.Fatal("a write while another transaction holds the lock succeeded")
	}
	if !sqldb.Transient(err) {
		t.Errorf("a held lock: %v, not transient", err)
	}
	if sqldb.Transient(context.Canceled) || sqldb.Transient(errors.New("cannot parse")) {
		t.Error("a cancelled context or a plain error is transient")
	}
}
