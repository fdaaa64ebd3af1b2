package registry

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/schemas"
)

func newRegistry(t *testing.T) *Registry {
	t.Helper()
	return New(openStore(t, filepath.Join(t.TempDir(), "registry.db")))
}

// catalogSeed is what the service seeds: every committed generated schema,
// under its topic, as schemas/README.md names registry subjects.
func catalogSeed(t *testing.T) map[string][]byte {
	t.Helper()
	seed := map[string][]byte{}
	for _, e := range schemas.Events() {
		data, err := e.Schema()
		if err != nil {
			t.Fatal(err)
		}
		seed[e.Topic] = data
	}
	return seed
}

// TestSeedCatalog seeds the generated schemas twice: the second time
// changes nothing.
func TestSeedCatalog(t *testing.T) {
	ctx := context.Background()
	reg := newRegistry(t)
	seed := catalogSeed(t)
	if err := Seed(ctx, reg, seed); err != nil {
		t.Fatal(err)
	}
	if err := Seed(ctx, reg, seed); err != nil {
		t.Fatalf("seeding again: %v", err)
	}
	subjects, err := reg.Subjects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Sorted(func(yield func(string) bool) {
		for k := range seed {
			if !yield(k) {
				return
			}
		}
	})
	if !slices.Equal(subjects, want) {
		t.Fatalf("subjects %v, want %v", subjects, want)
	}
	for _, subject := range subjects {
		if vs, _ := reg.Versions(ctx, subject); len(vs) != 1 {
			t.Errorf("%s has %d versions after seeding twice", subject, len(vs))
		}
	}
}

// TestSeedReportsEverySubject checks that a failing subject does not stop the
// others and is named in the error.
func TestSeedReportsEverySubject(t *testing.T) {
	ctx := context.Background()
	reg := newRegistry(t)
	if _, err := reg.Register(ctx, "b", []byte(alarmV1)); err != nil {
		t.Fatal(err)
	}
	err := Seed(ctx, reg, map[string][]byte{"a": []byte(`{"type": 5}`), "b": []byte(alarmBad), "c": []byte(alarmV1)})
	if !errors.Is(err, ErrInvalidSchema) || !errors.Is(err, ErrIncompatible) || !strings.Contains(err.Error(), "seed b") {
		t.Fatalf("got %v", err)
	}
	if _, err := reg.Version(ctx, "c", Latest); err != nil {
		t.Fatalf("c was not seeded: %v", err)
	}
}

// TestEvolveGeneratedSchema makes the normal change to a generated schema,
// an optional property added, and checks that it registers in every mode.
func TestEvolveGeneratedSchema(t *testing.T) {
	ctx := context.Background()
	e := schemas.Events()[0]
	data, err := e.Schema()
	if err != nil {
		t.Fatal(err)
	}
	evolved := strings.Replace(string(data), `"properties": {`, `"properties": {"added_later": {"type": "string", "description": "new"}, `, 1)
	if evolved == string(data) {
		t.Fatal("could not add a property to the generated schema")
	}
	for _, m := range modes {
		reg := newRegistry(t)
		if err := reg.SetMode(ctx, e.Topic, m); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Register(ctx, e.Topic, data); err != nil {
			t.Fatal(err)
		}
		if v, err := reg.Register(ctx, e.Topic, []byte(evolved)); err != nil || v.Version != 2 {
			t.Errorf("%s: %+v, %v", m, v, err)
		}
	}
}

func TestRegistryValidation(t *testing.T) {
	ctx := context.Background()
	reg := newRegistry(t)
	for _, subject := range []string{"", strings.Repeat("x", 256), "a\x00b", "a\nb", "\xff"} {
		if _, err := reg.Register(ctx, subject, []byte(alarmV1)); !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("subject %q: %v", subject, err)
		}
	}
	if err := reg.SetMode(ctx, "", "SIDEWAYS"); !errors.Is(err, ErrInvalidMode) {
		t.Errorf("mode: %v", err)
	}
	if _, err := reg.Version(ctx, "a", 0); !errors.Is(err, ErrInvalidVersion) {
		t.Errorf("version 0: %v", err)
	}
	if m, err := ParseMode(" full_transitive "); err != nil || m != FullTransitive {
		t.Errorf("ParseMode: %v, %v", m, err)
	}
}
