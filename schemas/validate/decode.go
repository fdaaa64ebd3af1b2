package validate

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// decoder is a strict JSON parser producing the values jsonschema/v6
// validates: map[string]any, []any, string, json.Number, bool and nil.
//
// It exists instead of encoding/json for three reasons: it is several times
// faster for the small events on the bus, its error messages never quote the
// input (encoding/json's name the offending character), and it rejects
// duplicate object keys, on which JSON parsers disagree (one reads the first,
// another the last), so that what is validated is what every consumer reads.
//
// The input must already be valid UTF-8.
type decoder struct {
	data     string // the payload, converted once so strings are slices of it
	pos      int
	depth    int
	maxDepth int
	keys     []string // streaming only: the keys of the objects being read
}

// decodeJSON parses data as exactly one JSON value surrounded by optional
// whitespace. Its errors are *SyntaxError.
func decodeJSON(data []byte, maxDepth int) (any, error) {
	d := decoder{data: string(data), maxDepth: maxDepth}
	d.skipSpace()
	v, err := d.value()
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return nil, d.fail("unexpected data after the top-level value")
	}
	return v, nil
}

func (d *decoder) fail(reason string) *SyntaxError {
	return &SyntaxError{Offset: int64(d.pos), Reason: reason}
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value() (any, error) {
	if d.pos >= len(d.data) {
		return nil, d.fail("unexpected end of input")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	default:
		return nil, d.fail("unexpected character, expected a value")
	}
}

func (d *decoder) literal(word string) error {
	end := d.pos + len(word)
	if end > len(d.data) || d.data[d.pos:end] != word {
		return d.fail("invalid literal, expected true, false or null")
	}
	d.pos = end
	return nil
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > d.maxDepth {
		return &SyntaxError{Offset: int64(d.pos), Reason: "nested deeper than " + strconv.Itoa(d.maxDepth) + " levels", tooDeep: true}
	}
	return nil
}

func (d *decoder) object() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // '{'
	obj := make(map[string]any, 8)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return obj, nil
	}
	for {
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.fail("expected a string as object key")
		}
		keyAt := d.pos
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		if _, dup := obj[key]; dup {
			return nil, &SyntaxError{Offset: int64(keyAt), Reason: "duplicate object key"}
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.fail("expected ':' after object key")
		}
		d.pos++
		d.skipSpace()
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		obj[key] = v
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.fail("unexpected end of input in object")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case '}':
			d.pos++
			d.depth--
			return obj, nil
		default:
			return nil, d.fail("expected ',' or '}' in object")
		}
	}
}

func (d *decoder) array() (any, error) {
	if err := d.enter(); err != nil {
		return nil, err
	}
	d.pos++ // '['
	arr := make([]any, 0, 4)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return arr, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.fail("unexpected end of input in array")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case ']':
			d.pos++
			d.depth--
			return arr, nil
		default:
			return nil, d.fail("expected ',' or ']' in array")
		}
	}
}

// str parses a string starting at the opening quote. A string without
// escapes is a slice of the payload, with no copy.
func (d *decoder) str() (string, error) {
	start := d.pos + 1
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return d.data[start:i], nil
		case c == '\\':
			return d.escapedStr(start, i)
		case c < 0x20:
			d.pos = i
			return "", d.fail("control character in string")
		}
	}
	d.pos = len(d.data)
	return "", d.fail("unexpected end of input in string")
}

// escapedStr continues a string at its first backslash, at index i.
func (d *decoder) escapedStr(start, i int) (string, error) {
	buf := make([]byte, 0, i-start+16)
	buf = append(buf, d.data[start:i]...)
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return string(buf), nil
		case c < 0x20:
			d.pos = i
			return "", d.fail("control character in string")
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(d.data) {
			break
		}
		var n int
		var ok bool
		buf, n, ok = d.unescape(buf, i)
		if !ok {
			d.pos = i
			return "", d.fail("invalid escape sequence in string")
		}
		i += n
	}
	d.pos = len(d.data)
	return "", d.fail("unexpected end of input in string")
}

var simpleEscapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// unescape appends the escape sequence at data[i] (a backslash) to buf and
// reports how many input bytes it used. Lone surrogates become U+FFFD, as
// encoding/json does.
func (d *decoder) unescape(buf []byte, i int) ([]byte, int, bool) {
	e := d.data[i+1]
	if e != 'u' {
		if r := simpleEscapes[e]; r != 0 {
			return append(buf, r), 2, true
		}
		return buf, 0, false
	}
	r, ok := hex4(d.data, i+2)
	if !ok {
		return buf, 0, false
	}
	if !utf16.IsSurrogate(r) {
		return utf8.AppendRune(buf, r), 6, true
	}
	if i+12 <= len(d.data) && d.data[i+6] == '\\' && d.data[i+7] == 'u' {
		if r2, ok := hex4(d.data, i+8); ok {
			if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
				return utf8.AppendRune(buf, dec), 12, true
			}
		}
	}
	return utf8.AppendRune(buf, utf8.RuneError), 6, true
}

func hex4(data string, at int) (rune, bool) {
	if at+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(data[at : at+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// Limits on number literals. Valid JSON allows any, but the schema checks
// compare numbers exactly, as big.Rat, whose cost grows with the literal's
// length and exponent (1e1000000 takes tens of milliseconds, and v6 panics
// on 1e10000000): these limits, far beyond any float64, keep one payload
// from buying seconds of work.
const (
	maxNumberLen = 100
	maxExponent  = 400
)

// number parses a number and keeps its text, so that large integers stay
// exact.
func (d *decoder) number() (any, error) {
	text, err := d.numberText()
	if err != nil {
		return nil, err
	}
	return json.Number(text), nil
}

// numberText parses -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (d *decoder) numberText() (string, error) {
	start := d.pos
	i := d.pos
	if d.data[i] == '-' {
		i++
	}
	switch {
	case i < len(d.data) && d.data[i] == '0':
		i++
	case i < len(d.data) && d.data[i] >= '1' && d.data[i] <= '9':
		i = d.digits(i)
	default:
		d.pos = i
		return "", d.fail("invalid number")
	}
	if i < len(d.data) && d.data[i] == '.' {
		j := d.digits(i + 1)
		if j == i+1 {
			d.pos = j
			return "", d.fail("invalid number, expected a digit after '.'")
		}
		i = j
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		j := d.digits(i)
		if j == i {
			d.pos = j
			return "", d.fail("invalid number, expected a digit in the exponent")
		}
		if exp, err := strconv.Atoi(d.data[i:j]); err != nil || exp > maxExponent {
			d.pos = start
			return "", d.fail("number exponent out of range (at most 1e±" + strconv.Itoa(maxExponent) + ")")
		}
		i = j
	}
	if i-start > maxNumberLen {
		d.pos = start
		return "", d.fail("number longer than " + strconv.Itoa(maxNumberLen) + " characters")
	}
	d.pos = i
	return d.data[start:i], nil
}

func (d *decoder) digits(i int) int {
	for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
		i++
	}
	return i
}
