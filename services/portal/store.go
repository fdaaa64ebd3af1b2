package portal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/vasteras/civicbus/internal/sqldb"
)

// ErrNotFound is returned for a dataset or version the portal does not hold.
var ErrNotFound = errors.New("portal: not found")

// Store keeps what the portal harvested, in its own portal_* tables: each
// dataset's latest definition, and every version with its rows and privacy
// report. A version, once stored, never changes.
type Store struct {
	db *sqldb.DB
	// added wakes the event streams when this Store stores a version.
	added signal
	// gen counts the versions this Store stored; caches of what it holds
	// compare it to see whether they are stale.
	gen atomic.Uint64
	// pageRows and allRows are Rows's statements, prepared once.
	pageRows, allRows *sql.Stmt
}

const rowsQuery = `SELECT row_no, row_json FROM portal_version_rows WHERE dataset_id = ? AND version = ? AND row_no > ? ORDER BY row_no`

var ddl = []string{
	`CREATE TABLE IF NOT EXISTS portal_datasets (
	dataset_id      TEXT PRIMARY KEY,
	name            TEXT NOT NULL,
	definition_json TEXT NOT NULL,
	latest_version  INTEGER NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS portal_datasets_name ON portal_datasets (name)`,
	`CREATE TABLE IF NOT EXISTS portal_versions (
	dataset_id     TEXT NOT NULL,
	version        INTEGER NOT NULL,
	published_at   TEXT NOT NULL,
	row_count      BIGINT NOT NULL,
	columns_json   TEXT NOT NULL,
	sha256         TEXT NOT NULL,
	report_json    TEXT NOT NULL,
	temporal_start TEXT NOT NULL,
	temporal_end   TEXT NOT NULL,
	PRIMARY KEY (dataset_id, version))`,
	`CREATE TABLE IF NOT EXISTS portal_version_rows (
	dataset_id TEXT NOT NULL,
	version    INTEGER NOT NULL,
	row_no     BIGINT NOT NULL,
	row_json   TEXT NOT NULL,
	PRIMARY KEY (dataset_id, version, row_no))`,
	// A version's CSV (comma, header) in chunks that end at row ends: bytes
	// start_at up to end_at of the file.
	`CREATE TABLE IF NOT EXISTS portal_version_csv (
	dataset_id TEXT NOT NULL,
	version    INTEGER NOT NULL,
	start_at   BIGINT NOT NULL,
	end_at     BIGINT NOT NULL,
	chunk      TEXT NOT NULL,
	PRIMARY KEY (dataset_id, version, start_at))`,
}

// maxIdleConns is how many idle database connections a Store keeps.
const maxIdleConns = 64

// OpenStore opens the store at dsn (a SQLite path or a postgres:// URL) and
// creates its tables when they are missing.
func OpenStore(ctx context.Context, dsn string) (*Store, error) {
	db, err := sqldb.OpenWith(ctx, dsn, ddl...)
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	// The pages and APIs read concurrently: keep up to maxIdleConns
	// connections between requests, so that a burst of requests does not
	// open and close connections (a SQLite connection costs its pragmas
	// and its prepared statements). Open ones are not capped: a slow
	// download holds its connection while it streams.
	db.SetMaxIdleConns(maxIdleConns)
	s := &Store{db: db}
	if s.pageRows, err = db.PrepareContext(ctx, db.Q(rowsQuery+` LIMIT ?`)); err == nil {
		s.allRows, err = db.PrepareContext(ctx, db.Q(rowsQuery))
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("portal: prepare: %w", err)
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	for _, st := range []*sql.Stmt{s.pageRows, s.allRows} {
		if st != nil {
			st.Close()
		}
	}
	return s.db.Close()
}

// Version is a stored version of a dataset, without its rows.
type Version struct {
	DatasetID   string
	Version     int
	PublishedAt time.Time
	RowCount    int64
	Columns     []string
	// SHA256 is the hex SHA-256 of the version as CSV (comma, header).
	SHA256 string
	// Report is the privacy report as the open-data service wrote it.
	Report json.RawMessage
	// TemporalStart and TemporalEnd are the dates the data covers ("" when
	// not known).
	TemporalStart, TemporalEnd string
}

// Dataset is a harvested dataset: its definition as of its latest version,
// that version, and when its first version was published.
type Dataset struct {
	Definition
	Latest         Version
	FirstPublished time.Time
}

// Row is one row of a version: the JSON values in the order of the
// version's columns.
type Row = []json.RawMessage

// RowSource yields a version's rows in order to add, which stores each; it
// stops at add's first error and returns it.
type RowSource func(add func(Row) error) error

// AddVersion stores version v of def with the rows that rows yields, and
// its CSV (see CSVFile), and makes def the dataset's definition when v is
// its newest version, all in one transaction. It stores nothing, and
// fails, when the rows do not hash, as CSV, to v.SHA256. It reports false, and changes nothing, when the version
// is already stored: applying a version twice is applying it once.
func (s *Store) AddVersion(ctx context.Context, def Definition, defJSON []byte, v Version, rows RowSource) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("portal: begin: %w", err)
	}
	defer tx.Rollback()
	cols, err := json.Marshal(v.Columns)
	if err != nil {
		return false, fmt.Errorf("portal: encode columns: %w", err)
	}
	res, err := tx.ExecContext(ctx, s.db.Q(`INSERT INTO portal_versions (dataset_id, version, published_at, row_count, columns_json, sha256, report_json, temporal_start, temporal_end)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
		v.DatasetID, v.Version, v.PublishedAt.UTC().Format(time.RFC3339Nano), v.RowCount, string(cols), v.SHA256, string(v.Report), v.TemporalStart, v.TemporalEnd)
	if err != nil {
		return false, fmt.Errorf("portal: version %d of %s: %w", v.Version, v.DatasetID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	if err := s.addRows(ctx, tx, v, rows); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, s.db.Q(`INSERT INTO portal_datasets (dataset_id, name, definition_json, latest_version) VALUES (?, ?, ?, ?)
ON CONFLICT (dataset_id) DO UPDATE SET name = excluded.name, definition_json = excluded.definition_json, latest_version = excluded.latest_version
WHERE excluded.latest_version > portal_datasets.latest_version`), v.DatasetID, def.Name, string(defJSON), v.Version); err != nil {
		return false, fmt.Errorf("portal: dataset %s: %w", v.DatasetID, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("portal: commit: %w", err)
	}
	s.gen.Add(1)
	s.added.notify()
	return true, nil
}

// generation changes each time this Store stores a version.
func (s *Store) generation() uint64 { return s.gen.Load() }

func (s *Store) addRows(ctx context.Context, tx *sqldb.Tx, v Version, rows RowSource) error {
	stmt, err := tx.PrepareContext(ctx, s.db.Q(`INSERT INTO portal_version_rows (dataset_id, version, row_no, row_json) VALUES (?, ?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("portal: prepare: %w", err)
	}
	defer stmt.Close()
	chunks, err := tx.PrepareContext(ctx, s.db.Q(`INSERT INTO portal_version_csv (dataset_id, version, start_at, end_at, chunk) VALUES (?, ?, ?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("portal: prepare: %w", err)
	}
	defer chunks.Close()
	csv, err := newCSVChunker(ctx, chunks, v)
	if err != nil {
		return err
	}
	var n int64
	err = rows(func(r Row) error {
		if err := csv.row(r); err != nil {
			return err
		}
		js, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("portal: encode row %d: %w", n+1, err)
		}
		n++
		if _, err := stmt.ExecContext(ctx, v.DatasetID, v.Version, n, string(js)); err != nil {
			return fmt.Errorf("portal: write row %d: %w", n, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return csv.close()
}

const datasetQuery = `SELECT d.definition_json, v.version, v.published_at, v.row_count, v.columns_json, v.sha256, v.report_json, v.temporal_start, v.temporal_end,
(SELECT MIN(f.published_at) FROM portal_versions f WHERE f.dataset_id = d.dataset_id)
FROM portal_datasets d JOIN portal_versions v ON v.dataset_id = d.dataset_id AND v.version = d.latest_version`

// Datasets lists every dataset with its latest version, by name.
func (s *Store) Datasets(ctx context.Context) ([]Dataset, error) {
	rows, err := s.db.QueryContext(ctx, datasetQuery+` ORDER BY d.name`)
	if err != nil {
		return nil, fmt.Errorf("portal: list datasets: %w", err)
	}
	defer rows.Close()
	var out []Dataset
	for rows.Next() {
		d, err := scanDataset(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Dataset finds a dataset by its UUID or name; ErrNotFound when there is none.
func (s *Store) Dataset(ctx context.Context, idOrName string) (Dataset, error) {
	d, err := scanDataset(s.db.QueryRowContext(ctx, s.db.Q(datasetQuery+` WHERE d.dataset_id = ? OR d.name = ?`), idOrName, idOrName))
	if errors.Is(err, sql.ErrNoRows) {
		return Dataset{}, ErrNotFound
	}
	return d, err
}

func scanDataset(sc interface{ Scan(...any) error }) (Dataset, error) {
	var d Dataset
	var def, first string
	v, err := scanVersion(sc, &def, &first)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(def), &d.Definition); err != nil {
		return d, fmt.Errorf("portal: decode definition: %w", err)
	}
	v.DatasetID = d.ID
	d.Latest = v
	d.FirstPublished, _ = time.Parse(time.RFC3339Nano, first)
	return d, nil
}

// scanVersion scans the version columns, after the destinations before and
// before those after.
func scanVersion(sc interface{ Scan(...any) error }, before *string, after *string) (Version, error) {
	var v Version
	var at, cols, report string
	dest := []any{&v.Version, &at, &v.RowCount, &cols, &v.SHA256, &report, &v.TemporalStart, &v.TemporalEnd}
	if before != nil {
		dest = append([]any{before}, dest...)
	}
	if after != nil {
		dest = append(dest, after)
	}
	if err := sc.Scan(dest...); err != nil {
		return v, err
	}
	v.PublishedAt, _ = time.Parse(time.RFC3339Nano, at)
	if err := json.Unmarshal([]byte(cols), &v.Columns); err != nil {
		return v, fmt.Errorf("portal: decode columns: %w", err)
	}
	v.Report = json.RawMessage(report)
	return v, nil
}

// Versions lists a dataset's versions, newest first, without rows.
func (s *Store) Versions(ctx context.Context, datasetID string) ([]Version, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT version, published_at, row_count, columns_json, sha256, report_json, temporal_start, temporal_end
FROM portal_versions WHERE dataset_id = ? ORDER BY version DESC`), datasetID)
	if err != nil {
		return nil, fmt.Errorf("portal: list versions: %w", err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows, nil, nil)
		if err != nil {
			return nil, err
		}
		v.DatasetID = datasetID
		out = append(out, v)
	}
	return out, rows.Err()
}

// Version returns one version of a dataset; ErrNotFound when there is none.
func (s *Store) Version(ctx context.Context, datasetID string, version int) (Version, error) {
	v, err := scanVersion(s.db.QueryRowContext(ctx, s.db.Q(`SELECT version, published_at, row_count, columns_json, sha256, report_json, temporal_start, temporal_end
FROM portal_versions WHERE dataset_id = ? AND version = ?`), datasetID, version), nil, nil)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	v.DatasetID = datasetID
	return v, err
}

// Rows calls fn with each row of a version from row number after+1 on, at
// most limit rows (0: all), in order, reading them from the database as it
// goes; it stops at fn's first error and returns it. Paging by row number
// costs the same at any depth.
func (s *Store) Rows(ctx context.Context, datasetID string, version int, after int64, limit int, fn func(rowNo int64, row Row) error) error {
	var rows *sql.Rows
	var err error
	if limit > 0 {
		rows, err = s.pageRows.QueryContext(ctx, datasetID, version, after, limit)
	} else {
		rows, err = s.allRows.QueryContext(ctx, datasetID, version, after)
	}
	if err != nil {
		return fmt.Errorf("portal: read rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var no int64
		var js []byte
		if err := rows.Scan(&no, &js); err != nil {
			return fmt.Errorf("portal: read rows: %w", err)
		}
		row, err := splitRow(js)
		if err != nil {
			return fmt.Errorf("portal: decode row %d: %w", no, err)
		}
		if err := fn(no, row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// splitRow splits a stored row, a JSON array of values, into its values
// without decoding them: the values are slices of js. A row that is not the
// compact array AddVersion writes is decoded with encoding/json.
func splitRow(js []byte) (Row, error) {
	if len(js) < 2 || js[0] != '[' || js[len(js)-1] != ']' {
		return decodeRow(js)
	}
	row := make(Row, 0, 8)
	depth, inString, start := 0, false, 1
	for i := 1; i < len(js)-1; i++ {
		c := js[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			row = append(row, json.RawMessage(js[start:i]))
			start = i + 1
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return decodeRow(js)
		}
	}
	if inString || depth != 0 {
		return decodeRow(js)
	}
	if start < len(js)-1 {
		row = append(row, json.RawMessage(js[start:len(js)-1]))
	} else if start > 1 {
		return decodeRow(js) // a trailing comma
	}
	return row, nil
}

func decodeRow(js []byte) (Row, error) {
	var row Row
	err := json.Unmarshal(js, &row)
	return row, err
}
