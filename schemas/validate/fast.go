package validate

import (
	"math/big"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The fast path.
//
// jsonschema/v6 builds a tree of errors as it goes and turns every number it
// checks into a big.Rat, which makes a valid 1 KiB event cost several times
// the 20 µs the bus can spend on it. Most events are valid, so a Validator
// first runs a lean check over the same compiled schema that only answers
// valid, invalid or unsure, allocates almost nothing and compares numbers as
// float64 unless they are too close to a limit to tell. Only when it does
// not answer valid does v6 run, and v6's answer and words are the ones
// returned. The fast path is therefore only ever trusted to say "valid",
// and the differential fuzz test FuzzFastPath holds it to v6's verdict.
//
// Schemas that use keywords the fast path does not know (draft 2019-09 and
// older, $dynamicRef, unevaluated*, content*, vocabulary extensions) get no
// fast path and always take v6's.

// verdict is the fast path's answer.
type verdict uint8

const (
	valid verdict = iota
	invalid
	unsure
)

// fastNode is a compiled schema reduced to what the fast path checks.
type fastNode struct {
	boolean   *bool
	types     typeMask // 0: any type
	consts    *any
	enum      []any
	strEnum   map[string]struct{} // set when every enum value is a string
	format    func(any) error
	strFormat func(string) bool // accepts without format for common formats
	ref       *fastNode

	// streamable: objects and arrays are checked as they are read; pureRef:
	// the node is only a $ref; plainScalar: strings and numbers are checked
	// without boxing them in an interface (see stream.go).
	streamable, pureRef, plainScalar bool

	allOf, anyOf, oneOf []*fastNode
	not                 *fastNode
	ifN, thenN, elseN   *fastNode

	minProps, maxProps *int
	required           []string
	props              map[string]*fastNode
	patternProps       []patternNode
	addlFalse          bool
	addl               *fastNode
	propertyNames      *fastNode
	dependentRequired  map[string][]string
	dependentSchemas   map[string]*fastNode

	minItems, maxItems *int
	uniqueItems        bool
	prefixItems        []*fastNode
	items              *fastNode
	contains           *fastNode
	minContains        *int
	maxContains        *int

	minLength, maxLength *int
	pattern              jsonschema.Regexp

	minimum, maximum, exclMinimum, exclMaximum *limit
	multipleOf                                 *big.Rat
}

type patternNode struct {
	re   jsonschema.Regexp
	node *fastNode
}

// limit is a numeric limit, exact and rounded to the nearest float64.
type limit struct {
	exact   *big.Rat
	rounded float64
}

func newLimit(r *big.Rat) *limit {
	if r == nil {
		return nil
	}
	f, _ := r.Float64()
	return &limit{exact: r, rounded: f}
}

// typeMask is a set of JSON types.
type typeMask uint8

const (
	tNull typeMask = 1 << iota
	tBoolean
	tNumber
	tInteger
	tString
	tArray
	tObject
)

var typeNames = map[string]typeMask{
	"null": tNull, "boolean": tBoolean, "number": tNumber, "integer": tInteger,
	"string": tString, "array": tArray, "object": tObject,
}

// buildFast reduces a compiled schema, and every schema it reaches, to
// fastNodes. It reports false when any of them needs v6.
func buildFast(s *jsonschema.Schema) (*fastNode, bool) {
	b := fastBuilder{memo: map[*jsonschema.Schema]*fastNode{}, ok: true}
	n := b.node(s)
	for _, m := range b.memo {
		m.streamable = m.isStreamable()
		m.pureRef = m.isPureRef()
		m.plainScalar = m.isPlainScalar()
	}
	return n, b.ok
}

type fastBuilder struct {
	memo map[*jsonschema.Schema]*fastNode
	ok   bool
}

func (b *fastBuilder) node(s *jsonschema.Schema) *fastNode {
	if s == nil {
		return nil
	}
	if n, ok := b.memo[s]; ok {
		return n
	}
	n := &fastNode{}
	b.memo[s] = n
	if !supported(s) {
		b.ok = false
		return n
	}
	b.general(n, s)
	b.object(n, s)
	b.array(n, s)
	b.scalar(n, s)
	return n
}

// supported reports whether the fast path knows every keyword s uses.
func supported(s *jsonschema.Schema) bool {
	if s.Bool != nil {
		return true
	}
	return s.DraftVersion >= 2020 &&
		s.DynamicRef == nil && s.RecursiveRef == nil &&
		s.UnevaluatedProperties == nil && s.UnevaluatedItems == nil &&
		s.ContentEncoding == nil && s.ContentMediaType == nil && s.ContentSchema == nil &&
		len(s.Extensions) == 0 && s.Dependencies == nil &&
		s.Items == nil && s.AdditionalItems == nil
}

func (b *fastBuilder) general(n *fastNode, s *jsonschema.Schema) {
	n.boolean = s.Bool
	if s.Types != nil {
		for _, name := range s.Types.ToStrings() {
			n.types |= typeNames[name]
		}
	}
	n.consts = s.Const
	if s.Enum != nil {
		n.enum = s.Enum.Values
		n.strEnum = stringSet(s.Enum.Values)
	}
	if s.Format != nil {
		n.format = s.Format.Validate
		n.strFormat = fastFormats[s.Format.Name]
	}
	n.ref = b.node(s.Ref)
	n.allOf = b.nodes(s.AllOf)
	n.anyOf = b.nodes(s.AnyOf)
	n.oneOf = b.nodes(s.OneOf)
	n.not = b.node(s.Not)
	n.ifN, n.thenN, n.elseN = b.node(s.If), b.node(s.Then), b.node(s.Else)
}

func (b *fastBuilder) object(n *fastNode, s *jsonschema.Schema) {
	n.minProps, n.maxProps = s.MinProperties, s.MaxProperties
	n.required = s.Required
	if len(s.Properties) > 0 {
		n.props = make(map[string]*fastNode, len(s.Properties))
		for name, sub := range s.Properties {
			n.props[name] = b.node(sub)
		}
	}
	for re, sub := range s.PatternProperties {
		n.patternProps = append(n.patternProps, patternNode{re: re, node: b.node(sub)})
	}
	switch addl := s.AdditionalProperties.(type) {
	case bool:
		n.addlFalse = !addl
	case *jsonschema.Schema:
		n.addl = b.node(addl)
	}
	n.propertyNames = b.node(s.PropertyNames)
	n.dependentRequired = s.DependentRequired
	if len(s.DependentSchemas) > 0 {
		n.dependentSchemas = make(map[string]*fastNode, len(s.DependentSchemas))
		for name, sub := range s.DependentSchemas {
			n.dependentSchemas[name] = b.node(sub)
		}
	}
}

func (b *fastBuilder) array(n *fastNode, s *jsonschema.Schema) {
	n.minItems, n.maxItems = s.MinItems, s.MaxItems
	n.uniqueItems = s.UniqueItems
	n.prefixItems = b.nodes(s.PrefixItems)
	n.items = b.node(s.Items2020)
	n.contains = b.node(s.Contains)
	n.minContains, n.maxContains = s.MinContains, s.MaxContains
}

func (b *fastBuilder) scalar(n *fastNode, s *jsonschema.Schema) {
	n.minLength, n.maxLength = s.MinLength, s.MaxLength
	n.pattern = s.Pattern
	n.minimum, n.maximum = newLimit(s.Minimum), newLimit(s.Maximum)
	n.exclMinimum, n.exclMaximum = newLimit(s.ExclusiveMinimum), newLimit(s.ExclusiveMaximum)
	n.multipleOf = s.MultipleOf
}

func (b *fastBuilder) nodes(list []*jsonschema.Schema) []*fastNode {
	if len(list) == 0 {
		return nil
	}
	out := make([]*fastNode, len(list))
	for i, s := range list {
		out[i] = b.node(s)
	}
	return out
}

func stringSet(values []any) map[string]struct{} {
	set := make(map[string]struct{}, len(values))
	for _, v := range values {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		set[s] = struct{}{}
	}
	return set
}
