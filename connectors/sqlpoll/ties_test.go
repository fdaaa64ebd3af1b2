package sqlpoll_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors/sqlpoll"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestTimestampTies: rows that share a timestamp across batch boundaries,
// even more of them than a batch holds, are each read once.
func TestTimestampTies(t *testing.T) {
	e := newEnv(t, "pgx", testenv.PostgresDSN(t), `CREATE TABLE ev (id int PRIMARY KEY, at timestamptz NOT NULL);
		INSERT INTO ev VALUES
		(1, '2024-01-01T10:00:00Z'), (2, '2024-01-01T10:00:01Z'), (3, '2024-01-01T10:00:01Z'),
		(4, '2024-01-01T10:00:02Z'), (5, '2024-01-01T10:00:02Z'), (6, '2024-01-01T10:00:02Z'),
		(7, '2024-01-01T10:00:02Z'), (8, '2024-01-01T10:00:02Z'), (9, '2024-01-01T10:00:03Z')`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := sqlpoll.New(sqlpoll.Config{DSN: e.dsn, Table: "ev", Column: "at", Key: "id", Batch: 3, Interval: "10ms"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 9 {
		b, _, err := s.Read(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		var ids []any
		for _, r := range b {
			ids = append(ids, r.Fields["id"])
			got = append(got, fmt.Sprint(r.Fields["id"]))
		}
		t.Logf("batch %v, position %s", ids, b[len(b)-1].Position)
	}
	if fmt.Sprint(got) != "[1 2 3 4 5 6 7 8 9]" {
		t.Errorf("read %v", got)
	}
}
