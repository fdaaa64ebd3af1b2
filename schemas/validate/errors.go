package validate

import (
	"errors"
	"strconv"
	"strings"
)

// The kinds of error Validate returns. Test for them with errors.Is; a
// validation failure is also an *Error, and a JSON syntax error a
// *SyntaxError, for errors.As. No error message ever contains a value from
// the payload (values may be personal data, such as a personnummer): they
// name a byte offset or a JSON pointer path and the rule broken.
var (
	// ErrInvalid: the payload is well-formed JSON that does not match its
	// schema. The error is an *Error listing the causes.
	ErrInvalid = errors.New("does not match its schema")

	// ErrMalformedJSON: the payload is not JSON. The error is a *SyntaxError.
	ErrMalformedJSON = errors.New("not valid JSON")

	// ErrInvalidUTF8: the payload is not valid UTF-8, so it is not parsed.
	ErrInvalidUTF8 = errors.New("not valid UTF-8")

	// ErrTooLarge: the payload is longer than Config.MaxBytes.
	ErrTooLarge = errors.New("payload too large")

	// ErrTooDeep: the payload nests objects and arrays deeper than
	// Config.MaxDepth. The error is a *SyntaxError.
	ErrTooDeep = errors.New("payload nested too deeply")

	// ErrUnknownSchema: no schema was added under the id asked for.
	ErrUnknownSchema = errors.New("unknown schema")
)

// Cause is one broken rule: where in the payload, and which rule.
type Cause struct {
	// Path is a JSON pointer (RFC 6901) into the payload: "" for the whole
	// payload, "/readings/3/celsius" for a nested value. For a missing or an
	// unexpected property it points at that property.
	Path string

	// Rule says in plain words what the value at Path must be, with the
	// limits from the schema but never the value itself: "must be >= -60",
	// "required property missing".
	Rule string
}

// String formats c as "path: rule", writing the whole payload's path as
// "(root)".
func (c Cause) String() string {
	p := c.Path
	if p == "" {
		p = "(root)"
	}
	return p + ": " + c.Rule
}

// Error is a payload that does not match its schema. errors.Is(err,
// ErrInvalid) holds for it.
type Error struct {
	// Schema is the id the payload was validated against.
	Schema string

	// Causes are the broken rules, at most Config.MaxCauses of them, in the
	// order of the schema's keywords.
	Causes []Cause

	// Omitted counts the causes left out beyond Config.MaxCauses.
	Omitted int
}

// Error formats e as "validate <schema>: <path>: <rule>; <path>: <rule>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("validate ")
	b.WriteString(e.Schema)
	b.WriteString(": ")
	if len(e.Causes) == 0 {
		b.WriteString(ErrInvalid.Error())
	}
	for i, c := range e.Causes {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.String())
	}
	if e.Omitted > 0 {
		b.WriteString("; and ")
		b.WriteString(strconv.Itoa(e.Omitted))
		b.WriteString(" more")
	}
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// SyntaxError is a payload that is not JSON, or nests too deeply.
// errors.Is(err, ErrMalformedJSON) holds for it, or errors.Is(err,
// ErrTooDeep) when it nests too deeply.
type SyntaxError struct {
	// Offset is the byte offset, from 0, where parsing stopped.
	Offset int64

	// Reason says what was wrong there, without quoting the input.
	Reason string

	tooDeep bool
}

// Error formats e as "not valid JSON at byte 17: expected ':' after object
// key".
func (e *SyntaxError) Error() string {
	return "not valid JSON at byte " + strconv.FormatInt(e.Offset, 10) + ": " + e.Reason
}

// Is reports whether target is ErrMalformedJSON, or ErrTooDeep for a payload
// that nests too deeply.
func (e *SyntaxError) Is(target error) bool {
	if e.tooDeep {
		return target == ErrTooDeep
	}
	return target == ErrMalformedJSON
}
