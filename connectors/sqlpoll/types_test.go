package sqlpoll_test

import (
	"context"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors/sqlpoll"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestPostgresTypes: a timestamp without time zone works as the column, and
// numeric, boolean and uuid values become fields the mapping can read.
func TestPostgresTypes(t *testing.T) {
	e := newEnv(t, "pgx", testenv.PostgresDSN(t), `CREATE TABLE m (
		ts timestamp NOT NULL, amount numeric(10,2), ok boolean, u uuid, n smallint);
		INSERT INTO m VALUES
		('2024-01-01 10:00:00.5', 12.50, true, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 7),
		('2024-01-01 11:00:00', NULL, false, NULL, NULL),
		('2024-01-01 12:00:00', 1, NULL, NULL, NULL)`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	read := func(pos string) []map[string]any {
		s, err := sqlpoll.New(sqlpoll.Config{DSN: e.dsn, Table: "m", Column: "ts", Batch: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(ctx)
		if err := s.Seek(pos); err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		b, _, err := s.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]any
		for _, r := range b {
			r.Fields["@pos"] = r.Position
			out = append(out, r.Fields)
		}
		return out
	}
	rows := read("")
	t.Logf("%#v", rows)
	if len(rows) != 2 || rows[0]["@pos"] != "2024-01-01T10:00:00.5Z" || rows[0]["ok"] != true || rows[0]["n"] != int64(7) || rows[0]["amount"] != 12.5 ||
		rows[0]["u"] != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" {
		t.Errorf("rows = %#v", rows)
	}
	if next := read(rows[0]["@pos"].(string)); len(next) != 2 || next[0]["@pos"] != "2024-01-01T11:00:00Z" || next[1]["amount"] != int64(1) {
		t.Errorf("after %s: %#v", rows[0]["@pos"], next)
	}
}
