// Package registry is civicbus's schema registry: one subject per event type
// and major version, numbered versions of its schema, global schema ids, and
// a compatibility mode per subject checked whenever a version is registered.
//
// Registry holds the rules, Store keeps the data (SQLStore on SQLite or
// PostgreSQL), Check compares two schemas, and NewHandler serves the HTTP
// API of Confluent Schema Registry, so that its tools and habits carry over.
package registry

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"unicode"
	"unicode/utf8"
)

// Version numbers with a meaning of their own.
const (
	// Latest asks for a subject's latest version.
	Latest = -1
	// AllVersions asks TestCompatibility to compare as Register does: with
	// the latest version, or every version under a _TRANSITIVE mode.
	AllVersions = 0
)

// maxSubjectLen is the longest subject name accepted, in bytes.
const maxSubjectLen = 255

// Registry is the schema registry. It is safe for concurrent use, as its
// Store is.
type Registry struct {
	store Store
}

// New returns a registry keeping its data in store.
func New(store Store) *Registry { return &Registry{store: store} }

// Register adds schema as a new version of subject after checking it under
// the subject's mode; the error is an *IncompatibleError listing every break
// when it fails. Registering a schema the subject already has returns that
// version again, unchecked.
func (r *Registry) Register(ctx context.Context, subject string, schema []byte) (Version, error) {
	if err := checkSubject(subject); err != nil {
		return Version{}, err
	}
	newer, err := Parse(schema)
	if err != nil {
		return Version{}, err
	}
	mode, err := r.Mode(ctx, subject)
	if err != nil {
		return Version{}, err
	}
	v, _, err := r.store.Register(ctx, subject, newer.Canonical(), func(existing []Version) error {
		incs, err := compareWith(mode, existing, AllVersions, newer)
		if err != nil {
			return err
		}
		if len(incs) > 0 {
			return &IncompatibleError{Subject: subject, Mode: mode, Incompatibilities: incs}
		}
		return nil
	})
	return v, err
}

// compareWith checks newer against the versions mode calls for: the one
// numbered version (or Latest), or with AllVersions the latest, or all of
// them under a _TRANSITIVE mode.
func compareWith(mode Mode, existing []Version, version int, newer *Schema) ([]Incompatibility, error) {
	if mode == None || len(existing) == 0 {
		return nil, nil
	}
	against := existing[len(existing)-1:]
	switch {
	case version > 0:
		i := slices.IndexFunc(existing, func(v Version) bool { return v.Version == version })
		if i < 0 {
			return nil, ErrVersionNotFound
		}
		against = existing[i : i+1]
	case version == AllVersions && mode.Transitive():
		against = existing
	}
	var out []Incompatibility
	for _, v := range against {
		older, err := Parse([]byte(v.Schema))
		if err != nil {
			return nil, fmt.Errorf("registry: stored version %d of %s: %w", v.Version, v.Subject, err)
		}
		for _, inc := range Check(mode, older, newer) {
			inc.Version = v.Version
			out = append(out, inc)
		}
	}
	return out, nil
}

// TestCompatibility checks schema against a version of subject (Latest, a
// number, or AllVersions to check as Register would) under the subject's
// mode, and returns every break, registering nothing.
func (r *Registry) TestCompatibility(ctx context.Context, subject string, version int, schema []byte) ([]Incompatibility, error) {
	if err := checkSubject(subject); err != nil {
		return nil, err
	}
	newer, err := Parse(schema)
	if err != nil {
		return nil, err
	}
	existing, err := r.store.Versions(ctx, subject)
	if err != nil {
		return nil, err
	}
	mode, err := r.Mode(ctx, subject)
	if err != nil {
		return nil, err
	}
	if version == Latest {
		version = existing[len(existing)-1].Version
	}
	return compareWith(mode, existing, version, newer)
}

// Lookup returns the version of subject that has schema, or
// ErrSubjectNotFound or ErrSchemaNotFound.
func (r *Registry) Lookup(ctx context.Context, subject string, schema []byte) (Version, error) {
	if err := checkSubject(subject); err != nil {
		return Version{}, err
	}
	s, err := Parse(schema)
	if err != nil {
		return Version{}, err
	}
	versions, err := r.store.Versions(ctx, subject)
	if err != nil {
		return Version{}, err
	}
	for _, v := range versions {
		if v.Schema == s.Canonical() {
			return v, nil
		}
	}
	return Version{}, ErrSchemaNotFound
}

// Subjects lists the subjects that have versions, sorted.
func (r *Registry) Subjects(ctx context.Context) ([]string, error) { return r.store.Subjects(ctx) }

// Versions lists a subject's versions, oldest first, or ErrSubjectNotFound.
func (r *Registry) Versions(ctx context.Context, subject string) ([]Version, error) {
	return r.store.Versions(ctx, subject)
}

// Version returns one version of subject, or its latest for Latest.
func (r *Registry) Version(ctx context.Context, subject string, version int) (Version, error) {
	if version < 1 && version != Latest {
		return Version{}, ErrInvalidVersion
	}
	versions, err := r.store.Versions(ctx, subject)
	if err != nil {
		return Version{}, err
	}
	if version == Latest {
		return versions[len(versions)-1], nil
	}
	for _, v := range versions {
		if v.Version == version {
			return v, nil
		}
	}
	return Version{}, ErrVersionNotFound
}

// SchemaByID returns the schema with a global id, or ErrSchemaNotFound.
func (r *Registry) SchemaByID(ctx context.Context, id int64) (string, error) {
	return r.store.SchemaByID(ctx, id)
}

// Mode returns the mode in force for subject: its own, else the global one,
// else DefaultMode. For subject "" it returns the global mode.
func (r *Registry) Mode(ctx context.Context, subject string) (Mode, error) {
	for _, scope := range []string{subject, ""} {
		m, err := r.store.Mode(ctx, scope)
		if err != nil || m != "" {
			return m, err
		}
		if scope == "" {
			break
		}
	}
	return DefaultMode, nil
}

// SubjectMode returns the mode configured for subject itself, or "".
func (r *Registry) SubjectMode(ctx context.Context, subject string) (Mode, error) {
	return r.store.Mode(ctx, subject)
}

// SetMode configures the mode of subject, or the global mode for "".
func (r *Registry) SetMode(ctx context.Context, subject string, mode Mode) error {
	if !mode.Valid() {
		return fmt.Errorf("%w: %q", ErrInvalidMode, mode)
	}
	if subject != "" {
		if err := checkSubject(subject); err != nil {
			return err
		}
	}
	return r.store.SetMode(ctx, subject, mode)
}

// checkSubject refuses a subject name that is empty, too long, not UTF-8 or
// has control characters.
func checkSubject(subject string) error {
	switch {
	case subject == "":
		return fmt.Errorf("%w: empty", ErrInvalidSubject)
	case len(subject) > maxSubjectLen:
		return fmt.Errorf("%w: longer than %d bytes", ErrInvalidSubject, maxSubjectLen)
	case !utf8.ValidString(subject):
		return fmt.Errorf("%w: not UTF-8", ErrInvalidSubject)
	case slices.ContainsFunc([]rune(subject), unicode.IsControl):
		return fmt.Errorf("%w: control character", ErrInvalidSubject)
	}
	return nil
}

// Seed registers schemas (subject → schema) in subject order, at startup:
// a schema already registered is left as it is, so seeding twice changes
// nothing. It goes on past a failing subject and returns every failure.
//
// The service seeds the committed generated schemas, one subject per topic
// (schemas.Event.Topic → schemas.Event.Schema()), as schemas/README.md
// describes.
func Seed(ctx context.Context, r *Registry, schemas map[string][]byte) error {
	var errs []error
	for _, subject := range slices.Sorted(maps.Keys(schemas)) {
		if _, err := r.Register(ctx, subject, schemas[subject]); err != nil {
			errs = append(errs, fmt.Errorf("registry: seed %s: %w", subject, err))
		}
	}
	return errors.Join(errs...)
}
