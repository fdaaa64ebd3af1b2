package connectors_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestCheckpoints runs one store suite against SQLite and PostgreSQL.
func TestCheckpoints(t *testing.T) {
	stores := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "cp.db") },
		"postgres": func(t *testing.T) string { return testenv.PostgresDSN(t) },
	}
	for name, dsn := range stores {
		t.Run(name, func(t *testing.T) { checkpointSuite(t, dsn(t)) })
	}
}

func checkpointSuite(t *testing.T, dsn string) {
	ctx := context.Background()
	open := func() *connectors.SQLCheckpoints {
		c, err := connectors.OpenCheckpoints(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := open()
	if pos, err := c.Load(ctx, "a"); err != nil || pos != "" {
		t.Fatalf("Load of nothing saved = %q, %v; want empty, nil", pos, err)
	}
	for _, p := range []string{"one", "two"} {
		if err := c.Save(ctx, "a", p); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Save(ctx, "b", "other"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := c.Save(ctx, "concurrent", string(rune('a'+i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	c.Close()

	c = open() // a restart sees what was saved
	defer c.Close()
	for conn, want := range map[string]string{"a": "two", "b": "other"} {
		if got, err := c.Load(ctx, conn); err != nil || got != want {
			t.Errorf("Load(%s) after reopen = %q, %v; want %q", conn, got, err, want)
		}
	}
}
