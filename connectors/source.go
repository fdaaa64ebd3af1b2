package connectors

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The sentinels a Source returns to steer the Runtime.
var (
	// ErrNotConnected: the Source lost its connection (or was never
	// connected). The Runtime calls Connect again, with backoff.
	ErrNotConnected = errors.New("connectors: not connected")

	// ErrEndOfInput: the Source has nothing more, ever. The Runtime closes it
	// and returns.
	ErrEndOfInput = errors.New("connectors: end of input")
)

// Source reads records from an outside system.
//
// Connect establishes what Read needs; it is called before the first Read
// and again after Read returns ErrNotConnected. Read blocks until it has a
// batch, ctx ends (it returns ctx.Err()), or it fails; it returns
// ErrNotConnected when the connection is gone and ErrEndOfInput when there is
// nothing more. Any other error is retried by the Runtime with backoff. A
// Source holds no retry loops.
//
// The Runtime calls the AckFunc of every batch exactly once, after the
// batch's events (and dead letters) are on the bus and its position is in
// the checkpoint store, with a nil error; or with the error that kept it from
// the bus, and then the batch is read again after a restart. Close releases
// everything; the Runtime calls Read, Connect and Close from one goroutine.
type Source interface {
	Connect(ctx context.Context) error
	Read(ctx context.Context) (Batch, AckFunc, error)
	Close(ctx context.Context) error
}

// Seeker is what a Source with positions also does: Seek is called once,
// before the first Connect, with the position of the last batch that reached
// the bus ("" when none did), so that Read starts after it.
type Seeker interface {
	Seek(position string) error
}

// Lagger is what a Source that knows its backlog also does: Lag says how
// much is waiting to be read, in the Source's own unit (filedrop: files).
// The Runtime calls it from its own goroutine after each batch is acked.
type Lagger interface {
	Lag() int64
}

// AckFunc acknowledges a batch; see Source.
type AckFunc func(ctx context.Context, err error) error

// Batch is the records one Read returns. Its last record's Position is the
// checkpoint stored once the batch is on the bus.
type Batch []Record

// Record is one record of a source.
type Record struct {
	// Fields are the record's values by column or property name: strings for
	// text formats such as CSV, JSON types for JSON. The mapping reads them as
	// row.<name>.
	Fields map[string]any

	// Key is the record's natural key at the source, when it has one. Event
	// ids use the target event's key properties; Key is the fallback when
	// the event has none.
	Key string

	// Position is where the source stands after this record, opaque to the
	// Runtime, which stores it as the checkpoint.
	Position string

	// Origin says where the record came from, for error messages: a file
	// and line, a URL, a table row.
	Origin Origin

	// Raw is the record as the source had it; it is the payload of the dead
	// letter when the record cannot become an event.
	Raw []byte

	// Err, when set, says why the record could not be read whole (a CSV row
	// with missing or extra columns, an NDJSON line that is not JSON). The
	// Runtime sends it to the dead-letter topic without mapping it.
	Err error

	// Done, when set, learns the record's outcome. The Runtime calls it
	// exactly once, from its own goroutine, as soon as the record's batch is
	// on the bus (before the checkpoint and the AckFunc): with nil when the
	// record became an event, with the reason (the mapping or contract error,
	// naming a field or rule, never a value) when it went to the dead-letter
	// topic; or with the error that kept the batch from the bus when Run
	// stopped before it got there. Done must not block. A source that answers
	// a sender per record (webhook) uses it; the others leave it nil.
	Done func(err error)
}

// Origin is where a record came from.
type Origin struct {
	File string // the file or resource
	Line int    // the line, 1-based; 0 when unknown
}

// String formats the origin as file:line.
func (o Origin) String() string {
	if o.Line == 0 {
		return o.File
	}
	return fmt.Sprintf("%s:%d", o.File, o.Line)
}

// JSONFields decodes raw, one JSON object, into a Record's Fields: numbers
// become int64 when they are integers and float64 otherwise, which CEL
// knows. The error says what raw is instead (not JSON, an array, trailing
// data) and never repeats a value.
func JSONFields(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("json: not valid JSON at byte %d", se.Offset)
		}
		return nil, errors.New("json: not valid JSON (truncated or empty)")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("json: %s, not a JSON object", jsonKind(v))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("json: more than one JSON value")
	}
	return NormalizeJSON(obj).(map[string]any), nil
}

// NormalizeJSON turns every json.Number in v (decoded with UseNumber),
// however deep, into int64 when it is an integer and float64 otherwise,
// which CEL knows. Maps and slices are changed in place.
func NormalizeJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = NormalizeJSON(e)
		}
	case []any:
		for i, e := range x {
			x[i] = NormalizeJSON(e)
		}
	}
	return v
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	}
	return "an object"
}
