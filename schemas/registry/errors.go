package registry

import (
	"errors"
	"strings"
)

// The registry's errors. The HTTP API turns each into Confluent's error
// code (see http.go).
var (
	// ErrSubjectNotFound: no version was ever registered under the subject.
	ErrSubjectNotFound = errors.New("subject not found")
	// ErrVersionNotFound: the subject has no such version.
	ErrVersionNotFound = errors.New("version not found")
	// ErrSchemaNotFound: no schema has the id, or the subject has no
	// version with the schema.
	ErrSchemaNotFound = errors.New("schema not found")
	// ErrInvalidSchema: the text is not a JSON Schema the registry accepts.
	ErrInvalidSchema = errors.New("invalid schema")
	// ErrInvalidSubject: a subject name is empty, too long, or has control
	// characters.
	ErrInvalidSubject = errors.New("invalid subject")
	// ErrInvalidVersion: a version is neither a positive number nor latest.
	ErrInvalidVersion = errors.New("invalid version")
	// ErrInvalidMode: not a compatibility mode.
	ErrInvalidMode = errors.New("invalid compatibility level")
	// ErrIncompatible: the schema breaks the subject's compatibility mode.
	// The error is an *IncompatibleError listing why.
	ErrIncompatible = errors.New("incompatible schema")
)

// IncompatibleError refuses a schema that breaks its subject's mode.
type IncompatibleError struct {
	Subject           string
	Mode              Mode
	Incompatibilities []Incompatibility
}

// Error lists every incompatibility.
func (e *IncompatibleError) Error() string {
	var b strings.Builder
	b.WriteString("registry: schema for subject ")
	b.WriteString(e.Subject)
	b.WriteString(" is incompatible (")
	b.WriteString(string(e.Mode))
	b.WriteString("): ")
	for i, inc := range e.Incompatibilities {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(inc.String())
	}
	return b.String()
}

// Is reports whether target is ErrIncompatible.
func (e *IncompatibleError) Is(target error) bool { return target == ErrIncompatible }
