package validate

import (
	"encoding/json"
	"reflect"
	"sync"
)

// Streaming: the fast path checks most of a payload while it parses it.
//
// Where a schema node only constrains an object's properties or an array's
// items one by one (properties, required, additionalProperties, items,
// prefixItems and the counts), the payload is checked as it is read and no
// map or slice is built. A node that needs the whole value (enum, const,
// the applicators, uniqueItems, contains, patternProperties, …) gets that
// value built by the decoder and checked by fastNode.check. Scalars are
// checked by fastNode.check too; they cost nothing to build.
//
// The answer is trusted only when it is valid, and valid also means the
// payload parsed under exactly decodeJSON's rules; anything odd, a syntax
// error included, answers unsure and the payload goes to decodeJSON and v6.

// maxStreamKeys is the most keys an object may have on the streaming path,
// where duplicates are found by comparing each new key with the ones before
// it; objects with more go to decodeJSON, which uses a map.
const maxStreamKeys = 64

// anyNode accepts every value.
var anyNode = &fastNode{streamable: true}

// keyStacks recycles the decoders' key stacks.
var keyStacks = sync.Pool{New: func() any { s := make([]string, 0, 2*maxStreamKeys); return &s }}

// streamCheck parses data and checks it against n in one pass.
func streamCheck(data []byte, n *fastNode, maxDepth int) verdict {
	keys := keyStacks.Get().(*[]string)
	d := decoder{data: string(data), maxDepth: maxDepth, keys: (*keys)[:0]}
	r := d.streamAll(n)
	clear(d.keys[:cap(d.keys)]) // drop the references to data
	*keys = d.keys[:0]
	keyStacks.Put(keys)
	return r
}

func (d *decoder) streamAll(n *fastNode) verdict {
	d.skipSpace()
	r := d.stream(n, 0)
	if r != valid {
		return r
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return unsure
	}
	return valid
}

// isStreamable reports whether n can check an object or array as it is
// read: it has no keyword that needs the whole value.
func (n *fastNode) isStreamable() bool {
	return n.boolean == nil && n.ref == nil && !n.hasApplicators() &&
		n.consts == nil && n.enum == nil && n.format == nil &&
		n.propertyNames == nil && n.dependentRequired == nil && n.dependentSchemas == nil &&
		n.patternProps == nil && n.contains == nil && !n.uniqueItems
}

func (n *fastNode) hasApplicators() bool {
	return n.allOf != nil || n.anyOf != nil || n.oneOf != nil || n.not != nil || n.ifN != nil
}

// isPureRef reports whether n is a $ref and nothing else that validates.
func (n *fastNode) isPureRef() bool {
	if n.ref == nil {
		return false
	}
	bare := *n
	bare.ref = nil
	return bare.isEmpty()
}

// isEmpty reports whether n has no validating keyword (the flags computed
// from them aside).
func (n fastNode) isEmpty() bool {
	n.streamable, n.pureRef, n.plainScalar = false, false, false
	return reflect.ValueOf(n).IsZero()
}

// isPlainScalar reports whether n checks strings and numbers with only the
// keywords checkStringValue and checkNumberValue handle themselves.
func (n *fastNode) isPlainScalar() bool {
	return n.boolean == nil && !n.hasApplicators() && n.consts == nil &&
		(n.format == nil || n.strFormat != nil) && (n.enum == nil || n.strEnum != nil)
}

// stream checks the value at d.pos against n (nil: any value) and moves
// past it.
func (d *decoder) stream(n *fastNode, depth int) verdict {
	if n == nil {
		n = anyNode
	}
	if d.pos >= len(d.data) {
		return unsure
	}
	c := d.data[d.pos]
	switch {
	case c == '"':
		s, err := d.str()
		if err != nil {
			return unsure
		}
		return n.checkStringValue(s, depth)
	case c == '-' || (c >= '0' && c <= '9'):
		text, err := d.numberText()
		if err != nil {
			return unsure
		}
		return n.checkNumberValue(text, depth)
	case c != '{' && c != '[':
		v, err := d.value()
		if err != nil {
			return unsure
		}
		return n.check(v, depth)
	}
	for n.pureRef {
		if depth++; depth > maxFastDepth {
			return unsure
		}
		n = n.ref
	}
	if n.boolean != nil {
		if !*n.boolean {
			return invalid
		}
		n = anyNode
	}
	switch {
	case n.streamable && c == '{':
		if n.types != 0 && n.types&tObject == 0 {
			return invalid
		}
		return d.streamObject(n, depth)
	case n.streamable:
		if n.types != 0 && n.types&tArray == 0 {
			return invalid
		}
		return d.streamArray(n, depth)
	default:
		v, err := d.value()
		if err != nil {
			return unsure
		}
		return n.check(v, depth)
	}
}

func (d *decoder) streamObject(n *fastNode, depth int) verdict {
	if d.enter() != nil {
		return unsure
	}
	d.pos++ // '{'
	start := len(d.keys)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return d.endObject(n, start)
	}
	for {
		if r := d.streamMember(n, start, depth); r != valid {
			return r
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return unsure
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case '}':
			d.pos++
			return d.endObject(n, start)
		default:
			return unsure
		}
	}
}

// streamMember reads one "key": value of an object whose keys start at
// d.keys[start].
func (d *decoder) streamMember(n *fastNode, start, depth int) verdict {
	if d.pos >= len(d.data) || d.data[d.pos] != '"' || len(d.keys)-start >= maxStreamKeys {
		return unsure
	}
	key, err := d.str()
	if err != nil {
		return unsure
	}
	for _, k := range d.keys[start:] {
		if k == key {
			return unsure // duplicate: decodeJSON says so
		}
	}
	d.keys = append(d.keys, key)
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != ':' {
		return unsure
	}
	d.pos++
	d.skipSpace()
	child, ok := n.props[key]
	if !ok {
		if n.addlFalse {
			return invalid
		}
		child = n.addl
	}
	return d.stream(child, depth+1)
}

// endObject checks an object just read and forgets its keys. (On any
// other answer than valid the parse is abandoned, so nothing needs undoing.)
func (d *decoder) endObject(n *fastNode, start int) verdict {
	d.depth--
	r := n.objectCounts(d.keys[start:])
	d.keys = d.keys[:start]
	return r
}

// objectCounts applies the rules on an object's set of keys.
func (n *fastNode) objectCounts(keys []string) verdict {
	if (n.minProps != nil && len(keys) < *n.minProps) || (n.maxProps != nil && len(keys) > *n.maxProps) {
		return invalid
	}
next:
	for _, req := range n.required {
		for _, k := range keys {
			if k == req {
				continue next
			}
		}
		return invalid
	}
	return valid
}

func (d *decoder) streamArray(n *fastNode, depth int) verdict {
	if d.enter() != nil {
		return unsure
	}
	d.pos++ // '['
	d.skipSpace()
	count := 0
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return n.itemCount(count)
	}
	for {
		child := n.items
		if count < len(n.prefixItems) {
			child = n.prefixItems[count]
		}
		if r := d.stream(child, depth+1); r != valid {
			return r
		}
		count++
		d.skipSpace()
		if d.pos >= len(d.data) {
			return unsure
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case ']':
			d.pos++
			d.depth--
			return n.itemCount(count)
		default:
			return unsure
		}
	}
}

func (n *fastNode) itemCount(count int) verdict {
	if (n.minItems != nil && count < *n.minItems) || (n.maxItems != nil && count > *n.maxItems) {
		return invalid
	}
	return valid
}

// checkStringValue is check for a string, without boxing it when n is plain.
func (n *fastNode) checkStringValue(s string, depth int) verdict {
	for n.pureRef {
		if depth++; depth > maxFastDepth {
			return unsure
		}
		n = n.ref
	}
	if !n.plainScalar {
		return n.check(s, depth)
	}
	if n.types != 0 && n.types&tString == 0 {
		return invalid
	}
	if n.strEnum != nil {
		if _, ok := n.strEnum[s]; !ok {
			return invalid
		}
	}
	if n.format != nil && !n.strFormat(s) && n.format(s) != nil {
		return invalid
	}
	if n.ref != nil {
		if r := n.ref.checkStringValue(s, depth+1); r != valid {
			return r
		}
	}
	return n.checkString(s)
}

// checkNumberValue is check for a number given as its JSON text, without
// boxing it when n is plain.
func (n *fastNode) checkNumberValue(text string, depth int) verdict {
	for n.pureRef {
		if depth++; depth > maxFastDepth {
			return unsure
		}
		n = n.ref
	}
	if !n.plainScalar || n.strEnum != nil {
		return n.check(json.Number(text), depth)
	}
	if n.types != 0 && n.types&tNumber == 0 {
		if n.types&tInteger == 0 {
			return invalid
		}
		if r := isIntegerText(text); r != valid {
			return r
		}
	}
	if n.ref != nil {
		if r := n.ref.checkNumberValue(text, depth+1); r != valid {
			return r
		}
	}
	if !n.hasNumberLimits() {
		return valid
	}
	f, ok := parseFloat(text)
	if !ok {
		return unsure
	}
	return n.checkNumber(f, text)
}
