package casework

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vasteras/civicbus/internal/sqldb"
)

// store is the inbox: the cases, their timelines and decision records as
// projected from the case events, the caseworkers' own entries (comments,
// assignments, confirmations), the access log and the sessions. Decision
// rows are append-only.
type store struct {
	db    *sqldb.DB
	batch *sqldb.Batcher // the projection's transactions, committed together
	stmts sync.Map       // query text → *sql.Stmt, see prepared
}

// batchMax is the most events the projection applies in one transaction.
const batchMax = 256

var ddl = []string{
	`CREATE TABLE IF NOT EXISTS casework_applied (
	event_id   TEXT PRIMARY KEY,
	topic      TEXT NOT NULL,
	applied_at TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS casework_cases (
	case_id          TEXT PRIMARY KEY,
	case_type        TEXT NOT NULL,
	org_unit_id      TEXT NOT NULL,
	reference_number TEXT NOT NULL,
	subject_ref      TEXT NOT NULL,
	deadline         TEXT NOT NULL,
	opened_at        TEXT NOT NULL,
	assignee         TEXT NOT NULL,
	automated_steps  INTEGER NOT NULL DEFAULT 0,
	referred_steps   INTEGER NOT NULL DEFAULT 0)`,
	`CREATE TABLE IF NOT EXISTS casework_assignments (
	case_id     TEXT PRIMARY KEY,
	assignee    TEXT NOT NULL,
	assigned_at TEXT NOT NULL)`,
	// The case types of each unit's cases, for the inbox's filter.
	`CREATE TABLE IF NOT EXISTS casework_unit_types (
	org_unit_id TEXT NOT NULL,
	case_type   TEXT NOT NULL,
	PRIMARY KEY (org_unit_id, case_type))`,
	`CREATE TABLE IF NOT EXISTS casework_closures (
	case_id    TEXT PRIMARY KEY,
	resolution TEXT NOT NULL,
	closed_at  TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS casework_timeline (
	entry_id    TEXT PRIMARY KEY,
	case_id     TEXT NOT NULL,
	kind        TEXT NOT NULL,
	at          TEXT NOT NULL,
	actor_kind  TEXT NOT NULL,
	actor_id    TEXT NOT NULL,
	actor_ver   TEXT NOT NULL,
	step_id     TEXT NOT NULL,
	decision_id TEXT NOT NULL,
	automated   INTEGER NOT NULL,
	body        TEXT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS casework_cases_unit_opened ON casework_cases (org_unit_id, opened_at, case_id)`,
	`CREATE INDEX IF NOT EXISTS casework_cases_opened ON casework_cases (opened_at, case_id)`,
	`CREATE INDEX IF NOT EXISTS casework_timeline_case ON casework_timeline (case_id, at)`,
	`CREATE TABLE IF NOT EXISTS casework_decisions (
	decision_id TEXT PRIMARY KEY,
	case_id     TEXT NOT NULL,
	step_id     TEXT NOT NULL,
	amends_id   TEXT NOT NULL,
	automated   INTEGER NOT NULL,
	actor       TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	decided_at  TEXT NOT NULL,
	record_json TEXT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS casework_decisions_case ON casework_decisions (case_id)`,
	// The automated steps of each case, once each whichever says so first:
	// an automated decision record, or a step-completed event marked
	// automated (keyed by its decision_id, the same record's id, or by its
	// own event id when it names none). The simulated case system sends
	// automated step completions without decision records, and the
	// automation sends both: counting decision records alone showed 0
	// automated steps on a row whose timeline showed two.
	`CREATE TABLE IF NOT EXISTS casework_automated_steps (
	step_key TEXT PRIMARY KEY,
	case_id  TEXT NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS casework_automated_steps_case ON casework_automated_steps (case_id)`,
	`CREATE INDEX IF NOT EXISTS casework_decisions_amends ON casework_decisions (amends_id)`,
	// One row per automated decision of an opened case, with the case's
	// unit, the day it was made and whether it was referred and
	// overridden: what the supervisor view counts, kept by the projection
	// (tx.ruleDecisions) so that the view reads one covering index.
	`CREATE TABLE IF NOT EXISTS casework_rule_decisions (
	decision_id TEXT PRIMARY KEY,
	actor       TEXT NOT NULL,
	org_unit_id TEXT NOT NULL,
	day         TEXT NOT NULL,
	referred    INTEGER NOT NULL,
	overridden  INTEGER NOT NULL)`,
	`CREATE INDEX IF NOT EXISTS casework_rule_decisions_unit ON casework_rule_decisions (org_unit_id, actor, day, referred, overridden)`,
	`CREATE TABLE IF NOT EXISTS casework_access_log (
	entry_id TEXT PRIMARY KEY,
	at       TEXT NOT NULL,
	username TEXT NOT NULL,
	case_id  TEXT NOT NULL,
	action   TEXT NOT NULL,
	allowed  INTEGER NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS casework_sessions (
	token_hash TEXT PRIMARY KEY,
	username   TEXT NOT NULL,
	csrf       TEXT NOT NULL,
	expires_at TEXT NOT NULL)`,
	// The users who signed in by OpenID Connect, as their latest ID token
	// made them: whom a case can be assigned to.
	`CREATE TABLE IF NOT EXISTS casework_people (
	username TEXT PRIMARY KEY,
	name     TEXT NOT NULL,
	role     TEXT NOT NULL,
	units    TEXT NOT NULL,
	seen_at  TEXT NOT NULL)`,
	// The sessions of users signed in by OpenID Connect, with the role and
	// units their ID token gave (a local user's come from the users file).
	`CREATE TABLE IF NOT EXISTS casework_oidc_sessions (
	token_hash TEXT PRIMARY KEY,
	username   TEXT NOT NULL,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL,
	units      TEXT NOT NULL,
	csrf       TEXT NOT NULL,
	expires_at TEXT NOT NULL)`,
}

func openStore(ctx context.Context, dsn string) (*store, error) {
	db, err := sqldb.OpenWith(ctx, dsn, ddl...)
	if err != nil {
		return nil, fmt.Errorf("casework: %w", err)
	}
	s := &store{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	s.batch = sqldb.NewBatcher(db, batchMax)
	return s, nil
}

// countsOf are the expressions that count a case's steps, as kept on its
// row: automated ones (casework_automated_steps), and the decisions
// referred to a person.
const countsOf = `automated_steps = (SELECT COUNT(*) FROM casework_automated_steps a WHERE a.case_id = casework_cases.case_id),
 referred_steps = (SELECT COUNT(*) FROM casework_decisions d WHERE d.case_id = casework_cases.case_id AND d.outcome = 'referred')`

// migrate adds the counts kept on the case row to a store made before
// they were (and counts them once); a store that has them is left alone.
func (s *store) migrate(ctx context.Context) error {
	t, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("casework: migrate: %w", err)
	}
	defer t.Rollback()
	var n int
	if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT automated_steps FROM casework_cases LIMIT 1) probe`).Scan(&n); err == nil {
		return s.backfillRuleDecisions(ctx, t)
	}
	t.Rollback() // PostgreSQL aborts a transaction at its first error
	if t, err = s.db.BeginTx(ctx, nil); err != nil {
		return fmt.Errorf("casework: migrate: %w", err)
	}
	defer t.Rollback()
	ifNot := ""
	if s.db.Postgres {
		ifNot = "IF NOT EXISTS " // two replicas may migrate at once
	}
	for _, q := range []string{
		`ALTER TABLE casework_cases ADD COLUMN ` + ifNot + `automated_steps INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE casework_cases ADD COLUMN ` + ifNot + `referred_steps INTEGER NOT NULL DEFAULT 0`,
		`UPDATE casework_cases SET ` + countsOf,
	} {
		if _, err := t.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("casework: migrate the inbox's counts: %w", err)
		}
	}
	return s.backfillRuleDecisions(ctx, t)
}

// ruleDecisionsOf selects the casework_rule_decisions rows of the
// automated decisions of opened cases; the caller adds a condition.
const ruleDecisionsOf = `INSERT INTO casework_rule_decisions (decision_id, actor, org_unit_id, day, referred, overridden)
SELECT d.decision_id, d.actor, c.org_unit_id, SUBSTR(d.decided_at, 1, 10), CASE WHEN d.outcome = 'referred' THEN 1 ELSE 0 END,
 CASE WHEN EXISTS (SELECT 1 FROM casework_decisions a WHERE a.amends_id = d.decision_id) THEN 1 ELSE 0 END
FROM casework_decisions d JOIN casework_cases c ON c.case_id = d.case_id WHERE d.automated = 1`

// backfillRuleDecisions fills casework_rule_decisions, in t, for a store
// made before it, and commits t.
func (s *store) backfillRuleDecisions(ctx context.Context, t *sqldb.Tx) error {
	var have, decided int
	if err := t.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM casework_rule_decisions LIMIT 1) r),
 (SELECT COUNT(*) FROM (SELECT 1 FROM casework_decisions WHERE automated = 1 LIMIT 1) d)`).Scan(&have, &decided); err != nil {
		return fmt.Errorf("casework: migrate: %w", err)
	}
	if have == 0 && decided > 0 {
		if _, err := t.ExecContext(ctx, ruleDecisionsOf+` ON CONFLICT (decision_id) DO NOTHING`); err != nil {
			return fmt.Errorf("casework: migrate the supervisor's counts: %w", err)
		}
	}
	var steps, automated int
	if err := t.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM casework_automated_steps LIMIT 1) a),
 (SELECT COUNT(*) FROM (SELECT 1 FROM casework_timeline WHERE automated = 1 LIMIT 1) t)`).Scan(&steps, &automated); err != nil {
		return fmt.Errorf("casework: migrate: %w", err)
	}
	if steps == 0 && automated > 0 { // a store made before automated steps were kept: count them once
		for _, q := range []string{
			`INSERT INTO casework_automated_steps (step_key, case_id) SELECT decision_id, case_id FROM casework_decisions WHERE automated = 1 ON CONFLICT DO NOTHING`,
			`INSERT INTO casework_automated_steps (step_key, case_id)
SELECT CASE WHEN decision_id = '' THEN 'event:' || entry_id ELSE decision_id END, case_id FROM casework_timeline
WHERE kind = '` + KindStep + `' AND automated = 1 ON CONFLICT DO NOTHING`,
			`UPDATE casework_cases SET ` + countsOf,
		} {
			if _, err := t.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("casework: migrate the automated steps: %w", err)
			}
		}
	}
	var types, cases int
	if err := t.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM casework_unit_types LIMIT 1) u),
 (SELECT COUNT(*) FROM (SELECT 1 FROM casework_cases LIMIT 1) c)`).Scan(&types, &cases); err != nil {
		return fmt.Errorf("casework: migrate: %w", err)
	}
	if types == 0 && cases > 0 {
		if _, err := t.ExecContext(ctx, `INSERT INTO casework_unit_types (org_unit_id, case_type)
SELECT DISTINCT org_unit_id, case_type FROM casework_cases WHERE 1 = 1 ON CONFLICT DO NOTHING`); err != nil {
			return fmt.Errorf("casework: migrate the case types: %w", err)
		}
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("casework: migrate: %w", err)
	}
	return nil
}

func (s *store) close() error {
	if s.batch != nil {
		s.batch.Close()
	}
	s.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	return s.db.Close()
}

// prepared is q (with ? placeholders) prepared once: parsing a query costs
// SQLite about as much as running a small one, and the pages run the same
// few queries on every request. The queries are the store's own, from a
// small set of texts.
func (s *store) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	q = s.db.Q(q)
	if st, ok := s.stmts.Load(q); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// query runs q prepared.
func (s *store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow runs q prepared (unprepared when it cannot be, so that the
// error comes with the row).
func (s *store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return s.db.QueryRowContext(ctx, s.db.Q(q), args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// execute runs q prepared.
func (s *store) execute(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// tsLayout is how times are stored: fixed width in UTC, so that text
// order is time order (RFC 3339 with trimmed fractions is not).
const tsLayout = "2006-01-02T15:04:05.000000000Z"

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tx is one projection transaction: the event id is claimed first, so an
// event already applied changes nothing.
type tx struct {
	*sqldb.Tx
	s *store
}

func (t tx) exec(q string, args ...any) error {
	_, err := t.Tx.Exec(t.s.db.Q(q), args...)
	return err
}

// execN is exec that returns how many rows changed.
func (t tx) execN(q string, args ...any) (int64, error) {
	res, err := t.Tx.Exec(t.s.db.Q(q), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// lockCase serialises, until t ends, the transactions that change the
// counts kept on caseID's row: a decision applied while its case is being
// opened would otherwise be counted by neither on PostgreSQL (each misses
// the other's uncommitted row). SQLite's transactions are serial already.
func (t tx) lockCase(caseID string) error {
	if !t.s.db.Postgres {
		return nil
	}
	return t.exec(`SELECT pg_advisory_xact_lock(hashtextextended(?, 7310))`, caseID)
}

// applyOnce runs fn in a transaction that also records eventID; when
// eventID was applied before it runs nothing and returns false. The events
// handled at the same time share the transaction (sqldb.Batcher), each in
// a savepoint of its own.
func (s *store) applyOnce(ctx context.Context, eventID, topic string, fn func(tx) error) (bool, error) {
	var applied bool
	err := s.batch.Do(ctx, func(t *sqldb.Tx) error {
		applied = false // a unit may run again
		claimed, err := (tx{t, s}).claim(eventID, topic)
		if !claimed || err != nil {
			return err
		}
		if err := fn(tx{t, s}); err != nil {
			return fmt.Errorf("casework: apply %s: %w", topic, err)
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return applied, nil
}

// claim records eventID as applied in t, and reports false when it was
// before.
func (t tx) claim(eventID, topic string) (bool, error) {
	res, err := t.Tx.Exec(t.s.db.Q(`INSERT INTO casework_applied (event_id, topic, applied_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
		eventID, topic, ts(time.Now()))
	if err != nil {
		return false, fmt.Errorf("casework: claim event: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Entry is one line of a case's timeline.
type Entry struct {
	ID         string          `json:"id"`
	CaseID     string          `json:"-"`
	Kind       string          `json:"kind"`
	At         time.Time       `json:"at"`
	ActorKind  string          `json:"actor_kind"`
	ActorID    string          `json:"actor_id"`
	Version    string          `json:"actor_version,omitempty"`
	StepID     string          `json:"step_id,omitempty"`
	DecisionID string          `json:"decision_id,omitempty"`
	Automated  bool            `json:"automated"`
	Body       json.RawMessage `json:"body,omitempty"`
}

// The timeline entry kinds.
const (
	KindOpened    = "case-opened"
	KindStep      = "step-completed"
	KindDecision  = "decision-recorded"
	KindAmended   = "decision-amended"
	KindClosed    = "case-closed"
	KindComment   = "comment"
	KindAssigned  = "assigned"
	KindConfirmed = "confirmed"
)

func (t tx) entry(e Entry) error {
	body := string(e.Body)
	if body == "" {
		body = "{}"
	}
	return t.exec(`INSERT INTO casework_timeline (entry_id, case_id, kind, at, actor_kind, actor_id, actor_ver, step_id, decision_id, automated, body)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		e.ID, e.CaseID, e.Kind, ts(e.At), e.ActorKind, e.ActorID, e.Version, e.StepID, e.DecisionID, b2i(e.Automated), body)
}

// Case is a case in the inbox.
type Case struct {
	ID              string    `json:"case_id"`
	Type            string    `json:"case_type"`
	TypeTitle       string    `json:"case_type_title,omitempty"` // the case type's title, or its id (see Config.CaseTypes)
	Unit            string    `json:"org_unit_id"`
	ReferenceNumber string    `json:"reference_number,omitempty"`
	SubjectRef      string    `json:"subject_ref,omitempty"`
	Deadline        string    `json:"deadline,omitempty"`
	OpenedAt        time.Time `json:"opened_at"`
	Status          string    `json:"status"`
	Resolution      string    `json:"resolution,omitempty"`
	ClosedAt        string    `json:"closed_at,omitempty"`
	Assignee        string    `json:"assignee,omitempty"`
	Automated       int       `json:"automated_steps"`
	Referred        int       `json:"referred_steps"`
}

// Case statuses.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Filter selects cases. Access control is part of it: only cases of Units
// are selected (none when Units is empty), unless AllUnits is set (admin).
type Filter struct {
	Units     []string // the units the viewer may see
	AllUnits  bool     // every unit, for an admin
	CaseType  string
	Status    string
	Automated bool   // only cases with automated steps
	Assignee  string // only cases assigned to this user
	After     string // a page's Next cursor: the cases after it
}

// PageSize is how many cases a page of the inbox lists.
const PageSize = 50

// errBadCursor is an After that no page gave.
var errBadCursor = errors.New("casework: the page cursor is not valid")

// cursor is the position after c in the inbox order (newest first, then
// by id descending, so that the indexes serve the order without a sort):
// opaque to clients.
func cursor(c Case) string {
	return base64.RawURLEncoding.EncodeToString([]byte(ts(c.OpenedAt) + "|" + c.ID))
}

// parseCursor reads a cursor into the stored opened_at and the case id.
func parseCursor(cur string) (opened, id string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil {
		return "", "", errBadCursor
	}
	opened, id, ok := strings.Cut(string(b), "|")
	if _, err := time.Parse(tsLayout, opened); !ok || err != nil {
		return "", "", errBadCursor
	}
	return opened, id, nil
}

// caseCols and caseFrom read a case: a closure may be projected before
// its case is opened (the topics are not ordered with each other), so the
// status is derived from it rather than written over the case. The counts
// of automated and referred decisions are kept on the case row by the
// projection (see tx.decision and applyOpened), so a page of the inbox
// reads no decision.
const caseFrom = ` FROM casework_cases c LEFT JOIN casework_closures x ON x.case_id = c.case_id`

const caseCols = `c.case_id, c.case_type, c.org_unit_id, c.reference_number, c.subject_ref, c.deadline, c.opened_at,
 CASE WHEN x.case_id IS NULL THEN 'open' ELSE 'closed' END, COALESCE(x.resolution, ''), COALESCE(x.closed_at, ''), c.assignee,
 c.automated_steps, c.referred_steps`

// cases lists a page of the cases f selects, newest first, at most
// PageSize, and the cursor of the next page ("" on the last one). Paging
// is by keyset: a page costs the same at any depth.
func (s *store) cases(ctx context.Context, f Filter) ([]Case, string, error) {
	var where []string
	var args []any
	if !f.AllUnits {
		if len(f.Units) == 0 {
			return nil, "", nil
		}
		cond, unitArgs := unitsIn("c.org_unit_id", f.Units)
		where, args = append(where, cond), unitArgs
	}
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.CaseType != "" {
		add("c.case_type = ?", f.CaseType)
	}
	switch f.Status {
	case StatusOpen:
		where = append(where, "x.case_id IS NULL")
	case StatusClosed:
		where = append(where, "x.case_id IS NOT NULL")
	}
	if f.Assignee != "" {
		add("c.assignee = ?", f.Assignee)
	}
	if f.Automated {
		where = append(where, "c.automated_steps > 0")
	}
	if f.After != "" {
		opened, id, err := parseCursor(f.After)
		if err != nil {
			return nil, "", err
		}
		where = append(where, "(c.opened_at < ? OR (c.opened_at = ? AND c.case_id < ?))")
		args = append(args, opened, opened, id)
	}
	q := `SELECT ` + caseCols + caseFrom
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.query(ctx, q+fmt.Sprintf(" ORDER BY c.opened_at DESC, c.case_id DESC LIMIT %d", PageSize+1), args...)
	if err != nil {
		return nil, "", fmt.Errorf("casework: list cases: %w", err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(out) > PageSize {
		out = out[:PageSize]
		return out, cursor(out[PageSize-1]), nil
	}
	return out, "", nil
}

// unitsIn is the condition that column is one of units.
func unitsIn(column string, units []string) (string, []any) {
	args := make([]any, len(units))
	for i, u := range units {
		args[i] = u
	}
	return column + " IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(units)), ", ") + ")", args
}

func scanCase(r interface{ Scan(...any) error }) (Case, error) {
	var c Case
	var opened string
	if err := r.Scan(&c.ID, &c.Type, &c.Unit, &c.ReferenceNumber, &c.SubjectRef, &c.Deadline, &opened, &c.Status,
		&c.Resolution, &c.ClosedAt, &c.Assignee, &c.Automated, &c.Referred); err != nil {
		return c, err
	}
	c.OpenedAt, _ = time.Parse(time.RFC3339Nano, opened)
	return c, nil
}

// caseTypes lists the case types of f's units' cases, in order.
func (s *store) caseTypes(ctx context.Context, f Filter) ([]string, error) {
	q := `SELECT DISTINCT case_type FROM casework_unit_types`
	var args []any
	if !f.AllUnits {
		if len(f.Units) == 0 {
			return nil, nil
		}
		var cond string
		cond, args = unitsIn("org_unit_id", f.Units)
		q += " WHERE " + cond
	}
	rows, err := s.query(ctx, q+" ORDER BY case_type", args...)
	if err != nil {
		return nil, fmt.Errorf("casework: read case types: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ct string
		if err := rows.Scan(&ct); err != nil {
			return nil, err
		}
		out = append(out, ct)
	}
	return out, rows.Err()
}

// errNoCase is a case that is not in the inbox.
var errNoCase = errors.New("casework: no such case")

// caseByID returns one case.
func (s *store) caseByID(ctx context.Context, id string) (Case, error) {
	c, err := scanCase(s.queryRow(ctx, `SELECT `+caseCols+caseFrom+` WHERE c.case_id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errNoCase
	}
	if err != nil {
		return c, fmt.Errorf("casework: read case: %w", err)
	}
	return c, nil
}

// unitOf is the unit of case id, or "" when the case is not opened yet.
func (s *store) unitOf(ctx context.Context, id string) (string, error) {
	var unit string
	err := s.queryRow(ctx, `SELECT org_unit_id FROM casework_cases WHERE case_id = ?`, id).Scan(&unit)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("casework: read the case's unit: %w", err)
	}
	return unit, nil
}

// timeline is a case's entries: its opening first, then the others by
// time (see openingFirst). The opening is put first whatever its time: a
// case's story starts there, and the simulated case system and the
// automation may stamp a case's first steps before (or at the same
// instant as) its opening.
func (s *store) timeline(ctx context.Context, caseID string) ([]Entry, error) {
	rows, err := s.query(ctx, `SELECT entry_id, kind, at, actor_kind, actor_id, actor_ver, step_id, decision_id, automated, body
FROM casework_timeline WHERE case_id = ? ORDER BY at, entry_id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("casework: read timeline: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at, body string
		var auto int
		if err := rows.Scan(&e.ID, &e.Kind, &at, &e.ActorKind, &e.ActorID, &e.Version, &e.StepID, &e.DecisionID, &auto, &body); err != nil {
			return nil, err
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		e.Automated = auto == 1
		e.Body = json.RawMessage(body)
		out = append(out, e)
	}
	openingFirst(out)
	return out, rows.Err()
}

// openingFirst orders tl (read by time, then entry id): its case-opened
// entries first, then by time; entries of the same instant put a decision
// before the step it completed, and a closing last (the automation stamps
// a decision, its step and the case's next steps alike).
func openingFirst(tl []Entry) {
	rank := func(e Entry) int {
		switch e.Kind {
		case KindDecision, KindAmended:
			return 1
		case KindStep:
			return 2
		case KindClosed:
			return 4
		}
		return 3
	}
	slices.SortStableFunc(tl, func(a, b Entry) int {
		if d := b2i(a.Kind != KindOpened) - b2i(b.Kind != KindOpened); d != 0 {
			return d
		}
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return rank(a) - rank(b)
	})
}

// decisions is a case's decision records as they were published, oldest
// first.
func (s *store) decisions(ctx context.Context, caseID string) ([]json.RawMessage, error) {
	rows, err := s.query(ctx, `SELECT record_json FROM casework_decisions WHERE case_id = ? ORDER BY decided_at, decision_id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("casework: read decisions: %w", err)
	}
	defer rows.Close()
	var out []json.RawMessage
	for rows.Next() {
		var js string
		if err := rows.Scan(&js); err != nil {
			return nil, err
		}
		out = append(out, json.RawMessage(js))
	}
	return out, rows.Err()
}

// decision returns one decision record and its case.
func (s *store) decision(ctx context.Context, id string) (caseID string, rec json.RawMessage, err error) {
	var js string
	err = s.queryRow(ctx, `SELECT case_id, record_json FROM casework_decisions WHERE decision_id = ?`, id).Scan(&caseID, &js)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, errNoCase
	}
	return caseID, json.RawMessage(js), err
}

// logAccess appends a row to the access log.
func (s *store) logAccess(ctx context.Context, id, username, caseID, action string, allowed bool) error {
	_, err := s.execute(ctx, `INSERT INTO casework_access_log (entry_id, at, username, case_id, action, allowed) VALUES (?, ?, ?, ?, ?, ?)`,
		id, ts(time.Now()), username, caseID, action, b2i(allowed))
	if err != nil {
		return fmt.Errorf("casework: access log: %w", err)
	}
	return nil
}

// Access is a row of the access log.
type Access struct {
	Username string `json:"username"`
	CaseID   string `json:"case_id"`
	Action   string `json:"action"`
	Allowed  bool   `json:"allowed"`
}

// accessLog is every access to caseID, oldest first.
func (s *store) accessLog(ctx context.Context, caseID string) ([]Access, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT username, case_id, action, allowed FROM casework_access_log WHERE case_id = ? ORDER BY at`), caseID)
	if err != nil {
		return nil, fmt.Errorf("casework: read access log: %w", err)
	}
	defer rows.Close()
	var out []Access
	for rows.Next() {
		var a Access
		var ok int
		if err := rows.Scan(&a.Username, &a.CaseID, &a.Action, &ok); err != nil {
			return nil, err
		}
		a.Allowed = ok == 1
		out = append(out, a)
	}
	return out, rows.Err()
}
