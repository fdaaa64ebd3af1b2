// Package contracts checks events against the catalog: it knows which schema
// each topic carries and validates payloads with it. A *Contracts is what
// the bus calls a Contract (bus.Contract, middleware.Contract): the
// producers' bus.CheckedPublisher and the consumers' middleware.Validate take
// it. It implements that interface by its method set alone, without
// importing bus, since schemas imports nothing else of the project.
package contracts

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/validate"
)

// The kinds of error Check returns besides the validator's own (see the
// validate package's Err variables). Test for them with errors.Is.
var (
	// ErrNoContract: the topic is not in the catalog. Check fails closed, so
	// an event on an unknown topic is refused, not let through.
	ErrNoContract = errors.New("no contract for topic")

	// ErrSchemaMismatch: the event names (in ce_dataschema) a schema other
	// than the one its topic carries.
	ErrSchemaMismatch = errors.New("dataschema is not the topic's schema")
)

// Contracts maps each topic of a catalog to its schema id and validates
// events against it. It is safe for concurrent use and never changes after
// New.
type Contracts struct {
	v       *validate.Validator
	schemas map[string]string // topic → schema $id
}

// New adds the schema of every event to v and returns the Contracts of those
// events' topics. v may hold other schemas too; the ones of events must be
// the catalog's (adding a different schema under a taken id is an error).
func New(v *validate.Validator, events []schemas.Event) (*Contracts, error) {
	if v == nil {
		return nil, errors.New("contracts: a validator is required")
	}
	c := &Contracts{v: v, schemas: make(map[string]string, len(events))}
	var errs []error
	for _, e := range events {
		if err := c.add(e); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("contracts: %w", err)
	}
	return c, nil
}

func (c *Contracts) add(e schemas.Event) error {
	if e.Topic == "" {
		return fmt.Errorf("event %s v%d has no topic", e.Subject, e.Version)
	}
	id := e.SchemaID()
	if other, ok := c.schemas[e.Topic]; ok && other != id {
		return fmt.Errorf("topic %s carries two schemas: %s and %s", e.Topic, other, id)
	}
	schema, err := e.Schema()
	if err != nil {
		return err
	}
	if err := c.v.Add(id, schema); err != nil {
		return err
	}
	c.schemas[e.Topic] = id
	return nil
}

// Default returns the Contracts of the whole catalog (schemas.Events) on a
// validator with the default limits (validate.Config{}).
func Default() (*Contracts, error) {
	v, err := validate.New(validate.Config{})
	if err != nil {
		return nil, fmt.Errorf("contracts: %w", err)
	}
	return New(v, schemas.Events())
}

// Check reports whether payload is a valid event for topic: nil, or an error
// for which errors.Is holds for ErrNoContract, ErrSchemaMismatch or one of
// the validate package's kinds (ErrInvalid, ErrMalformedJSON,
// ErrInvalidUTF8, ErrTooLarge, ErrTooDeep). dataschema is the event's
// ce_dataschema; "" means the topic's schema. No error quotes the payload.
func (c *Contracts) Check(topic, dataschema string, payload []byte) error {
	id, ok := c.schemas[topic]
	if !ok {
		return fmt.Errorf("%w %s", ErrNoContract, quote(topic))
	}
	if dataschema != "" && dataschema != id {
		return fmt.Errorf("topic %s: %w: the event names %s, the topic carries %s", topic, ErrSchemaMismatch, quote(dataschema), id)
	}
	return c.v.Validate(id, payload)
}

// SchemaFor returns the $id of the schema that topic carries, which is also
// the CloudEvents dataschema of its events.
func (c *Contracts) SchemaFor(topic string) (string, bool) {
	id, ok := c.schemas[topic]
	return id, ok
}

// Topics lists the topics that have a contract, sorted.
func (c *Contracts) Topics() []string { return slices.Sorted(maps.Keys(c.schemas)) }

// quote bounds and quotes a string that came with an event (a topic name, a
// ce_dataschema header), so that an error stays short and printable.
func quote(s string) string {
	const maxLen = 200
	if len(s) > maxLen {
		return fmt.Sprintf("%q…", s[:maxLen])
	}
	return fmt.Sprintf("%q", s)
}
