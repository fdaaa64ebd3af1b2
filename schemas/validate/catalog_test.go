package validate

import (
	"errors"
	"testing"

	"github.com/vasteras/civicbus/schemas"
)

// TestCatalogSchemas compiles every schema the project generates, checks
// that each gets the fast path, and that each rejects an empty object when it
// requires a property.
func TestCatalogSchemas(t *testing.T) {
	events := schemas.Events()
	if len(events) == 0 {
		t.Fatal("the catalog is empty")
	}
	v, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		t.Run(e.Topic, func(t *testing.T) {
			data, err := e.Schema()
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Add(e.SchemaID(), data); err != nil {
				t.Fatalf("compile: %v", err)
			}
			if (*v.compiled.Load())[e.SchemaID()].fast == nil {
				t.Errorf("no fast path: every validation takes v6's slow one")
			}
			err = v.Validate(e.SchemaID(), []byte(`{}`))
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("validating {}: %v", err)
			}
		})
	}
}
