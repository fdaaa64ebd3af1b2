// Package schemagen generates the JSON Schema files of the schemas catalog
// from its Go types with invopop/jsonschema. It lives apart from package
// schemas so that the contracts themselves need nothing outside the
// standard library.
package schemagen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"

	"github.com/vasteras/civicbus/schemas"
)

// enum is implemented by the string types of package schemas that have a
// fixed set of values.
type enum interface{ EnumValues() []string }

var (
	enumType = reflect.TypeFor[enum]()
	dateType = reflect.TypeFor[schemas.Date]()
)

// Reflector returns the invopop reflector every schema is generated with:
//
//   - open content: no `additionalProperties: false`, so a consumer on an
//     older version accepts events with fields it does not know yet;
//   - required from the `json` tags: a property is required unless it has
//     `omitempty` or `omitzero`;
//   - the event's own type expanded at the root, nested types under
//     `$defs` and referenced as `#/$defs/<GoTypeName>`;
//   - enum types and [schemas.Date] mapped to constrained strings.
func Reflector() *jsonschema.Reflector {
	return &jsonschema.Reflector{
		Anonymous:                 true, // $id is set from the catalog
		AllowAdditionalProperties: true,
		ExpandedStruct:            true,
		Mapper:                    mapType,
	}
}

func mapType(t reflect.Type) *jsonschema.Schema {
	if t == dateType {
		return &jsonschema.Schema{Type: "string", Format: "date"}
	}
	if t.Kind() == reflect.String && t.Implements(enumType) {
		values := reflect.Zero(t).Interface().(enum).EnumValues()
		s := &jsonschema.Schema{Type: "string", Enum: make([]any, len(values))}
		for i, v := range values {
			s.Enum[i] = v
		}
		return s
	}
	return nil
}

// Schema reflects one catalog entry into its JSON Schema, with the stable
// `$id`, the catalog's title and description, and `x-personal-data: true`
// at the root when the event carries personal data.
func Schema(e schemas.Event) *jsonschema.Schema {
	s := Reflector().Reflect(e.New())
	s.ID = jsonschema.ID(e.SchemaID())
	s.Title = e.Title
	s.Description = e.Description
	if e.PersonalData {
		if s.Extras == nil {
			s.Extras = map[string]any{}
		}
		s.Extras["x-personal-data"] = true
	}
	return s
}

// Generate returns the schema file of every catalog entry, keyed by its path
// in [schemas.Files] (`json/<subject>.v<version>.json`): indented JSON with
// a trailing newline, the same bytes on every run. It checks the catalog
// against the schemas and reports every inconsistency it finds.
func Generate(events []schemas.Event) (map[string][]byte, error) {
	files := make(map[string][]byte, len(events))
	var errs []error
	for _, e := range events {
		b, err := generateOne(e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := files[e.File()]; dup {
			errs = append(errs, fmt.Errorf("schemagen: %s v%d listed twice", e.Subject, e.Version))
		}
		files[e.File()] = b
	}
	return files, errors.Join(errs...)
}

func generateOne(e schemas.Event) ([]byte, error) {
	compact, err := json.Marshal(Schema(e))
	if err != nil {
		return nil, fmt.Errorf("schemagen: %s: marshal: %w", e.Subject, err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact, "", "  "); err != nil {
		return nil, fmt.Errorf("schemagen: %s: indent: %w", e.Subject, err)
	}
	out.WriteByte('\n')
	if err := checkCatalog(e, compact); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// checkCatalog checks that the entry's Key, PartitionKey and PersonalData
// agree with the generated schema, and that no direct identifier is used as
// a Kafka record key.
func checkCatalog(e schemas.Event, schema []byte) error {
	var s struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	if err := json.Unmarshal(schema, &s); err != nil {
		return fmt.Errorf("schemagen: %s: %w", e.Subject, err)
	}
	var errs []error
	for _, k := range e.Key {
		if _, ok := s.Properties[k]; !ok {
			errs = append(errs, fmt.Errorf("schemagen: %s: key property %q does not exist", e.Subject, k))
		}
	}
	if !slices.Contains(s.Required, e.PartitionKey) {
		errs = append(errs, fmt.Errorf("schemagen: %s: partition key %q is not a required property", e.Subject, e.PartitionKey))
	}
	var pk struct {
		Personal string `json:"x-personal-data"`
	}
	if raw, ok := s.Properties[e.PartitionKey]; ok && json.Unmarshal(raw, &pk) == nil && pk.Personal == schemas.PersonalDirect {
		errs = append(errs, fmt.Errorf("schemagen: %s: partition key %q is a direct identifier; record keys end up in logs", e.Subject, e.PartitionKey))
	}
	if marked := bytes.Contains(schema, []byte(`"x-personal-data":"`)); marked != e.PersonalData {
		errs = append(errs, fmt.Errorf("schemagen: %s: catalog says PersonalData=%t but properties marked x-personal-data: %t", e.Subject, e.PersonalData, marked))
	}
	return errors.Join(errs...)
}

// Write generates the schema files into dir (the json/ directory of package
// schemas), rewriting only files whose bytes changed, and removes every
// other *.json file there, so that the directory holds exactly the catalog.
func Write(dir string, events []schemas.Event) error {
	files, err := Generate(events)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("schemagen: %w", err)
	}
	want := map[string]bool{}
	for name, b := range files {
		base := path.Base(name)
		want[base] = true
		p := filepath.Join(dir, base)
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, b) {
			continue
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("schemagen: %w", err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("schemagen: %w", err)
	}
	for _, de := range entries {
		if name := de.Name(); strings.HasSuffix(name, ".json") && !want[name] {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("schemagen: %w", err)
			}
		}
	}
	return nil
}
