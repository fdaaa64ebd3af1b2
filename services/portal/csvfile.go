package portal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
)

// csvChunkSize is about how many bytes of a version's CSV one row of
// portal_version_csv holds: a chunk ends at the first row end past it, so
// that each chunk is whole UTF-8 text.
const csvChunkSize = 1 << 20

// csvChunker writes a version's CSV (comma, header), as the rows are
// stored, into portal_version_csv in chunks, and hashes it.
type csvChunker struct {
	ctx  context.Context
	stmt *sql.Stmt
	v    Version
	buf  bytes.Buffer
	cw   *csvWriter
	sum  hash.Hash
	at   int64 // the offset of buf's first byte
}

func newCSVChunker(ctx context.Context, stmt *sql.Stmt, v Version) (*csvChunker, error) {
	c := &csvChunker{ctx: ctx, stmt: stmt, v: v, sum: sha256.New()}
	c.cw = newCSVWriter(io.MultiWriter(&c.buf, c.sum), false)
	if err := c.cw.header(v.Columns); err != nil {
		return nil, fmt.Errorf("portal: write the CSV header: %w", err)
	}
	return c, nil
}

// row adds a row, and stores a chunk when one is full.
func (c *csvChunker) row(r Row) error {
	if err := c.cw.row(r); err != nil {
		return fmt.Errorf("portal: write a CSV row: %w", err)
	}
	if err := c.cw.flush(); err != nil {
		return fmt.Errorf("portal: write a CSV row: %w", err)
	}
	if c.buf.Len() < csvChunkSize {
		return nil
	}
	return c.store()
}

// close stores the last chunk and checks that the CSV hashes to the
// version's sha256.
func (c *csvChunker) close() error {
	if err := c.cw.flush(); err != nil {
		return fmt.Errorf("portal: write the CSV: %w", err)
	}
	if err := c.store(); err != nil {
		return err
	}
	if hex.EncodeToString(c.sum.Sum(nil)) != c.v.SHA256 {
		return fmt.Errorf("portal: dataset %s version %d: the rows do not hash, as CSV, to the version's sha256", c.v.DatasetID, c.v.Version)
	}
	return nil
}

func (c *csvChunker) store() error {
	if c.buf.Len() == 0 {
		return nil
	}
	end := c.at + int64(c.buf.Len())
	if _, err := c.stmt.ExecContext(c.ctx, c.v.DatasetID, c.v.Version, c.at, end, c.buf.String()); err != nil {
		return fmt.Errorf("portal: write the CSV at byte %d: %w", c.at, err)
	}
	c.at = end
	c.buf.Reset()
	return nil
}

// CSVFile opens the CSV (comma, header) stored for a version: it reads its
// chunks from the database as it goes, holding one (about 1 MiB) at a
// time, and seeks, so http.ServeContent can serve ranges of it. It returns
// ErrNotFound when the version has no stored CSV (versions stored before
// the portal kept them). The file reads with ctx.
func (s *Store) CSVFile(ctx context.Context, datasetID string, version int) (io.ReadSeeker, error) {
	var size sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.db.Q(`SELECT MAX(end_at) FROM portal_version_csv WHERE dataset_id = ? AND version = ?`),
		datasetID, version).Scan(&size)
	if err != nil {
		return nil, fmt.Errorf("portal: the CSV's size: %w", err)
	}
	if !size.Valid {
		return nil, ErrNotFound
	}
	return &csvFile{ctx: ctx, s: s, datasetID: datasetID, version: version, size: size.Int64}, nil
}

// csvFile is CSVFile's reader.
type csvFile struct {
	ctx       context.Context
	s         *Store
	datasetID string
	version   int
	size, pos int64
	chunk     []byte
	chunkAt   int64
}

func (f *csvFile) Read(p []byte) (int, error) {
	if f.pos >= f.size {
		return 0, io.EOF
	}
	if f.pos < f.chunkAt || f.pos >= f.chunkAt+int64(len(f.chunk)) {
		if err := f.load(); err != nil {
			return 0, err
		}
	}
	n := copy(p, f.chunk[f.pos-f.chunkAt:])
	f.pos += int64(n)
	return n, nil
}

// load reads the chunk that holds f.pos.
func (f *csvFile) load() error {
	err := f.s.db.QueryRowContext(f.ctx, f.s.db.Q(`SELECT start_at, chunk FROM portal_version_csv
WHERE dataset_id = ? AND version = ? AND start_at <= ? ORDER BY start_at DESC LIMIT 1`), f.datasetID, f.version, f.pos).Scan(&f.chunkAt, &f.chunk)
	if err == nil && (f.pos < f.chunkAt || f.pos >= f.chunkAt+int64(len(f.chunk))) {
		err = errors.New("the chunks do not cover the file")
	}
	if err != nil {
		f.chunk = nil
		return fmt.Errorf("portal: read the CSV at byte %d: %w", f.pos, err)
	}
	return nil
}

func (f *csvFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += f.size
	case io.SeekStart:
	default:
		return f.pos, errors.New("portal: seek: invalid whence")
	}
	if offset < 0 {
		return f.pos, errors.New("portal: seek: negative position")
	}
	f.pos = offset
	return offset, nil
}

// BackfillCSV stores the CSV of each version stored without one (versions
// harvested before the portal kept them), from the version's rows, each in
// a transaction of its own, checked against the version's sha256: a
// version whose rows do not hash to it keeps no CSV (its downloads are
// still written from its rows). It reports how many versions it filled.
func (s *Store) BackfillCSV(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT v.dataset_id, v.version, v.columns_json, v.sha256 FROM portal_versions v
WHERE NOT EXISTS (SELECT 1 FROM portal_version_csv c WHERE c.dataset_id = v.dataset_id AND c.version = v.version)
ORDER BY v.dataset_id, v.version`)
	if err != nil {
		return 0, fmt.Errorf("portal: versions without a CSV: %w", err)
	}
	var todo []Version
	for rows.Next() {
		var v Version
		var cols string
		if err := rows.Scan(&v.DatasetID, &v.Version, &cols, &v.SHA256); err != nil {
			rows.Close()
			return 0, fmt.Errorf("portal: versions without a CSV: %w", err)
		}
		if err := json.Unmarshal([]byte(cols), &v.Columns); err != nil {
			rows.Close()
			return 0, fmt.Errorf("portal: decode columns: %w", err)
		}
		todo = append(todo, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("portal: versions without a CSV: %w", err)
	}
	filled := 0
	var errs []error
	for _, v := range todo {
		if err := s.backfillCSV(ctx, v); err != nil {
			if ctx.Err() != nil {
				return filled, ctx.Err()
			}
			errs = append(errs, err)
			continue
		}
		filled++
	}
	return filled, errors.Join(errs...)
}

// backfillCSV writes version v's CSV in a transaction, reading its rows on
// another connection.
func (s *Store) backfillCSV(ctx context.Context, v Version) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("portal: begin: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, s.db.Q(`INSERT INTO portal_version_csv (dataset_id, version, start_at, end_at, chunk) VALUES (?, ?, ?, ?, ?)`))
	if err != nil {
		return fmt.Errorf("portal: prepare: %w", err)
	}
	defer stmt.Close()
	c, err := newCSVChunker(ctx, stmt, v)
	if err != nil {
		return err
	}
	if err := s.Rows(ctx, v.DatasetID, v.Version, 0, 0, func(_ int64, r Row) error { return c.row(r) }); err != nil {
		return err
	}
	if err := c.close(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("portal: commit: %w", err)
	}
	return nil
}
