package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// migrations are the store's schema changes, in order; each is applied once,
// in a transaction, and recorded in registry_migrations. Append, never edit.
var migrations = []func(d dialect) []string{
	func(d dialect) []string {
		return []string{
			`CREATE TABLE registry_schemas (
				id ` + d.autoID + `,
				hash TEXT NOT NULL UNIQUE,
				schema_text TEXT NOT NULL)`,
			`CREATE TABLE registry_subjects (name TEXT PRIMARY KEY)`,
			`CREATE TABLE registry_versions (
				subject TEXT NOT NULL REFERENCES registry_subjects (name),
				version INTEGER NOT NULL,
				schema_id BIGINT NOT NULL REFERENCES registry_schemas (id),
				registered_at TEXT NOT NULL,
				PRIMARY KEY (subject, version))`,
			`CREATE TABLE registry_config (scope TEXT PRIMARY KEY, compatibility TEXT NOT NULL)`,
		}
	},
}

// migrate brings the database to the latest migration.
func (s *SQLStore) migrate(ctx context.Context) error {
	fail := func(err error) error { return fmt.Errorf("registry: migrate %s store: %w", s.d.name, err) }
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	if s.d.lockMigrations != "" {
		if _, err := tx.ExecContext(ctx, s.d.lockMigrations); err != nil {
			return fail(err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS registry_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fail(err)
	}
	var done int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM registry_migrations`).Scan(&done); err != nil {
		return fail(err)
	}
	if done > len(migrations) {
		return fail(fmt.Errorf("the database is at migration %d, newer than this program's %d", done, len(migrations)))
	}
	for i := done; i < len(migrations); i++ {
		for _, stmt := range migrations[i](s.d) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fail(fmt.Errorf("migration %d: %w", i+1, err))
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO registry_migrations (version, applied_at) VALUES (?, ?)`),
			i+1, time.Now().UTC().Format(time.RFC3339)); err != nil {
			return fail(fmt.Errorf("migration %d: %w", i+1, err))
		}
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return nil
}

func schemaHash(schema string) string {
	sum := sha256.Sum256([]byte(schema))
	return hex.EncodeToString(sum[:])
}
