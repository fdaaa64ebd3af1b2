package sqlpoll_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/sqlpoll"
)

// TestSQLiteRowsToTheBus is the basic case on SQLite.
func TestSQLiteRowsToTheBus(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "waste.db")
	e := newEnv(t, "sqlite", dsn, `CREATE TABLE waste (
		id INTEGER PRIMARY KEY AUTOINCREMENT, kitchen TEXT, day TEXT, meal TEXT,
		kitchen_kg REAL, serving_kg REAL, plate_kg REAL, total_kg REAL, diners INTEGER)`)
	events := e.Collect(wasteTopic)
	e.insert("vallby-skola", "2024-09-02", 1.25)
	e.insert("skiljebo-skola", "2024-09-02", 0)
	r := e.Start(e.yaml(""))
	waitFor(t, "2 events", 10*time.Second, func() bool { return len(events.All()) >= 2 })
	e.insert("vallby-skola", "2024-09-03", 1)
	waitFor(t, "3 events", 10*time.Second, func() bool { return len(events.All()) >= 3 })
	waitFor(t, "3 records in", 5*time.Second, func() bool { return r.Runtime.Status().RecordsIn >= 3 })
	if n := len(events.All()); n != 3 || r.Runtime.Status().RecordsIn != 3 {
		t.Errorf("%d events, %d records for 3 rows", n, r.Runtime.Status().RecordsIn)
	}
	if !unique(events.All())[wasteID("vallby-skola", "2024-09-03")] {
		t.Error("the later row is not on the bus")
	}
}

// TestSourceTypesAndSeek reads a PostgreSQL table directly: fields are
// typed, the position is the column as text and Seek resumes after it, by
// id and by timestamp.
func TestSourceTypesAndSeek(t *testing.T) {
	e := newPostgres(t)
	if _, err := e.db.Exec(`INSERT INTO waste (kitchen, day, meal, kitchen_kg, diners, updated_at) VALUES
		('a', '2024-09-02', 'lunch', 1.5, 10, '2024-09-02T10:00:00.123456Z'),
		('b', '2024-09-03', 'lunch', NULL, 11, '2024-09-02T11:00:00Z'),
		('c', '2024-09-04', 'lunch', 2, 12, '2024-09-02T12:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	open := func(column, pos string) *sqlpoll.Source {
		s, err := sqlpoll.New(sqlpoll.Config{DSN: e.dsn, Table: "waste", Column: column, Key: "kitchen", Batch: 2, Interval: "10ms"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Seek(pos); err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close(ctx) })
		return s
	}
	s := open("id", "")
	b, _, err := s.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 2 {
		t.Fatalf("%d records, want the batch of 2", len(b))
	}
	f := b[0].Fields
	if f["id"] != int64(1) || f["day"] != "2024-09-02" || f["kitchen_kg"] != 1.5 || f["diners"] != int64(10) ||
		f["updated_at"] != "2024-09-02T10:00:00.123456Z" || b[1].Fields["kitchen_kg"] != nil {
		t.Errorf("fields = %#v", f)
	}
	if b[1].Position != "2" || b[1].Key != "b" {
		t.Errorf("position %q key %q", b[1].Position, b[1].Key)
	}
	if lag := s.Lag(); lag != 1 {
		t.Errorf("Lag = %d after 2 of 3 rows", lag)
	}
	s2 := open("id", b[1].Position)
	b2, _, err := s2.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(b2) != 1 || b2[0].Key != "c" {
		t.Errorf("after Seek(2): %+v", b2)
	}
	if lag := s.Lag(); lag != 1 {
		t.Errorf("Lag = %d, want the count of a moment ago", lag)
	}
	if _, _, err := s.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if lag := s.Lag(); lag != 0 {
		t.Errorf("Lag = %d after every row", lag)
	}

	ts := open("updated_at", "")
	b3, _, err := ts.Read(ctx)
	if err != nil || len(b3) != 2 {
		t.Fatalf("by updated_at: %v %+v", err, b3)
	}
	if b3[0].Position != "2024-09-02T10:00:00.123456Z" {
		t.Errorf("timestamp position %q", b3[0].Position)
	}
	ts2 := open("updated_at", b3[0].Position)
	b4, _, err := ts2.Read(ctx)
	if err != nil || len(b4) != 2 || b4[0].Key != "b" {
		t.Errorf("after Seek(%s): %v %+v", b3[0].Position, err, b4)
	}

	// Nothing new: Read waits, and returns when ctx ends.
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancelShort()
	if _, _, err := s2.Read(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Read with nothing new = %v, want the deadline", err)
	}
}

// TestConnectionGone: when the server ends the session Read says
// ErrNotConnected, and a new Connect reads on.
func TestConnectionGone(t *testing.T) {
	e := newPostgres(t)
	e.insert("a", "2024-09-02", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := sqlpoll.New(sqlpoll.Config{DSN: e.dsn + "&application_name=sqlpoll_gone", Table: "waste", Column: "id", Interval: "10ms"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	if b, _, err := s.Read(ctx); err != nil || len(b) != 1 {
		t.Fatalf("first read: %v %d", err, len(b))
	}
	if _, err := e.db.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sqlpoll_gone'`); err != nil {
		t.Fatal(err)
	}
	e.insert("b", "2024-09-03", 1)
	var b connectors.Batch
	for {
		b, _, err = s.Read(ctx)
		if err == nil {
			break // database/sql replaced the dead connection itself
		}
		t.Logf("Read after the session ended: %v", err)
		if !errors.Is(err, connectors.ErrNotConnected) {
			t.Fatalf("Read after the session ended = %v, want ErrNotConnected", err)
		}
		if err := s.Connect(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(b) != 1 || b[0].Key != "2" {
		t.Errorf("after reconnecting: %+v", b)
	}
}

// TestPasswordRedacted: a failed connect does not show the password.
func TestPasswordRedacted(t *testing.T) {
	s, err := sqlpoll.New(sqlpoll.Config{DSN: "postgres://civic:s3cret-pw@127.0.0.1:1/db?sslmode=disable&connect_timeout=1", Table: "t", Column: "id"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Connect(context.Background())
	if err == nil {
		t.Fatal("connected to port 1")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error shows the password: %v", err)
	}
}

// TestDSNs: a key=value DSN is PostgreSQL and its password is redacted; a
// URL of another database is refused without being echoed.
func TestDSNs(t *testing.T) {
	s, err := sqlpoll.New(sqlpoll.Config{DSN: "host=127.0.0.1 port=1 user=civic password='s3cret pw' connect_timeout=1", Table: "t", Column: "id"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(context.Background()); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Connect = %v, want an error without the password", err)
	}
	_, err = sqlpoll.New(sqlpoll.Config{DSN: "mysql://root:s3cret@db/x", Table: "t", Column: "id"}, nil)
	if err == nil || !strings.Contains(err.Error(), "sqlpoll: dsn:") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("New(mysql://) = %v", err)
	}
	t.Setenv("SQLPOLL_EMPTY", "")
	if _, err := sqlpoll.New(sqlpoll.Config{DSNEnv: "SQLPOLL_EMPTY", Table: "t", Column: "id"}, nil); err == nil || !strings.Contains(err.Error(), "sqlpoll: dsn_env: $SQLPOLL_EMPTY is not set") {
		t.Errorf("New(empty dsn_env) = %v", err)
	}
}

// TestExampleConfig builds the example, its DSN read from a file.
func TestExampleConfig(t *testing.T) {
	b, err := os.ReadFile("testdata/kitchen-waste-db.yaml")
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "dsn")
	if err := os.WriteFile(secret, []byte("postgres://civic:pw@db.example/meals\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := connectors.ParseConfig([]byte(strings.Replace(string(b), "/run/secrets/meal-planning-dsn", secret, 1)), "kitchen-waste-db.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := registry(t).Build(cfg, nil); err != nil {
		t.Fatal(err)
	}
	cfg, _ = connectors.ParseConfig(b, "kitchen-waste-db.yaml")
	if _, _, err := registry(t).Build(cfg, nil); err == nil || !strings.Contains(err.Error(), "sqlpoll: dsn_file:") {
		t.Errorf("Build without the secret = %v", err)
	}
}
