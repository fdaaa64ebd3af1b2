// Package validate checks event payloads against their JSON Schemas.
//
// A Validator compiles each schema once, with format assertions on and draft
// 2020-12 as the default draft, and keeps it under its id. It is safe for
// concurrent use, and schemas can be added while it validates.
//
// Validate reports each kind of bad input as its own error (see the Err
// variables): a payload that is too large, not UTF-8, not JSON, or JSON that
// breaks its schema. The last is an *Error that names every broken rule by
// the JSON pointer of the value and the rule in plain words
// ("/readings/3/celsius: must be >= -60"). No error quotes a payload value.
package validate

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Defaults for Config.
const (
	DefaultMaxBytes  = 1 << 20
	DefaultMaxDepth  = 128
	DefaultMaxCauses = 10
)

// Config configures a Validator. The zero value takes every default.
type Config struct {
	// MaxBytes is the largest payload accepted; larger ones fail with
	// ErrTooLarge before they are read. Default 1 MiB.
	MaxBytes int

	// MaxDepth is the deepest nesting of objects and arrays accepted; deeper
	// payloads fail with ErrTooDeep. Default 128.
	MaxDepth int

	// MaxCauses is how many broken rules an *Error lists. Default 10.
	MaxCauses int
}

func (c *Config) setDefaults() {
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.MaxDepth == 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.MaxCauses == 0 {
		c.MaxCauses = DefaultMaxCauses
	}
}

// Validate reports every setting out of range.
func (c Config) Validate() error {
	var errs []error
	if c.MaxBytes < 0 {
		errs = append(errs, errors.New("MaxBytes must not be negative"))
	}
	if c.MaxDepth < 0 {
		errs = append(errs, errors.New("MaxDepth must not be negative"))
	}
	if c.MaxCauses < 0 {
		errs = append(errs, errors.New("MaxCauses must not be negative"))
	}
	return errors.Join(errs...)
}

// Validator validates payloads against the schemas added to it. Its methods
// are safe for concurrent use.
type Validator struct {
	cfg Config

	mu   sync.Mutex // serialises Add
	docs map[string]source

	// compiled is replaced, never changed, so Validate reads it without a
	// lock.
	compiled atomic.Pointer[map[string]*compiled]
}

// compiled is an added schema ready to validate with: v6's compiled form,
// and the fast path's when the schema allows one (see fast.go).
type compiled struct {
	schema *jsonschema.Schema
	fast   *fastNode
}

// source is an added schema as parsed, kept so that later schemas can $ref
// it.
type source struct {
	url  string
	doc  any
	hash [32]byte
}

// New returns a Validator with no schemas.
func New(cfg Config) (*Validator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("validate: config: %w", err)
	}
	cfg.setDefaults()
	v := &Validator{cfg: cfg, docs: map[string]source{}}
	v.compiled.Store(&map[string]*compiled{})
	return v, nil
}

// Add compiles schemaJSON and keeps it under id; an empty id means the
// schema's own "$id". Adding the same schema under the same id again does
// nothing; adding a different one under a taken id is an error, since a
// schema id names one contract forever. A schema may $ref schemas added
// before it by their URL; nothing is ever fetched from the network or disk.
func (v *Validator) Add(id string, schemaJSON []byte) error {
	doc, err := parseSchema(schemaJSON)
	if err != nil {
		return fmt.Errorf("validate: add schema %q: %w", id, err)
	}
	if id == "" {
		id = schemaID(doc)
		if id == "" {
			return errors.New("validate: add schema: no id given and the schema has no $id")
		}
	}
	hash := sha256.Sum256(schemaJSON)

	v.mu.Lock()
	defer v.mu.Unlock()
	if old, ok := v.docs[id]; ok {
		if old.hash == hash {
			return nil
		}
		return fmt.Errorf("validate: add schema %q: a different schema was already added under this id", id)
	}
	src := source{url: resourceURL(id, doc), doc: doc, hash: hash}
	sch, err := v.compile(src)
	if err != nil {
		return fmt.Errorf("validate: add schema %q: %w", id, err)
	}
	v.docs[id] = src
	c := &compiled{schema: sch}
	if fast, ok := buildFast(sch); ok {
		c.fast = fast
	}
	next := maps.Clone(*v.compiled.Load())
	next[id] = c
	v.compiled.Store(&next)
	return nil
}

// compile compiles src with every schema added before it as a resource.
func (v *Validator) compile(src source) (*jsonschema.Schema, error) {
	c := newCompiler()
	for _, other := range v.docs {
		if err := c.AddResource(other.url, other.doc); err != nil {
			return nil, err
		}
	}
	if err := c.AddResource(src.url, src.doc); err != nil {
		return nil, err
	}
	return c.Compile(src.url)
}

// Has reports whether a schema was added under id.
func (v *Validator) Has(id string) bool {
	_, ok := (*v.compiled.Load())[id]
	return ok
}

// IDs lists the ids of the schemas added, sorted.
func (v *Validator) IDs() []string {
	return slices.Sorted(maps.Keys(*v.compiled.Load()))
}

// Validate checks data against the schema added under id. It returns nil, or
// an error for which errors.Is holds for exactly one of ErrUnknownSchema,
// ErrTooLarge, ErrInvalidUTF8, ErrMalformedJSON, ErrTooDeep and ErrInvalid.
// Numbers keep their exact text, so large integers are compared exactly.
func (v *Validator) Validate(id string, data []byte) error {
	sch, ok := (*v.compiled.Load())[id]
	if !ok {
		return fmt.Errorf("validate %s: %w", id, ErrUnknownSchema)
	}
	if len(data) > v.cfg.MaxBytes {
		return fmt.Errorf("validate %s: %w: %d bytes, the maximum is %d", id, ErrTooLarge, len(data), v.cfg.MaxBytes)
	}
	if !utf8.Valid(data) {
		return fmt.Errorf("validate %s: %w at byte %d", id, ErrInvalidUTF8, invalidUTF8At(data))
	}
	if sch.fast != nil && streamCheck(data, sch.fast, v.cfg.MaxDepth) == valid {
		return nil
	}
	doc, err := decodeJSON(data, v.cfg.MaxDepth)
	if err != nil {
		return fmt.Errorf("validate %s: %w", id, err)
	}
	return v.check(id, sch, doc)
}

// ValidateValue checks a payload already decoded into map[string]any,
// []any, string, json.Number (or float64), bool and nil against the schema
// added under id.
func (v *Validator) ValidateValue(id string, doc any) error {
	sch, ok := (*v.compiled.Load())[id]
	if !ok {
		return fmt.Errorf("validate %s: %w", id, ErrUnknownSchema)
	}
	return v.check(id, sch, doc)
}

func (v *Validator) check(id string, c *compiled, doc any) (err error) {
	if c.fast != nil && c.fast.check(doc, 0) == valid {
		return nil
	}
	defer func() {
		// v6 panics on a number whose text big.Rat cannot parse (an
		// exponent beyond ±1e7); decodeJSON never makes one, but
		// ValidateValue takes the caller's values.
		if recover() != nil {
			err = &Error{Schema: id, Causes: []Cause{{Rule: "contains a number that cannot be checked"}}}
		}
	}()
	err = c.schema.Validate(doc)
	if err == nil {
		return nil
	}
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		// v6 returns only *ValidationError; keep its words out of the
		// message anyway, as they might quote the payload.
		return &Error{Schema: id}
	}
	list, omitted := causes(verr, v.cfg.MaxCauses)
	return &Error{Schema: id, Causes: list, Omitted: omitted}
}

func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// CheckSchema reports whether schemaJSON is a JSON Schema that compiles on
// its own, under the same settings a Validator uses. Its error describes the
// schema, not a payload.
func CheckSchema(schemaJSON []byte) error {
	doc, err := parseSchema(schemaJSON)
	if err != nil {
		return err
	}
	const url = "civicbus:///check"
	c := newCompiler()
	if err := c.AddResource(url, doc); err != nil {
		return err
	}
	_, err = c.Compile(url)
	return err
}

// parseSchema decodes a schema document with exact numbers.
func parseSchema(schemaJSON []byte) (any, error) {
	if !utf8.Valid(schemaJSON) {
		return nil, fmt.Errorf("schema is %w", ErrInvalidUTF8)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("schema is %w: %v", ErrMalformedJSON, err)
	}
	switch doc.(type) {
	case map[string]any, bool:
		return doc, nil
	}
	return nil, errors.New("schema must be a JSON object or a boolean")
}
