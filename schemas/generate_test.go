package schemas_test

import (
	"bytes"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/internal/schemagen"
)

// generated returns the schema files generated in memory from the catalog.
func generated(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := schemagen.Generate(schemas.Events())
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	return files
}

// TestSchemaFilesUpToDate fails when a committed schema file differs from
// what the Go types generate, when an event has no file, or when a file has
// no event.
func TestSchemaFilesUpToDate(t *testing.T) {
	files := generated(t)
	for name, want := range files {
		got, err := fs.ReadFile(schemas.Files, name)
		switch {
		case err != nil:
			t.Errorf("schemas/%s is missing: run go generate ./schemas", name)
		case !bytes.Equal(got, want):
			t.Errorf("schemas/%s is stale: run go generate ./schemas", name)
		}
	}
	committed, err := fs.Glob(schemas.Files, "json/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range committed {
		if _, ok := files[name]; !ok {
			t.Errorf("schemas/%s has no event in the catalog: add it to Events or run go generate ./schemas to remove it", name)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	first := generated(t)
	for range 3 {
		again := generated(t)
		for name, b := range first {
			if !bytes.Equal(again[name], b) {
				t.Fatalf("%s differs between two runs of the generator", name)
			}
		}
	}
	for name, b := range first {
		if !bytes.HasSuffix(b, []byte("}\n")) || bytes.HasSuffix(b, []byte("\n\n")) {
			t.Errorf("%s must end with exactly one newline", name)
		}
		if !bytes.HasPrefix(b, []byte("{\n  \"$schema\"")) {
			t.Errorf("%s is not indented JSON starting with $schema", name)
		}
	}
}

func TestEventSchemaReadsEmbeddedFile(t *testing.T) {
	for _, e := range schemas.Events() {
		b, err := e.Schema()
		if err != nil {
			t.Fatalf("%s: %v", e.Subject, err)
		}
		s := decodeSchema(t, e.Subject, b)
		if s["$id"] != e.SchemaID() {
			t.Errorf("%s: $id = %v, want %s", e.Subject, s["$id"], e.SchemaID())
		}
		if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s: $schema = %v, want draft 2020-12", e.Subject, s["$schema"])
		}
		if want := e.Subject + ".v1.json"; e.Version == 1 && path.Base(e.File()) != want {
			t.Errorf("%s: file %s, want json/%s", e.Subject, e.File(), want)
		}
	}
	if _, err := (schemas.Event{Subject: "no.such-event", Version: 1}).Schema(); err == nil ||
		!strings.Contains(err.Error(), "no.such-event") {
		t.Errorf("Schema of an unknown event: err = %v, want one naming the subject", err)
	}
}
