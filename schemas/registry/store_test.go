package registry

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/vasteras/civicbus/internal/testenv"
)

// storeDSN gives the data source of one store implementation for a test.
type storeDSN struct {
	name string
	dsn  func(t *testing.T) string
}

// storeDSNs lists every store the suite runs against: SQLite always, and
// PostgreSQL when it is reachable (or required).
var storeDSNs = []storeDSN{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "registry.db") }},
	{"postgres", func(t *testing.T) string { return testenv.PostgresDSN(t) }},
}

// forEachStore runs test against every store implementation.
func forEachStore(t *testing.T, test func(t *testing.T, dsn string)) {
	for _, s := range storeDSNs {
		t.Run(s.name, func(t *testing.T) { test(t, s.dsn(t)) })
	}
}

func openStore(t *testing.T, dsn string) *SQLStore {
	t.Helper()
	s, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func noCheck([]Version) error { return nil }

func TestStoreRegisterAndRead(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openStore(t, dsn)
		v1, created, err := s.Register(ctx, "a", `{"type":"object"}`, noCheck)
		if err != nil || !created || v1.Version != 1 || v1.ID == 0 {
			t.Fatalf("first version: %+v, %v, %v", v1, created, err)
		}
		again, created, err := s.Register(ctx, "a", `{"type":"object"}`, func([]Version) error { return errors.New("must not be called") })
		if err != nil || created || again.Version != 1 || again.ID != v1.ID {
			t.Fatalf("registering again: %+v, %v, %v", again, created, err)
		}
		v2, _, err := s.Register(ctx, "a", `{"type":"string"}`, noCheck)
		if err != nil || v2.Version != 2 || v2.ID == v1.ID {
			t.Fatalf("second version: %+v, %v", v2, err)
		}
		// The same text under another subject has the same global id.
		b1, _, err := s.Register(ctx, "b", `{"type":"string"}`, noCheck)
		if err != nil || b1.Version != 1 || b1.ID != v2.ID {
			t.Fatalf("same schema under another subject: %+v, %v; want id %d", b1, err, v2.ID)
		}
		vs, err := s.Versions(ctx, "a")
		if err != nil || len(vs) != 2 || vs[0].Schema != `{"type":"object"}` || vs[1].Version != 2 || vs[1].Registered.IsZero() {
			t.Fatalf("versions: %+v, %v", vs, err)
		}
		if subjects, err := s.Subjects(ctx); err != nil || !slices.Equal(subjects, []string{"a", "b"}) {
			t.Fatalf("subjects: %v, %v", subjects, err)
		}
		if text, err := s.SchemaByID(ctx, v2.ID); err != nil || text != `{"type":"string"}` {
			t.Fatalf("schema by id: %q, %v", text, err)
		}
		if _, err := s.SchemaByID(ctx, 9999); !errors.Is(err, ErrSchemaNotFound) {
			t.Fatalf("unknown id: %v", err)
		}
		if _, err := s.Versions(ctx, "nope"); !errors.Is(err, ErrSubjectNotFound) {
			t.Fatalf("unknown subject: %v", err)
		}
	})
}

func TestStoreCheckRefuses(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openStore(t, dsn)
		if _, _, err := s.Register(ctx, "a", `{"type":"object"}`, noCheck); err != nil {
			t.Fatal(err)
		}
		refuse := errors.New("refused")
		var seen []Version
		_, _, err := s.Register(ctx, "a", `{"type":"string"}`, func(vs []Version) error { seen = vs; return refuse })
		if !errors.Is(err, refuse) || len(seen) != 1 {
			t.Fatalf("got %v after seeing %d versions", err, len(seen))
		}
		if vs, _ := s.Versions(ctx, "a"); len(vs) != 1 {
			t.Fatalf("a refused version was stored: %+v", vs)
		}
		if _, _, err := s.Register(ctx, "new", `{}`, func([]Version) error { return refuse }); !errors.Is(err, refuse) {
			t.Fatal(err)
		}
		if subjects, _ := s.Subjects(ctx); slices.Contains(subjects, "new") {
			t.Fatal("a subject whose only version was refused is listed")
		}
	})
}

func TestStoreModes(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openStore(t, dsn)
		if m, err := s.Mode(ctx, ""); err != nil || m != "" {
			t.Fatalf("unset global mode: %q, %v", m, err)
		}
		for _, step := range []struct {
			scope string
			mode  Mode
		}{{"", Full}, {"a", None}, {"a", ForwardTransitive}} {
			if err := s.SetMode(ctx, step.scope, step.mode); err != nil {
				t.Fatal(err)
			}
			if m, err := s.Mode(ctx, step.scope); err != nil || m != step.mode {
				t.Fatalf("mode of %q: %q, %v; want %q", step.scope, m, err, step.mode)
			}
		}
		if m, _ := s.Mode(ctx, ""); m != Full {
			t.Fatalf("the global mode changed to %q", m)
		}
	})
}

// TestStoreSurvivesRestart opens, registers, closes, reopens and reads.
func TestStoreSurvivesRestart(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		v, _, err := s.Register(ctx, "care.alarm.v1", `{"type":"object"}`, noCheck)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetMode(ctx, "care.alarm.v1", FullTransitive); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s = openStore(t, dsn)
		vs, err := s.Versions(ctx, "care.alarm.v1")
		if err != nil || len(vs) != 1 || vs[0].ID != v.ID || vs[0].Schema != `{"type":"object"}` {
			t.Fatalf("after a restart: %+v, %v", vs, err)
		}
		if m, _ := s.Mode(ctx, "care.alarm.v1"); m != FullTransitive {
			t.Fatalf("mode after a restart: %q", m)
		}
	})
}

// TestStoreConcurrentRegister registers different schemas under one subject
// at once: the versions must come out 1..n, each once.
func TestStoreConcurrentRegister(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s := openStore(t, dsn)
		const n = 12
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				_, _, err := s.Register(ctx, "race", fmt.Sprintf(`{"maximum":%d}`, i), noCheck)
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		vs, err := s.Versions(ctx, "race")
		if err != nil || len(vs) != n {
			t.Fatalf("got %d versions, %v", len(vs), err)
		}
		for i, v := range vs {
			if v.Version != i+1 {
				t.Fatalf("version %d numbered %d", i+1, v.Version)
			}
		}
	})
}
