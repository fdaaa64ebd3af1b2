package connectors

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/vasteras/civicbus/schemas"
)

// MappingConfig declares how a source record becomes the target event: one
// CEL expression per event property, reading the record as row, e.g.
//
//	fields:
//	  kitchen_id: "row.kitchen"
//	  total_waste_kg: "double(row.total)"
//
// An expression that yields null leaves its property out.
type MappingConfig struct {
	// Fields maps each event property to its CEL expression.
	Fields map[string]string `yaml:"fields" json:"fields" jsonschema:"description=CEL expression per event property; the record is row."`
	// Version, when set, is a CEL expression for the record's revision at
	// the source (a revision number, an updated_at), part of the event id:
	// a corrected record then makes a new event instead of one that
	// consumers drop as seen. Without it, the same natural key always gives
	// the same id.
	Version string `yaml:"version" json:"version,omitempty" jsonschema:"description=CEL expression for the record's revision; part of the event id."`
}

// Validate reports every problem with the declaration that needs no compiler.
func (c MappingConfig) Validate() error {
	if len(c.Fields) == 0 {
		return errors.New("mapping: fields: at least one field is required")
	}
	var errs []error
	for _, name := range slices.Sorted(mapKeys(c.Fields)) {
		if strings.TrimSpace(c.Fields[name]) == "" {
			errs = append(errs, fmt.Errorf("mapping: field %q: the expression is empty", name))
		}
	}
	return errors.Join(errs...)
}

// Mapping is a compiled MappingConfig for one target event. It is safe for
// concurrent use.
type Mapping struct {
	event  schemas.Event
	fields []compiledField // in name order, so errors come in a stable order
	ver    cel.Program     // nil without a version expression
}

type compiledField struct {
	name string
	prg  cel.Program
}

var structValueType = reflect.TypeFor[*structpb.Value]()

// CompileMapping compiles every expression of cfg once. Its errors name the
// field whose expression does not compile, all of them together.
func CompileMapping(cfg MappingConfig, event schemas.Event) (*Mapping, error) {
	errs := []error{cfg.Validate()}
	env, err := cel.NewEnv(
		cel.Variable("row", cel.MapType(cel.StringType, cel.DynType)),
		ext.Strings(),
	)
	if err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	m := &Mapping{event: event}
	for _, name := range slices.Sorted(mapKeys(cfg.Fields)) {
		if strings.TrimSpace(cfg.Fields[name]) == "" {
			continue // reported by Validate
		}
		ast, iss := env.Compile(cfg.Fields[name])
		if iss.Err() != nil {
			errs = append(errs, fmt.Errorf("mapping: field %q: %w", name, iss.Err()))
			continue
		}
		prg, err := env.Program(ast)
		if err != nil {
			errs = append(errs, fmt.Errorf("mapping: field %q: %w", name, err))
			continue
		}
		m.fields = append(m.fields, compiledField{name: name, prg: prg})
	}
	if strings.TrimSpace(cfg.Version) != "" {
		ast, iss := env.Compile(cfg.Version)
		if iss.Err() != nil {
			errs = append(errs, fmt.Errorf("mapping: version: %w", iss.Err()))
		} else if m.ver, err = env.Program(ast); err != nil {
			errs = append(errs, fmt.Errorf("mapping: version: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return m, nil
}

// Event returns the target event.
func (m *Mapping) Event() schemas.Event { return m.event }

// Apply evaluates every expression on the record's fields and returns the
// event's properties. Its error names the first field that failed, and what
// CEL said; it quotes no record value of its own.
func (m *Mapping) Apply(fields map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m.fields))
	act := map[string]any{"row": fields}
	for _, f := range m.fields {
		v, _, err := f.prg.Eval(act)
		if err != nil {
			return nil, fmt.Errorf("mapping: field %q: %s", f.name, redact(err.Error(), fields))
		}
		if v.Type() == types.NullType {
			continue
		}
		native, err := nativeOf(v)
		if err != nil {
			return nil, fmt.Errorf("mapping: field %q: %w", f.name, err)
		}
		out[f.name] = native
	}
	return out, nil
}

// redact replaces in msg every text value of fields (of 3 bytes or more)
// with "…": some CEL errors quote their input (a timestamp that does not
// parse), and a dead letter's error must never carry a record's value.
func redact(msg string, fields map[string]any) string {
	for _, v := range fields {
		if s, ok := v.(string); ok && len(s) >= 3 && strings.Contains(msg, s) {
			msg = strings.ReplaceAll(msg, s, "…")
		}
	}
	return msg
}

func nativeOf(v ref.Val) (any, error) {
	switch v.Type() {
	case types.StringType, types.IntType, types.UintType, types.DoubleType, types.BoolType:
		return v.Value(), nil
	}
	pv, err := v.ConvertToNative(structValueType)
	if err != nil {
		return nil, fmt.Errorf("result of type %s is not JSON: %w", v.Type().TypeName(), err)
	}
	return pv.(*structpb.Value).AsInterface(), nil
}

// Version returns the record's revision by the version expression, as
// JSON; "" when the mapping has none.
func (m *Mapping) Version(fields map[string]any) (string, error) {
	if m.ver == nil {
		return "", nil
	}
	v, _, err := m.ver.Eval(map[string]any{"row": fields})
	if err != nil {
		return "", fmt.Errorf("mapping: version: %s", redact(err.Error(), fields))
	}
	native, err := nativeOf(v)
	if err != nil {
		return "", fmt.Errorf("mapping: version: %w", err)
	}
	b, err := appendJSON(nil, native)
	return string(b), err
}

// Marshal encodes props, what Apply returned, as the event's JSON: the
// bytes json.Marshal writes, faster.
func (m *Mapping) Marshal(props map[string]any) ([]byte, error) { return marshalObject(props) }

// Key returns the event's natural key in props: the JSON of each of the
// event's key properties (null when absent), joined by a unit separator.
func (m *Mapping) Key(props map[string]any) string {
	parts := make([]string, len(m.event.Key))
	for i, k := range m.event.Key {
		b, err := appendJSON(nil, props[k])
		if err != nil {
			b = []byte("null")
		}
		parts[i] = string(b)
	}
	return strings.Join(parts, "\x1f")
}

// PartitionKey returns the value of the event's partition-key property.
func (m *Mapping) PartitionKey(props map[string]any) string {
	v, ok := props[m.event.PartitionKey]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
