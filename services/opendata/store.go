package opendata

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/vasteras/civicbus/internal/sqldb"
	"github.com/vasteras/civicbus/services/opendata/release"
)

// Store keeps the opendata service's state in SQL: each dataset's current
// rows (microdata) or cells (aggregates), the events already applied, the
// fields nobody classified, and every published version with its rows and
// privacy report. Versions are never changed once written.
type Store struct {
	db *sqldb.DB
	gc *groupCommit

	stmts                                            []*sql.Stmt
	putRow, getCell, lockCell, putCell, countChanges *sql.Stmt
}

var ddl = []string{
	`CREATE TABLE IF NOT EXISTS opendata_seen (
	dataset_id TEXT NOT NULL,
	event_id   TEXT NOT NULL,
	PRIMARY KEY (dataset_id, event_id))`,
	`CREATE TABLE IF NOT EXISTS opendata_rows (
	dataset_id TEXT NOT NULL,
	row_key    TEXT NOT NULL,
	row_json   TEXT NOT NULL,
	PRIMARY KEY (dataset_id, row_key))`,
	`CREATE TABLE IF NOT EXISTS opendata_cells (
	dataset_id TEXT NOT NULL,
	cell_key   TEXT NOT NULL,
	group_json TEXT NOT NULL,
	agg_json   TEXT NOT NULL,
	PRIMARY KEY (dataset_id, cell_key))`,
	`CREATE TABLE IF NOT EXISTS opendata_state (
	dataset_id      TEXT PRIMARY KEY,
	changes         BIGINT NOT NULL,
	changed_at      TEXT NOT NULL,
	published_changes BIGINT NOT NULL DEFAULT 0)`,
	`CREATE TABLE IF NOT EXISTS opendata_unclassified (
	dataset_id TEXT NOT NULL,
	topic      TEXT NOT NULL,
	field      TEXT NOT NULL,
	first_seen TEXT NOT NULL,
	PRIMARY KEY (dataset_id, topic, field))`,
	`CREATE TABLE IF NOT EXISTS opendata_versions (
	dataset_id   TEXT NOT NULL,
	version      INTEGER NOT NULL,
	published_at TEXT NOT NULL,
	row_count    BIGINT NOT NULL,
	columns_json TEXT NOT NULL,
	sha256       TEXT NOT NULL,
	report_json  TEXT NOT NULL,
	PRIMARY KEY (dataset_id, version))`,
	`CREATE TABLE IF NOT EXISTS opendata_version_rows (
	dataset_id TEXT NOT NULL,
	version    INTEGER NOT NULL,
	row_no     BIGINT NOT NULL,
	row_json   TEXT NOT NULL,
	PRIMARY KEY (dataset_id, version, row_no))`,
}

// OpenStore opens the state at dsn (a SQLite path or a postgres:// URL) and
// creates its tables when they are missing.
func OpenStore(ctx context.Context, dsn string) (*Store, error) {
	db, err := sqldb.OpenWith(ctx, dsn, ddl...)
	if err != nil {
		return nil, fmt.Errorf("opendata: %w", err)
	}
	s := &Store{db: db}
	if err := s.prepare(ctx); err != nil {
		s.closeStmts()
		db.Close()
		return nil, err
	}
	s.gc = startGroupCommit(s.applyBatch)
	return s, nil
}

// Close stops applying (a call of Apply waiting for its commit gets
// ErrClosed unless its transaction committed) and closes the database.
func (s *Store) Close() error {
	s.gc.stop()
	s.closeStmts()
	return s.db.Close()
}

func (s *Store) closeStmts() {
	for _, st := range s.stmts {
		st.Close()
	}
}

// NoteUnclassified records fields of a topic's events that the dataset's
// definition does not classify (they were kept out). It returns the ones
// not noted before, for a warning.
func (s *Store) NoteUnclassified(ctx context.Context, datasetID, topic string, fields []string) ([]string, error) {
	var fresh []string
	now := time.Now().UTC().Format(time.RFC3339)
	for _, f := range fields {
		res, err := s.db.ExecContext(ctx, s.db.Q(`INSERT INTO opendata_unclassified (dataset_id, topic, field, first_seen) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`), datasetID, topic, f, now)
		if err != nil {
			return nil, fmt.Errorf("opendata: note unclassified field: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			fresh = append(fresh, f)
		}
	}
	return fresh, nil
}

// Unclassified lists a dataset's unclassified fields as topic/field.
func (s *Store) Unclassified(ctx context.Context, datasetID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT topic, field FROM opendata_unclassified WHERE dataset_id = ? ORDER BY topic, field`), datasetID)
	if err != nil {
		return nil, fmt.Errorf("opendata: list unclassified: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t, f string
		if err := rows.Scan(&t, &f); err != nil {
			return nil, err
		}
		out = append(out, t+"/"+f)
	}
	return out, rows.Err()
}

// Rows returns a microdata dataset's current rows, in key order.
func (s *Store) Rows(ctx context.Context, datasetID string) ([][]any, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT row_json FROM opendata_rows WHERE dataset_id = ? ORDER BY row_key`), datasetID)
	if err != nil {
		return nil, fmt.Errorf("opendata: read rows: %w", err)
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		var js string
		if err := rows.Scan(&js); err != nil {
			return nil, err
		}
		row, err := decodeRow(js)
		if err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// Cells returns an aggregate dataset's cells, in group order.
func (s *Store) Cells(ctx context.Context, datasetID string) ([]release.Cell, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT group_json, agg_json FROM opendata_cells WHERE dataset_id = ? ORDER BY cell_key`), datasetID)
	if err != nil {
		return nil, fmt.Errorf("opendata: read cells: %w", err)
	}
	defer rows.Close()
	var out []release.Cell
	for rows.Next() {
		var g, a string
		if err := rows.Scan(&g, &a); err != nil {
			return nil, err
		}
		var c release.Cell
		var err error
		if c.Group, err = decodeRow(g); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(a), &c.Agg); err != nil {
			return nil, fmt.Errorf("opendata: decode cell: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// decodeRow decodes a JSON array keeping integers as int64.
func decodeRow(js string) ([]any, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(js), &raw); err != nil {
		return nil, fmt.Errorf("opendata: decode row: %w", err)
	}
	out := make([]any, len(raw))
	for i, r := range raw {
		var n json.Number
		if len(r) > 0 && r[0] != '"' && json.Unmarshal(r, &n) == nil { // json.Number takes "12" too
			if v, err := n.Int64(); err == nil {
				out[i] = v
			} else if f, err := n.Float64(); err == nil {
				out[i] = f
			}
			continue
		}
		if err := json.Unmarshal(r, &out[i]); err != nil {
			return nil, fmt.Errorf("opendata: decode row: %w", err)
		}
	}
	return out, nil
}

// Pending reports how many changes a dataset has had since its last
// version, and the number of its last version (0: none yet).
func (s *Store) Pending(ctx context.Context, datasetID string) (changes int64, lastVersion int, err error) {
	var total, published int64
	err = s.db.QueryRowContext(ctx, s.db.Q(`SELECT changes, published_changes FROM opendata_state WHERE dataset_id = ?`), datasetID).Scan(&total, &published)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, 0, fmt.Errorf("opendata: read state: %w", err)
	}
	var last sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.db.Q(`SELECT MAX(version) FROM opendata_versions WHERE dataset_id = ?`), datasetID).Scan(&last); err != nil {
		return 0, 0, fmt.Errorf("opendata: read versions: %w", err)
	}
	return total - published, int(last.Int64), nil
}

// Version is a published version's record.
type Version struct {
	DatasetID   string          `json:"dataset_id"`
	Version     int             `json:"version"`
	PublishedAt time.Time       `json:"published_at"`
	RowCount    int64           `json:"row_count"`
	Columns     []string        `json:"columns"`
	SHA256      string          `json:"sha256"`
	Report      json.RawMessage `json:"privacy_report"`
}

// ErrNoChange is returned by AddVersion when another writer published the
// same changes first.
var ErrNoChange = errors.New("opendata: nothing changed since the last version")

// AddVersion writes version v.Version with its rows in one transaction and
// marks the changes counted up to then as published. It fails if the
// version exists (versions are immutable).
func (s *Store) AddVersion(ctx context.Context, v Version, rows [][]any, changesSeen int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("opendata: begin: %w", err)
	}
	defer tx.Rollback()
	cols, _ := json.Marshal(v.Columns)
	if _, err := tx.ExecContext(ctx, s.db.Q(`INSERT INTO opendata_versions (dataset_id, version, published_at, row_count, columns_json, sha256, report_json) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		v.DatasetID, v.Version, v.PublishedAt.UTC().Format(time.RFC3339Nano), v.RowCount, string(cols), v.SHA256, string(v.Report)); err != nil {
		return fmt.Errorf("opendata: version %d of %s: %w", v.Version, v.DatasetID, err)
	}
	stmt, err := tx.PrepareContext(ctx, s.db.Q(`INSERT INTO opendata_version_rows (dataset_id, version, row_no, row_json) VALUES (?, ?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("opendata: prepare: %w", err)
	}
	defer stmt.Close()
	for i, r := range rows {
		js, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("opendata: encode row: %w", err)
		}
		if _, err := stmt.ExecContext(ctx, v.DatasetID, v.Version, i+1, string(js)); err != nil {
			return fmt.Errorf("opendata: write row: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.db.Q(`INSERT INTO opendata_state (dataset_id, changes, changed_at, published_changes) VALUES (?, ?, ?, ?)
ON CONFLICT (dataset_id) DO UPDATE SET published_changes = excluded.published_changes`), v.DatasetID, changesSeen, v.PublishedAt.UTC().Format(time.RFC3339Nano), changesSeen); err != nil {
		return fmt.Errorf("opendata: mark published: %w", err)
	}
	return tx.Commit()
}

// Versions lists a dataset's versions, newest first, without rows.
func (s *Store) Versions(ctx context.Context, datasetID string) ([]Version, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT version, published_at, row_count, columns_json, sha256, report_json FROM opendata_versions WHERE dataset_id = ? ORDER BY version DESC`), datasetID)
	if err != nil {
		return nil, fmt.Errorf("opendata: list versions: %w", err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v := Version{DatasetID: datasetID}
		var at, cols, report string
		if err := rows.Scan(&v.Version, &at, &v.RowCount, &cols, &v.SHA256, &report); err != nil {
			return nil, err
		}
		v.PublishedAt, _ = time.Parse(time.RFC3339Nano, at)
		_ = json.Unmarshal([]byte(cols), &v.Columns)
		v.Report = json.RawMessage(report)
		out = append(out, v)
	}
	return out, rows.Err()
}

// VersionRows calls fn with each row of a version from row number after+1
// on, at most limit rows (0: all), in order; it stops early when fn returns
// false. Paging by row number costs the same at any depth.
func (s *Store) VersionRows(ctx context.Context, datasetID string, version int, after int64, limit int, fn func(rowNo int64, row []any) bool) error {
	q := `SELECT row_no, row_json FROM opendata_version_rows WHERE dataset_id = ? AND version = ? AND row_no > ? ORDER BY row_no`
	args := []any{datasetID, version, after}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, s.db.Q(q), args...)
	if err != nil {
		return fmt.Errorf("opendata: read version rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var no int64
		var js string
		if err := rows.Scan(&no, &js); err != nil {
			return err
		}
		row, err := decodeRow(js)
		if err != nil {
			return err
		}
		if !fn(no, row) {
			break
		}
	}
	return rows.Err()
}

// ChangedAt is when a dataset last changed (the zero time when never).
func (s *Store) ChangedAt(ctx context.Context, datasetID string) (time.Time, error) {
	var at string
	err := s.db.QueryRowContext(ctx, s.db.Q(`SELECT changed_at FROM opendata_state WHERE dataset_id = ?`), datasetID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	t, _ := time.Parse(time.RFC3339Nano, at)
	return t, nil
}

// Changes is how many changes a dataset has had in all.
func (s *Store) Changes(ctx context.Context, datasetID string) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, s.db.Q(`SELECT changes FROM opendata_state WHERE dataset_id = ?`), datasetID).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}
