package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
)

// Compiled is a definition's expressions, compiled. It is safe for
// concurrent use.
type Compiled struct {
	filter  cel.Program // nil: keep all
	key     cel.Program // nil: the event id
	columns []compiledColumn
	// visible and withDirect are the fields a column sees: the classified
	// ones, without and with the direct identifiers.
	visible, withDirect map[string]bool
	classified          map[string]bool
}

type compiledColumn struct {
	name   string
	typ    string
	prog   cel.Program
	direct bool // pseudonymised: may read direct fields
}

func celEnv() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("event", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("topic", cel.StringType),
		ext.Strings(), ext.Math(),
	)
}

func compile(d *Definition, _ string) (*Compiled, Problems) {
	var ps Problems
	env, err := celEnv()
	if err != nil {
		return nil, Problems{{Msg: "cel: " + err.Error()}}
	}
	c := &Compiled{visible: map[string]bool{}, withDirect: map[string]bool{}, classified: map[string]bool{}}
	for f, class := range d.Source.Fields {
		c.classified[f] = true
		c.withDirect[f] = true
		if class != ClassDirect {
			c.visible[f] = true
		}
	}
	var read []string             // the fields the last expression compiled reads
	readBy := map[string]string{} // every field read → the first expression reading it
	prog := func(path, expr string, mayReadDirect bool) cel.Program {
		ast, iss := env.Compile(expr)
		if iss.Err() != nil {
			ps = append(ps, Problem{Path: path, Msg: iss.Err().Error()})
			return nil
		}
		read = fieldsRead(ast.NativeRep())
		for _, f := range read {
			if _, ok := readBy[f]; !ok && f != "" {
				readBy[f] = path
			}
			switch {
			case f == "":
				ps = append(ps, Problem{Path: path, Msg: "reads event as a whole; read its fields one by one (event.name) so each is classified"})
			case !c.classified[f]:
				ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf("reads field %q, which source.fields does not classify (public, quasi, sensitive or direct)", f)})
			case !mayReadDirect && !c.visible[f]:
				ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf("reads field %q, a direct identifier: only a pseudonymised column or the key may", f)})
			}
		}
		p, err := env.Program(ast)
		if err != nil {
			ps = append(ps, Problem{Path: path, Msg: err.Error()})
			return nil
		}
		return p
	}
	if d.Source.Filter != "" {
		c.filter = prog("source.filter", d.Source.Filter, false)
	}
	if d.Shape.Key != "" {
		c.key = prog("shape.key", d.Shape.Key, true)
	}
	for i, col := range d.Shape.Columns {
		direct := slices.Contains(d.Privacy.Pseudonymise, col.Name)
		path := fmt.Sprintf("shape.columns[%d].expr", i)
		p := prog(path, col.Expr, direct)
		c.columns = append(c.columns, compiledColumn{name: col.Name, typ: col.Type, prog: p, direct: direct})
		if d.Shape.Kind != ShapeMicrodata || direct || slices.Contains(d.Privacy.Drop, col.Name) ||
			slices.ContainsFunc(d.Privacy.QuasiIdentifiers, func(q QuasiIdentifier) bool { return q.Column == col.Name }) {
			continue
		}
		for _, f := range read {
			if d.Source.Fields[f] == ClassQuasi {
				ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf("reads field %q, a quasi-identifier: list the column in privacy.quasi_identifiers (or drop it) so that k-anonymity covers it", f)})
			}
		}
	}
	ps = append(ps, checkPersonal(d, readBy)...)
	if len(ps) > 0 {
		return nil, ps
	}
	return c, nil
}

// fieldsRead lists the event fields an expression reads: event.x, event["x"]
// and has(event.x). "" stands for a use of event as a whole.
func fieldsRead(a *celast.AST) []string {
	var out []string
	nav := celast.NavigateAST(a)
	for _, e := range celast.MatchDescendants(nav, celast.KindMatcher(celast.IdentKind)) {
		if e.AsIdent() != "event" {
			continue
		}
		parent, ok := e.Parent()
		if !ok {
			out = append(out, "")
			continue
		}
		switch parent.Kind() {
		case celast.SelectKind:
			out = append(out, parent.AsSelect().FieldName())
		case celast.CallKind:
			call := parent.AsCall()
			args := call.Args()
			if call.FunctionName() == operators.Index && len(args) == 2 && args[1].Kind() == celast.LiteralKind {
				if s, ok := args[1].AsLiteral().(types.String); ok {
					out = append(out, string(s))
					continue
				}
			}
			out = append(out, "")
		default:
			out = append(out, "")
		}
	}
	return out
}

// Columns lists the columns' names, in order.
func (c *Compiled) Columns() []string {
	out := make([]string, len(c.columns))
	for i, col := range c.columns {
		out[i] = col.name
	}
	return out
}

// Unclassified lists the fields of event that source.fields does not
// classify, sorted: they are kept out of the dataset until a person
// classifies them.
func (c *Compiled) Unclassified(event map[string]any) []string {
	var out []string
	for f := range event {
		if !c.classified[f] {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// Row evaluates the definition on one event: whether the filter keeps it,
// its row key (a hash, so no identifier is stored as a key) and its column
// values, typed. eventID is the key when the shape declares none. Errors
// name the column, never a value.
func (c *Compiled) Row(topic, eventID string, event map[string]any) (keep bool, key string, row []any, err error) {
	visible := map[string]any{"topic": topic, "event": only(event, c.visible)}
	if c.filter != nil {
		out, _, err := c.filter.Eval(visible)
		if err != nil {
			return false, "", nil, fmt.Errorf("source.filter: %s", redactCEL(err))
		}
		if b, ok := out.(types.Bool); !ok || !bool(b) {
			return false, "", nil, nil
		}
	}
	var direct map[string]any
	withDirect := func() map[string]any {
		if direct == nil {
			direct = map[string]any{"topic": topic, "event": only(event, c.withDirect)}
		}
		return direct
	}
	key = eventID
	if c.key != nil {
		out, _, err := c.key.Eval(withDirect())
		if err != nil {
			return false, "", nil, fmt.Errorf("shape.key: %s", redactCEL(err))
		}
		key = fmt.Sprint(out.Value())
	}
	sum := sha256.Sum256([]byte(key))
	key = hex.EncodeToString(sum[:16])
	row = make([]any, len(c.columns))
	for i, col := range c.columns {
		act := visible
		if col.direct {
			act = withDirect()
		}
		out, _, err := col.prog.Eval(act)
		if err != nil {
			return false, "", nil, fmt.Errorf("column %s: %s", col.name, redactCEL(err))
		}
		v, err := typed(out, col.typ)
		if err != nil {
			return false, "", nil, fmt.Errorf("column %s: %w", col.name, err)
		}
		row[i] = v
	}
	return true, key, row, nil
}

func only(event map[string]any, allowed map[string]bool) map[string]any {
	out := make(map[string]any, len(allowed))
	for k, v := range event {
		if allowed[k] {
			out[k] = v
		}
	}
	return out
}

// redactCEL keeps the kind of a CEL evaluation error, not the values it may
// quote.
func redactCEL(err error) string {
	msg := err.Error()
	for _, safe := range []string{"no such key", "no such overload", "division by zero", "type conversion error", "unsupported"} {
		if strings.Contains(msg, safe) {
			return safe
		}
	}
	return "evaluation failed"
}

// typed converts a CEL value to the column's Go type: string, int64,
// float64, bool or a date as "2006-01-02"; null stays nil.
func typed(v ref.Val, typ string) (any, error) {
	if v.Type() == types.NullType {
		return nil, nil
	}
	switch typ {
	case "integer":
		switch x := v.Value().(type) {
		case int64:
			return x, nil
		case uint64:
			return int64(x), nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				return int64(x), nil
			}
		}
		return nil, fmt.Errorf("not an integer (a %s)", v.Type().TypeName())
	case "number":
		switch x := v.Value().(type) {
		case int64:
			return float64(x), nil
		case uint64:
			return float64(x), nil
		case float64:
			return x, nil
		}
		return nil, fmt.Errorf("not a number (a %s)", v.Type().TypeName())
	case "boolean":
		if b, ok := v.Value().(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("not a boolean (a %s)", v.Type().TypeName())
	case "date":
		switch x := v.Value().(type) {
		case time.Time:
			return x.Format(time.DateOnly), nil
		case string:
			if len(x) >= 10 {
				if _, err := time.Parse(time.DateOnly, x[:10]); err == nil {
					return x[:10], nil
				}
			}
		}
		return nil, fmt.Errorf("not a date (a %s)", v.Type().TypeName())
	default:
		switch x := v.Value().(type) {
		case string:
			return x, nil
		case int64, uint64, bool:
			return fmt.Sprint(x), nil
		case float64:
			return fmt.Sprint(x), nil
		}
		return nil, fmt.Errorf("not a string (a %s)", v.Type().TypeName())
	}
}

// Fields lists the classified fields and their classes, sorted.
func (d *Definition) Fields() []string { return slices.Sorted(maps.Keys(d.Source.Fields)) }
