package registry

import (
	"context"
	"time"
)

// Version is one registered version of a subject.
type Version struct {
	// Subject is the subject the version belongs to.
	Subject string
	// Version counts the subject's versions from 1.
	Version int
	// ID is the schema's global id: the same schema text has the same id
	// under every subject.
	ID int64
	// Schema is the schema's canonical text (see Schema.Canonical).
	Schema string
	// Registered is when the version was registered, in UTC.
	Registered time.Time
}

// Store keeps subjects, versions, schemas and modes durably.
//
// Implementations are safe for concurrent use, also from several processes
// sharing one database: Register holds a lock on the subject from reading
// its versions to adding the new one.
type Store interface {
	// Register adds schema, in canonical form, as the next version of
	// subject. If a version of subject already has this schema it returns
	// that version with created false and calls nothing. Otherwise it calls
	// check with the subject's versions, oldest first (empty for a new
	// subject), inside the subject's lock, and adds the version only when
	// check returns nil; check's error is returned as is.
	Register(ctx context.Context, subject, schema string, check func([]Version) error) (v Version, created bool, err error)

	// Subjects lists the subjects that have versions, sorted.
	Subjects(ctx context.Context) ([]string, error)

	// Versions lists a subject's versions, oldest first. A subject without
	// versions gives ErrSubjectNotFound.
	Versions(ctx context.Context, subject string) ([]Version, error)

	// SchemaByID returns the schema with a global id, or ErrSchemaNotFound.
	SchemaByID(ctx context.Context, id int64) (string, error)

	// Mode returns the mode configured for subject, or for the registry as
	// a whole when subject is "", and "" when none is.
	Mode(ctx context.Context, subject string) (Mode, error)

	// SetMode configures the mode of subject, or of the registry when
	// subject is "".
	SetMode(ctx context.Context, subject string, mode Mode) error

	// Close releases the store's resources.
	Close() error
}
