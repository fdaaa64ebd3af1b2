package rules

import (
	"slices"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
)

// baseEnv is the CEL environment every rule starts from: event, the
// strings extension and age_on.
var baseEnv = sync.OnceValues(func() (*cel.Env, error) {
	return cel.NewEnv(
		cel.Variable("event", cel.MapType(cel.StringType, cel.DynType)),
		ext.Strings(),
		cel.Function("age_on",
			cel.Overload("age_on_string_string", []*cel.Type{cel.StringType, cel.StringType}, cel.IntType,
				cel.BinaryBinding(ageOn))),
	)
})

// ageOn is age_on(birth_date, date): whole years of age on date, both
// "2006-01-02" (a longer RFC 3339 string is cut to its date). The error
// names no value.
func ageOn(birth, on ref.Val) ref.Val {
	b, ok1 := dateOf(birth)
	d, ok2 := dateOf(on)
	if !ok1 || !ok2 {
		return types.NewErr("age_on: not a date")
	}
	age := d.Year() - b.Year()
	if d.Month() < b.Month() || (d.Month() == b.Month() && d.Day() < b.Day()) {
		age--
	}
	return types.Int(age)
}

func dateOf(v ref.Val) (time.Time, bool) {
	s, ok := v.(types.String)
	if !ok || len(s) < 10 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, string(s[:10]))
	return t, err == nil
}

// reads lists the field paths an expression reads from each of roots:
// event.a.b gives ["a", "b"] under "event"; has() and ["x"] count too. A
// root used as a whole gives an empty path.
func reads(a *celast.AST, roots []string) map[string][][]string {
	out := map[string][][]string{}
	nav := celast.NavigateAST(a)
	for _, e := range celast.MatchDescendants(nav, celast.KindMatcher(celast.IdentKind)) {
		root := e.AsIdent()
		if !slices.Contains(roots, root) {
			continue
		}
		var path []string
		for cur := e; ; {
			parent, ok := cur.Parent()
			if !ok {
				break
			}
			name, ok := selected(parent, cur)
			if !ok {
				break
			}
			path, cur = append(path, name), parent
		}
		out[root] = append(out[root], path)
	}
	return out
}

// selected is the field name parent selects from child: child.name,
// has(child.name) or child["name"].
func selected(parent, child celast.NavigableExpr) (string, bool) {
	switch parent.Kind() {
	case celast.SelectKind:
		return parent.AsSelect().FieldName(), true
	case celast.CallKind:
		call := parent.AsCall()
		args := call.Args()
		if call.FunctionName() != operators.Index || len(args) != 2 || args[0].ID() != child.ID() ||
			args[1].Kind() != celast.LiteralKind {
			return "", false
		}
		s, ok := args[1].AsLiteral().(types.String)
		return string(s), ok
	}
	return "", false
}

// redactCEL keeps the kind of a CEL evaluation error, not the values it may
// quote.
func redactCEL(err error) string {
	msg := err.Error()
	for _, safe := range []string{"no such key", "no such overload", "division by zero", "type conversion error", "age_on: not a date"} {
		if strings.Contains(msg, safe) {
			return safe
		}
	}
	return "evaluation failed"
}
