package validate

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// maxSegment is the longest property name a path shows in full; longer ones
// are cut, so that a hostile payload cannot make an error message huge.
const maxSegment = 64

// maxListed is how many allowed enum values a rule lists.
const maxListed = 10

// causes flattens v6's tree of errors to its leaves, in order, converted to
// plain words, without duplicates. It returns at most limit causes and the
// count of the ones left out.
func causes(verr *jsonschema.ValidationError, limit int) ([]Cause, int) {
	c := collector{limit: limit, seen: map[Cause]bool{}}
	c.walk(verr)
	return c.out, c.omitted
}

type collector struct {
	limit   int
	out     []Cause
	omitted int
	seen    map[Cause]bool
}

func (c *collector) walk(e *jsonschema.ValidationError) {
	if len(e.Causes) > 0 {
		for _, sub := range e.Causes {
			c.walk(sub)
		}
		return
	}
	for _, cause := range leafCauses(e) {
		if c.seen[cause] {
			continue
		}
		c.seen[cause] = true
		if len(c.out) < c.limit {
			c.out = append(c.out, cause)
		} else {
			c.omitted++
		}
	}
}

// leafCauses converts one leaf error. Most give one cause at the failing
// value; required, dependentRequired, additionalProperties and propertyNames
// give one cause per property named, pointing at it.
func leafCauses(e *jsonschema.ValidationError) []Cause {
	at := pointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		return perProperty(at, k.Missing, "required property missing")
	case *kind.DependentRequired:
		return perProperty(at, k.Missing, "required property missing (because "+strconv.Quote(segment(k.Prop))+" is present)")
	case *kind.Dependency:
		return perProperty(at, k.Missing, "required property missing (because "+strconv.Quote(segment(k.Prop))+" is present)")
	case *kind.AdditionalProperties:
		return perProperty(at, k.Properties, "property not allowed")
	case *kind.PropertyNames:
		return perProperty(at, []string{k.Property}, "property name not allowed")
	}
	return []Cause{{Path: at, Rule: rule(e.ErrorKind)}}
}

func perProperty(at string, props []string, rule string) []Cause {
	out := make([]Cause, 0, len(props))
	for _, p := range props {
		out = append(out, Cause{Path: at + "/" + escapeToken(segment(p)), Rule: rule})
	}
	return out
}

// rule says in plain words what a value must be. It uses only what the
// schema wants, never what the payload has, except the payload's JSON type.
func rule(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return "must be " + strings.Join(k.Want, " or ") + ", not " + k.Got
	case *kind.Enum:
		return enumRule(k.Want)
	case *kind.Const:
		return enumRule([]any{k.Want})
	case *kind.Format:
		return "must be a valid " + k.Want
	case *kind.Pattern:
		return "must match pattern " + k.Want
	case *kind.Minimum:
		return "must be >= " + ratString(k.Want)
	case *kind.Maximum:
		return "must be <= " + ratString(k.Want)
	case *kind.ExclusiveMinimum:
		return "must be > " + ratString(k.Want)
	case *kind.ExclusiveMaximum:
		return "must be < " + ratString(k.Want)
	case *kind.MultipleOf:
		return "must be a multiple of " + ratString(k.Want)
	}
	if r, ok := sizeRule(k); ok {
		return r
	}
	return otherRule(k)
}

// sizeRule covers the rules on lengths and counts.
func sizeRule(k jsonschema.ErrorKind) (string, bool) {
	switch k := k.(type) {
	case *kind.MinLength:
		return "must be at least " + count(k.Want, "character") + " long", true
	case *kind.MaxLength:
		return "must be at most " + count(k.Want, "character") + " long", true
	case *kind.MinItems:
		return "must have at least " + count(k.Want, "item"), true
	case *kind.MaxItems:
		return "must have at most " + count(k.Want, "item"), true
	case *kind.MinProperties:
		return "must have at least " + count(k.Want, "property"), true
	case *kind.MaxProperties:
		return "must have at most " + count(k.Want, "property"), true
	case *kind.AdditionalItems:
		return "has too many items: the last " + strconv.Itoa(k.Count) + " are not allowed", true
	case *kind.UniqueItems:
		return fmt.Sprintf("items %d and %d must not be equal", k.Duplicates[0], k.Duplicates[1]), true
	case *kind.MinContains:
		return "must contain at least " + count(k.Want, "matching item"), true
	case *kind.MaxContains:
		return "must contain at most " + count(k.Want, "matching item"), true
	}
	return "", false
}

func otherRule(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.FalseSchema:
		return "no value allowed here"
	case *kind.RefCycle:
		return "cannot be checked: the schema's $refs form a cycle"
	case *kind.Not:
		return "must not match the schema in 'not'"
	case *kind.AnyOf:
		return "must match at least one of the alternatives in 'anyOf'"
	case *kind.OneOf:
		if len(k.Subschemas) >= 2 {
			return fmt.Sprintf("must match exactly one of the alternatives in 'oneOf', but matched %d and %d", k.Subschemas[0], k.Subschemas[1])
		}
		return "must match exactly one of the alternatives in 'oneOf'"
	case *kind.Contains:
		return "must contain a matching item"
	case *kind.ContentEncoding:
		return "must be " + k.Want + " encoded"
	case *kind.ContentMediaType:
		return "must be of media type " + k.Want
	case *kind.ContentSchema:
		return "content must match the schema in 'contentSchema'"
	}
	if kw := k.KeywordPath(); len(kw) > 0 {
		return "fails the rule '" + strings.Join(kw, "/") + "'"
	}
	return "does not match the schema"
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case strings.HasSuffix(noun, "y"):
		noun = noun[:len(noun)-1] + "ies"
	default:
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}

// enumRule lists the schema's allowed values.
func enumRule(want []any) string {
	if len(want) == 1 {
		return "must be " + display(want[0])
	}
	parts := make([]string, 0, min(len(want), maxListed)+1)
	for i, w := range want {
		if i == maxListed {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, display(w))
	}
	return "must be one of " + strings.Join(parts, ", ")
}

func display(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return v.String()
	case bool, float64, int:
		return fmt.Sprint(v)
	default:
		return "the object or array given in the schema"
	}
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// pointer joins path tokens to a JSON pointer.
func pointer(tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(escapeToken(segment(t)))
	}
	return b.String()
}

func escapeToken(t string) string {
	if !strings.ContainsAny(t, "~/") {
		return t
	}
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(t)
}

// segment cuts a property name longer than maxSegment bytes, at a rune
// boundary, and marks the cut with "…".
func segment(s string) string {
	if len(s) <= maxSegment {
		return s
	}
	cut := maxSegment
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
