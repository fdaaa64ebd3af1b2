package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	schemaregistry "github.com/vasteras/civicbus/schemas/registry"
)

// seed registers every schema of load under its subject (a schema the
// subject already has is left as it is) and returns how many there were.
// Its error lists every subject that failed, with every break of those whose
// committed schema is incompatible with the store's.
func seed(ctx context.Context, reg *schemaregistry.Registry, load func() (map[string][]byte, error), dsn string) (int, error) {
	subjects, err := load()
	if err != nil {
		return 0, fmt.Errorf("registry: schemas to seed: %w", err)
	}
	err = schemaregistry.Seed(ctx, reg, subjects)
	if err == nil {
		return len(subjects), nil
	}
	return 0, seedError(err, redact(dsn))
}

// seedError rewrites Seed's joined error as one report: the incompatible
// subjects with their breaks, one a line, then any other failure.
func seedError(err error, store string) error {
	var incompatible, other []string
	for _, e := range unjoin(err) {
		var inc *schemaregistry.IncompatibleError
		if !errors.As(e, &inc) {
			other = append(other, e.Error())
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "  %s (compatibility %s):", inc.Subject, inc.Mode)
		for _, i := range inc.Incompatibilities {
			b.WriteString("\n    - " + i.String())
		}
		incompatible = append(incompatible, b.String())
	}
	var b strings.Builder
	if len(incompatible) > 0 {
		what := fmt.Sprintf("%d committed schemas are", len(incompatible))
		if len(incompatible) == 1 {
			what = "1 committed schema is"
		}
		fmt.Fprintf(&b, "registry: %s incompatible with the versions in the store at %s, "+
			"which are kept as they are; make each change compatible, or make it a new major version (a new topic; see schemas/README.md):\n%s",
			what, store, strings.Join(incompatible, "\n"))
	}
	if len(other) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.Join(other, "\n"))
	}
	return &seedFailure{report: b.String(), err: err}
}

// seedFailure is the report of seedError; it unwraps to Seed's error, so
// errors.Is(err, schemaregistry.ErrIncompatible) holds for it.
type seedFailure struct {
	report string
	err    error
}

func (f *seedFailure) Error() string { return f.report }
func (f *seedFailure) Unwrap() error { return f.err }

// unjoin lists the errors that errors.Join put together, or err alone.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
