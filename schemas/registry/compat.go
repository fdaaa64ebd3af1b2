package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"unicode/utf8"

	"github.com/vasteras/civicbus/schemas/validate"
)

// Direction names the readers a change breaks.
type Direction string

const (
	// DirBackward: consumers using the new schema can no longer read some
	// data written with the old one.
	DirBackward Direction = "backward"
	// DirForward: consumers using the old schema can no longer read some
	// data written with the new one.
	DirForward Direction = "forward"
)

// Incompatibility is one change that breaks a direction, in plain words.
type Incompatibility struct {
	// Direction is the direction the change breaks.
	Direction Direction
	// Path is a JSON pointer to the changed part of the schema, following
	// the structure of the data: $refs are followed, so a field defined in
	// $defs is named where it is used (/properties/position/properties/lat).
	Path string
	// Message says what changed: "field `unit_id` became required".
	Message string
	// Version is the earlier version the change was found against, or 0
	// when Check compared two schemas outside the registry.
	Version int
}

// String formats i as "backward: field `unit_id` became required", naming
// the version compared against when there is one.
func (i Incompatibility) String() string {
	if i.Version > 0 {
		return fmt.Sprintf("%s, against version %d: %s", i.Direction, i.Version, i.Message)
	}
	return string(i.Direction) + ": " + i.Message
}

// Schema is a JSON Schema document parsed for the compatibility checker.
type Schema struct {
	root      any // map[string]any or bool, numbers as json.Number
	canonical string
}

// Parse reads a JSON Schema: it must be one JSON object or boolean that
// compiles as a schema (draft 2020-12 unless it says otherwise), referring to
// nothing outside itself. Errors wrap ErrInvalidSchema.
func Parse(text []byte) (*Schema, error) {
	if !utf8.Valid(text) {
		return nil, fmt.Errorf("%w: not valid UTF-8", ErrInvalidSchema)
	}
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var root any
	if err := d.Decode(&root); err != nil {
		return nil, fmt.Errorf("%w: not valid JSON: %v", ErrInvalidSchema, err)
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the schema", ErrInvalidSchema)
	}
	switch root.(type) {
	case map[string]any, bool:
	default:
		return nil, fmt.Errorf("%w: a schema is a JSON object or a boolean", ErrInvalidSchema)
	}
	if err := validate.CheckSchema(text); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	canonical, err := canonicalJSON(root)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	return &Schema{root: root, canonical: canonical}, nil
}

// Canonical returns the schema as compact JSON with sorted keys: the text
// the registry stores and compares, so that schemas differing only in
// layout are the same schema.
func (s *Schema) Canonical() string { return s.canonical }

func canonicalJSON(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimRight(b.Bytes(), "\n")), nil
}

// Check compares two versions of a schema under mode and returns every
// change that breaks it (nil for NONE and for compatible changes). A
// _TRANSITIVE mode checks the same directions as its plain form; comparing
// with every earlier version is the caller's part.
//
// The checker knows the keywords the project's generated schemas use (type,
// enum, const, the numeric and length limits, pattern, format, properties,
// required, additionalProperties, items, prefixItems, uniqueItems, $ref into
// the same document). Other validating keywords (anyOf, oneOf, not, if,
// patternProperties, …) count as a break whenever they differ. Annotations
// (title, description, examples, default, x-…) never do.
//
// Under an open content model a property a schema does not declare is
// taken to be absent from the data, since producers send the declared
// fields only: adding an optional property is therefore compatible in every
// mode, and under a closed one (additionalProperties: false) it breaks
// FORWARD. A new required property with a default breaks nothing (readers
// fill the default); without one it breaks BACKWARD.
func Check(mode Mode, older, newer *Schema) []Incompatibility {
	var out []Incompatibility
	for _, dir := range mode.directions() {
		c := &checker{dir: dir, seen: map[[2]uintptr]bool{}}
		if dir == DirBackward {
			c.writer, c.reader = older.root, newer.root
		} else {
			c.writer, c.reader = newer.root, older.root
		}
		c.compare(c.writer, c.reader, "")
		out = append(out, c.out...)
	}
	return out
}

// maxSteps bounds the work one comparison may do; a hostile schema could
// otherwise make it explore a huge number of $ref pairs.
const maxSteps = 100_000

// checker finds where the reader accepts less than the writer may write.
// Messages are worded as a change from the older to the newer schema, which
// are the writer and the reader for BACKWARD, and the other way round for
// FORWARD.
type checker struct {
	dir            Direction
	writer, reader any // the roots, for $ref
	out            []Incompatibility
	seen           map[[2]uintptr]bool
	steps          int
}

func (c *checker) report(path, format string, args ...any) {
	c.out = append(c.out, Incompatibility{Direction: c.dir, Path: path, Message: fmt.Sprintf(format, args...)})
}

// oldNew orders a writer's and a reader's value as older and newer.
func (c *checker) oldNew(w, r any) (older, newer any) {
	if c.dir == DirBackward {
		return w, r
	}
	return r, w
}

// compare reports where reader schema r rejects data that writer schema w
// accepts, at the logical schema path.
func (c *checker) compare(w, r any, path string) {
	if c.steps++; c.steps > maxSteps {
		if c.steps == maxSteps+1 {
			c.report(path, "the schemas are too complex to compare in full")
		}
		return
	}
	w, okW := c.deref(c.writer, w, path)
	r, okR := c.deref(c.reader, r, path)
	if !okW || !okR {
		return
	}
	if !isSchema(w) || !isSchema(r) {
		if !reflect.DeepEqual(w, r) {
			c.report(path, "%s changed in a form the checker does not read; it counts as breaking", show(path))
		}
		return
	}
	wm, rm, done := c.booleans(w, r, path)
	if done || c.visited(wm, rm) {
		return
	}
	wm = c.withAllOf(wm)
	if all, ok := rm["allOf"].([]any); ok {
		for _, sub := range all {
			c.compare(wm, sub, path)
		}
	}
	common := c.types(wm, rm, path)
	c.enums(wm, rm, path)
	c.changed(wm, rm, path, "format")
	if common&(tNumber|tInteger) != 0 {
		c.numbers(wm, rm, path)
	}
	if common&tString != 0 {
		c.strings(wm, rm, path)
	}
	if common&tArray != 0 {
		c.arrays(wm, rm, path)
	}
	if common&tObject != 0 {
		c.objects(wm, rm, path)
	}
	c.unchecked(wm, rm, path)
}

// booleans handles the boolean schemas: a false writer writes nothing, a
// true reader reads everything, and a true writer is the empty schema.
func (c *checker) booleans(w, r any, path string) (wm, rm map[string]any, done bool) {
	if rb, ok := r.(bool); ok {
		if wb, ok := w.(bool); rb || (ok && !wb) {
			return nil, nil, true
		}
		if c.dir == DirBackward {
			c.report(path, "%s no longer accepts any value", show(path))
		} else {
			c.report(path, "%s accepted no value and now accepts some", show(path))
		}
		return nil, nil, true
	}
	if wb, ok := w.(bool); ok {
		if !wb {
			return nil, nil, true
		}
		w = map[string]any{}
	}
	return w.(map[string]any), r.(map[string]any), false
}

// visited reports whether this pair of schema objects was compared before,
// which ends the walk through recursive schemas.
func (c *checker) visited(w, r map[string]any) bool {
	key := [2]uintptr{reflect.ValueOf(w).Pointer(), reflect.ValueOf(r).Pointer()}
	if c.seen[key] {
		return true
	}
	c.seen[key] = true
	return false
}

func isSchema(v any) bool {
	switch v.(type) {
	case map[string]any, bool:
		return true
	}
	return false
}

// show formats a schema path for a message.
func show(path string) string {
	if path == "" {
		return "`/`"
	}
	return "`" + path + "`"
}
