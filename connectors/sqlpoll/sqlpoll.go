// Package sqlpoll is the SQL polling connector: it reads a table (or view)
// incrementally, in order of a monotonic column, from PostgreSQL (a
// postgres:// URL or host=… dbname=… DSN, through pgx) or SQLite (any other
// DSN: a file name or file: URI).
//
// Every Read runs
//
//	SELECT * FROM "table" WHERE "column" > $1 ORDER BY "column", "key" LIMIT batch+1
//
// with $1 the column's value in the last row read; when no row is new it
// waits interval and polls again. Identifiers come from the config only,
// are checked to be plain names and are quoted; the last position is always
// a bind parameter, never spliced into the SQL. Each row is a record whose
// fields are its columns by name (integers and floats as numbers, text as
// strings, timestamps as RFC 3339 strings, dates as 2006-01-02; a numeric is
// an integer when it is whole, a float otherwise), whose Key is
// the key column and whose Position is the column's value as text: the
// checkpoint, so that a restart resumes right after the last row on the bus.
// A database error that means the connection is gone is
// connectors.ErrNotConnected, and the Runtime reconnects with backoff.
//
// Prefer an id column (bigserial, identity) to an updated_at column. Polling
// by a timestamp misses rows: a transaction that began earlier may commit
// after a later one, with an earlier timestamp than a row already read, and
// a "WHERE updated_at > last" never sees it. (Rows that share the last value
// of a batch are not lost: a full batch ends before them, so that the next
// poll reads them all, and a batch whose rows all share one value grows to
// all of them.) Even an id sequence can commit out of order under
// concurrent writers; when that matters, read a view that only shows rows
// older than a few seconds, or use logical replication instead. Changes to
// rows already read are only seen when the column moves forward with them
// (updated_at), and deletes never are. On SQLite, whose timestamps are
// text, poll by an integer id.
//
// A DSN's password never appears in logs or errors.
package sqlpoll

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver

	"github.com/vasteras/civicbus/connectors"
)

// Kind is the sqlpoll connector kind for a connectors.Registry.
func Kind() connectors.Kind {
	return connectors.KindOf("sqlpoll", "reads new rows of a PostgreSQL or SQLite table by a monotonic column", New)
}

// Source is the sqlpoll connectors.Source, connectors.Seeker and
// connectors.Lagger.
type Source struct {
	cfg      Config
	logger   *slog.Logger
	driver   string
	dsn      string
	secret   string // the DSN's password, redacted from errors
	interval time.Duration
	first    string // the query without a position
	next     string // the query after a position
	ties     string // the query of the rows with one value
	key      string

	countAll  string // the backlog without a position
	countNext string // the backlog after a position

	mu    sync.Mutex // guards what Lag reads
	db    *sql.DB
	last  any // the column's value in the last row read; nil before the first
	lag   int64
	lagAt time.Time // when lag was counted; zero before the first count
}

// lagEvery is how often Lag counts the backlog; between counts it subtracts
// the rows read.
const lagEvery = 2 * time.Second

// New returns a sqlpoll Source; logger may be nil. It resolves dsn_env and
// dsn_file but does not connect.
func New(cfg Config, logger *slog.Logger) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	dsn, err := cfg.dsn()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	interval := DefaultInterval
	if cfg.Interval != "" {
		interval, _ = time.ParseDuration(cfg.Interval)
	}
	if cfg.Batch == 0 {
		cfg.Batch = DefaultBatch
	}
	s := &Source{cfg: cfg, logger: logger, dsn: dsn, interval: interval, key: cfg.Key, driver: "sqlite"}
	if s.key == "" {
		s.key = cfg.Column
	}
	switch {
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		s.driver = "pgx"
		if u, err := url.Parse(dsn); err == nil {
			s.secret, _ = u.User.Password()
		}
	case kvDSN.MatchString(dsn): // host=… dbname=… password=…
		s.driver = "pgx"
		if m := kvPassword.FindStringSubmatch(dsn); m != nil {
			s.secret = strings.Trim(m[1], `'`)
		}
	case strings.Contains(dsn, "://"):
		return nil, errors.New("sqlpoll: dsn: a URL must be postgres:// or postgresql://; anything else is a SQLite file")
	}
	table := quoteTable(cfg.Table)
	col := quote(cfg.Column)
	order := col
	if s.key != cfg.Column {
		order += ", " + quote(s.key) // rows that share a value, in a stable order
	}
	s.first = fmt.Sprintf(`SELECT * FROM %s WHERE %s IS NOT NULL ORDER BY %s LIMIT %d`, table, col, order, cfg.Batch+1)
	s.next = fmt.Sprintf(`SELECT * FROM %s WHERE %s > $1 ORDER BY %s LIMIT %d`, table, col, order, cfg.Batch+1)
	s.ties = fmt.Sprintf(`SELECT * FROM %s WHERE %s = $1 ORDER BY %s`, table, col, order)
	s.countAll = fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s IS NOT NULL`, table, col)
	s.countNext = fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s > $1`, table, col)
	return s, nil
}

var (
	kvDSN      = regexp.MustCompile(`^\s*[a-z_]+\s*=`)
	kvPassword = regexp.MustCompile(`password\s*=\s*('[^']*'|\S+)`)
)

// quote quotes an identifier (already checked to be a plain name).
func quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

func quoteTable(t string) string {
	parts := strings.Split(t, ".")
	for i, p := range parts {
		parts[i] = quote(p)
	}
	return strings.Join(parts, ".")
}

// redact returns err's text without the DSN's password.
func (s *Source) redact(err error) string {
	msg := err.Error()
	if s.secret != "" {
		msg = strings.ReplaceAll(msg, s.secret, "xxxxx")
		if esc := url.QueryEscape(s.secret); esc != s.secret {
			msg = strings.ReplaceAll(msg, esc, "xxxxx")
		}
	}
	return msg
}

// Seek implements connectors.Seeker: pos is the column's value of the last
// row on the bus, as text. An integer is restored as an integer, an RFC 3339
// time as a time, anything else as text.
func (s *Source) Seek(pos string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pos == "" {
		s.last = nil
		return nil
	}
	if n, err := strconv.ParseInt(pos, 10, 64); err == nil {
		s.last = n
	} else if t, err := time.Parse(time.RFC3339Nano, pos); err == nil {
		s.last = t
	} else {
		s.last = pos
	}
	return nil
}

// Connect opens the database and pings it.
func (s *Source) Connect(ctx context.Context) error {
	if err := s.Close(ctx); err != nil {
		s.logger.Debug("close", "err", s.redact(err))
	}
	db, err := sql.Open(s.driver, s.dsn)
	if err != nil {
		return fmt.Errorf("sqlpoll: open: %s", s.redact(err))
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("sqlpoll: connect: %s", s.redact(err))
	}
	s.mu.Lock()
	s.db = db
	s.mu.Unlock()
	return nil
}

// Close closes the database.
func (s *Source) Close(ctx context.Context) error {
	s.mu.Lock()
	db := s.db
	s.db = nil
	s.mu.Unlock()
	if db == nil {
		return nil
	}
	return db.Close()
}

// Lag implements connectors.Lagger: the rows after the last one read. It
// counts them at most every lagEvery and subtracts the rows read between
// counts; when it cannot count it says the last count.
func (s *Source) Lag() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil || (!s.lagAt.IsZero() && time.Since(s.lagAt) < lagEvery) {
		return s.lag
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var n int64
	var err error
	if s.last == nil {
		err = s.db.QueryRowContext(ctx, s.countAll).Scan(&n)
	} else {
		err = s.db.QueryRowContext(ctx, s.countNext, s.last).Scan(&n)
	}
	if err != nil {
		s.logger.Debug("lag", "err", s.redact(err))
		return s.lag
	}
	s.lag, s.lagAt = n, time.Now()
	return n
}

// Read returns the next rows after the last position, waiting interval
// between polls that find none.
func (s *Source) Read(ctx context.Context) (connectors.Batch, connectors.AckFunc, error) {
	for {
		s.mu.Lock()
		connected := s.db != nil
		s.mu.Unlock()
		if !connected {
			return nil, nil, connectors.ErrNotConnected
		}
		batch, err := s.poll(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if connGone(err) {
				return nil, nil, fmt.Errorf("%w: sqlpoll: %s", connectors.ErrNotConnected, s.redact(err))
			}
			return nil, nil, fmt.Errorf("sqlpoll: %s: %s", s.cfg.Table, s.redact(err))
		}
		if len(batch) > 0 {
			return batch, nil, nil
		}
		if err := sleep(ctx, s.interval); err != nil {
			return nil, nil, err
		}
	}
}

func (s *Source) poll(ctx context.Context) (connectors.Batch, error) {
	s.mu.Lock()
	db, last := s.db, s.last
	s.mu.Unlock()
	var batch connectors.Batch
	var cols []any
	var err error
	if last == nil {
		batch, cols, err = s.query(ctx, db, s.first)
	} else {
		batch, cols, err = s.query(ctx, db, s.next, last)
	}
	if err != nil {
		return nil, err
	}
	if len(batch) > s.cfg.Batch { // one row more than a batch is read
		// When the row after the batch shares the batch's last value, "> last"
		// would skip it: leave the rows with that value to the next poll, or,
		// when the whole batch shares it, read all of them now.
		lastPos := batch[s.cfg.Batch-1].Position
		n := s.cfg.Batch
		if batch[n].Position == lastPos {
			for n > 0 && batch[n-1].Position == lastPos {
				n--
			}
		}
		if n > 0 {
			batch, cols = batch[:n], cols[:n]
		} else if batch, cols, err = s.query(ctx, db, s.ties, cols[0]); err != nil {
			return nil, err
		}
	}
	if len(batch) > 0 {
		s.mu.Lock()
		s.last = normalize(cols[len(cols)-1])
		s.lag = max(0, s.lag-int64(len(batch)))
		s.mu.Unlock()
	}
	return batch, nil
}

// query runs q and returns its rows as records, with the column's value of
// each.
func (s *Source) query(ctx context.Context, db *sql.DB, q string, args ...any) (connectors.Batch, []any, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, nil, err
	}
	names := make([]string, len(types))
	colIdx, keyIdx := -1, -1
	for i, ct := range types {
		names[i] = ct.Name()
		if names[i] == s.cfg.Column {
			colIdx = i
		}
		if names[i] == s.key {
			keyIdx = i
		}
	}
	if colIdx < 0 {
		return nil, nil, fmt.Errorf("column %q is not in the table", s.cfg.Column)
	}
	if keyIdx < 0 {
		return nil, nil, fmt.Errorf("key column %q is not in the table", s.key)
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var batch connectors.Batch
	var cols []any
	for rows.Next() {
		clear(vals)
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		fields := make(map[string]any, len(vals))
		for i, v := range vals {
			fields[names[i]] = value(v, types[i].DatabaseTypeName())
		}
		pos := posText(vals[colIdx])
		raw, err := json.Marshal(fields)
		if err != nil {
			raw = []byte(fmt.Sprint(fields))
		}
		batch = append(batch, connectors.Record{
			Fields:   fields,
			Key:      posText(vals[keyIdx]),
			Position: pos,
			Origin:   connectors.Origin{File: fmt.Sprintf("%s %s=%s", s.cfg.Table, s.cfg.Column, pos)},
			Raw:      raw,
		})
		cols = append(cols, vals[colIdx])
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return batch, cols, nil
}

// value types a column value for the mapping.
func value(v any, dbType string) any {
	switch v := v.(type) {
	case string:
		if strings.EqualFold(dbType, "NUMERIC") || strings.EqualFold(dbType, "DECIMAL") {
			return number(v)
		}
		return v
	case nil, bool, int64, float64:
		return v
	case []byte:
		return value(string(v), dbType)
	case time.Time:
		if strings.EqualFold(dbType, "DATE") {
			return v.Format(time.DateOnly)
		}
		return v.Format(time.RFC3339Nano)
	case int32:
		return int64(v)
	case int:
		return int64(v)
	case float32:
		return float64(v)
	default:
		return fmt.Sprint(v)
	}
}

// number is a NUMERIC value as an int64 when it is a whole number that fits,
// a float64 otherwise; as the text when it is neither (NaN).
func number(v string) any {
	if n, err := strconv.ParseInt(strings.TrimRight(strings.TrimRight(v, "0"), "."), 10, 64); err == nil && strings.Contains(v, ".") {
		return n
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return f
	}
	return v
}

// normalize makes a driver value a bind parameter that compares like it.
func normalize(v any) any {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case int32:
		return int64(v)
	case int:
		return int64(v)
	}
	return v
}

// posText is a column value as position or key text.
func posText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case int64:
		return strconv.FormatInt(v, 10)
	case []byte:
		return string(v)
	case string:
		return v
	case time.Time:
		return v.Format(time.RFC3339Nano)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

// connGone says whether err means the connection to the database is gone.
func connGone(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, cannot connect now
			return true
		}
		return false
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.As(err, &connErr) || errors.As(err, &netErr) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"conn closed", "connection reset", "broken pipe", "connection refused", "unexpected EOF"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
