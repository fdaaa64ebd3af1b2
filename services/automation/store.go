package automation

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vasteras/civicbus/internal/sqldb"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/rules"
)

// store keeps the automation service's state: every decision recorded
// (append-only, the audit trail and what makes a redelivered event change
// nothing) and the projections rules look up (the population register).
type store struct {
	db *sqldb.DB
}

var ddl = []string{
	`CREATE TABLE IF NOT EXISTS automation_decisions (
	decision_id TEXT PRIMARY KEY,
	case_id     TEXT NOT NULL,
	rule        TEXT NOT NULL,
	outcome     TEXT NOT NULL,
	record_json TEXT NOT NULL,
	recorded_at TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS automation_projection (
	projection TEXT NOT NULL,
	key_hash   TEXT NOT NULL,
	record     TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	PRIMARY KEY (projection, key_hash))`,
	`CREATE TABLE IF NOT EXISTS automation_population (
	area_code TEXT NOT NULL,
	year      INTEGER NOT NULL,
	age       INTEGER NOT NULL,
	sex       TEXT NOT NULL,
	persons   BIGINT NOT NULL,
	PRIMARY KEY (area_code, year, age, sex))`,
	`CREATE TABLE IF NOT EXISTS automation_forecast_due (
	area_code  TEXT PRIMARY KEY,
	changed_at TEXT NOT NULL,
	due        INTEGER NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS automation_portions (
	kitchen_id TEXT NOT NULL,
	day        TEXT NOT NULL,
	portions   BIGINT NOT NULL,
	PRIMARY KEY (kitchen_id, day))`,
	`CREATE TABLE IF NOT EXISTS automation_due (
	kind       TEXT NOT NULL,
	key        TEXT NOT NULL,
	changed_at TEXT NOT NULL,
	due        INTEGER NOT NULL,
	PRIMARY KEY (kind, key))`,
	`CREATE TABLE IF NOT EXISTS automation_weather (
	kind      TEXT NOT NULL,
	source    TEXT NOT NULL,
	at        TEXT NOT NULL,
	issued_at TEXT NOT NULL,
	period    TEXT NOT NULL,
	record    TEXT NOT NULL,
	PRIMARY KEY (kind, source, at, issued_at, period))`,
	`CREATE TABLE IF NOT EXISTS automation_units (
	unit_id   TEXT PRIMARY KEY,
	area_code TEXT NOT NULL,
	unit_type TEXT NOT NULL,
	capacity  BIGINT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS automation_rule_versions (
	rule_id      TEXT NOT NULL,
	version      INTEGER NOT NULL,
	content_hash TEXT NOT NULL,
	first_loaded TEXT NOT NULL,
	PRIMARY KEY (rule_id, version))`,
	`CREATE TABLE IF NOT EXISTS automation_enrolment (
	unit_id        TEXT NOT NULL,
	reference_date TEXT NOT NULL,
	grade          TEXT NOT NULL,
	age            INTEGER NOT NULL,
	enrolled       BIGINT NOT NULL,
	PRIMARY KEY (unit_id, reference_date, grade, age))`,
	`CREATE TABLE IF NOT EXISTS automation_cases (
	case_id   TEXT PRIMARY KEY,
	case_type TEXT NOT NULL,
	opened_at TEXT NOT NULL)`,
	`CREATE TABLE IF NOT EXISTS automation_alarms (
	alarm_id  TEXT PRIMARY KEY,
	kind      TEXT NOT NULL,
	raised_at TEXT NOT NULL)`,
}

func openStore(ctx context.Context, dsn string) (*store, error) {
	db, err := sqldb.OpenWith(ctx, dsn, ddl...)
	if err != nil {
		return nil, fmt.Errorf("automation: %w", err)
	}
	return &store{db: db}, nil
}

func (s *store) close() error { return s.db.Close() }

// recorded reports whether a decision is on record.
func (s *store) recorded(ctx context.Context, id string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, s.db.Q(`SELECT 1 FROM automation_decisions WHERE decision_id = ?`), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// unrecorded returns the decisions of ds not on record, in order, with one
// query.
func (s *store) unrecorded(ctx context.Context, ds []rules.Decision) ([]rules.Decision, error) {
	if len(ds) == 0 {
		return nil, nil
	}
	q := `SELECT decision_id FROM automation_decisions WHERE decision_id IN (?` + strings.Repeat(`, ?`, len(ds)-1) + `)`
	args := make([]any, len(ds))
	for i, d := range ds {
		args[i] = d.DecisionID
	}
	rows, err := s.db.QueryContext(ctx, s.db.Q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	on := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		on[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []rules.Decision
	for _, d := range ds {
		if !on[d.DecisionID] {
			out = append(out, d)
		}
	}
	return out, nil
}

// recordAll appends decisions in one transaction; recording one twice
// changes nothing.
func (s *store) recordAll(ctx context.Context, ds []rules.Decision) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("automation: record decisions: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for _, d := range ds {
		js, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.db.Q(`INSERT INTO automation_decisions (decision_id, case_id, rule, outcome, record_json, recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			d.DecisionID, d.CaseID, d.DecidedBy.ID+"@"+d.DecidedBy.Version, string(d.Outcome), string(js), now); err != nil {
			return fmt.Errorf("automation: record decision: %w", err)
		}
	}
	return tx.Commit()
}

// caseOpened reports whether the service opened a case already.
func (s *store) caseOpened(ctx context.Context, id string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, s.db.Q(`SELECT 1 FROM automation_cases WHERE case_id = ?`), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// recordCase records that a case was opened; recording it twice changes
// nothing.
func (s *store) recordCase(ctx context.Context, id, caseType string) error {
	_, err := s.db.ExecContext(ctx, s.db.Q(`INSERT INTO automation_cases (case_id, case_type, opened_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
		id, caseType, time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("automation: record case: %w", err)
	}
	return nil
}

// decisions counts the decisions on record.
func (s *store) decisions(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM automation_decisions`).Scan(&n)
	return n, err
}

// keyHash is how a projection's key (a personnummer) is stored: hashed, so
// the table's key column holds no identifier.
func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// put sets a projection's record under key (the latest event wins).
func (s *store) put(ctx context.Context, projection, key string, record map[string]any) error {
	js, err := json.Marshal(record)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, s.db.Q(`INSERT INTO automation_projection (projection, key_hash, record, updated_at) VALUES (?, ?, ?, ?)
ON CONFLICT (projection, key_hash) DO UPDATE SET record = excluded.record, updated_at = excluded.updated_at`),
		projection, keyHash(key), string(js), time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return fmt.Errorf("automation: projection %s: %w", projection, err)
	}
	return nil
}

// Get implements rules.Lookups over the projections.
func (s *store) Get(ctx context.Context, projection, key string) (map[string]any, bool, error) {
	var js string
	err := s.db.QueryRowContext(ctx, s.db.Q(`SELECT record FROM automation_projection WHERE projection = ? AND key_hash = ?`), projection, keyHash(key)).Scan(&js)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("automation: projection %s: %w", projection, err)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(js), &rec); err != nil {
		return nil, false, err
	}
	return rec, true, nil
}

// alarmKnown reports whether an alarm id is on record.
func (s *store) alarmKnown(ctx context.Context, id string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, s.db.Q(`SELECT 1 FROM automation_alarms WHERE alarm_id = ?`), id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// alarmRaised records an alarm id; false when it was raised before.
func (s *store) alarmRaised(ctx context.Context, id, kind string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.db.Q(`INSERT INTO automation_alarms (alarm_id, kind, raised_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`), id, kind, at.UTC().Format(time.RFC3339))
	if err != nil {
		return false, fmt.Errorf("automation: record alarm: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// putPopulation sets an area's persons of an age and sex in a year and
// marks the area due for a forecast.
func (s *store) putPopulation(ctx context.Context, area string, year, age int, sex string, persons int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.db.Q(`INSERT INTO automation_population (area_code, year, age, sex, persons) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (area_code, year, age, sex) DO UPDATE SET persons = excluded.persons`), area, year, age, sex, persons); err != nil {
		return fmt.Errorf("automation: population: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.db.Q(`INSERT INTO automation_forecast_due (area_code, changed_at, due) VALUES (?, ?, 1)
ON CONFLICT (area_code) DO UPDATE SET changed_at = excluded.changed_at, due = 1`), area, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("automation: population: %w", err)
	}
	return tx.Commit()
}

// settledAreas lists the areas due for a forecast whose population has not
// changed for quiet.
func (s *store) settledAreas(ctx context.Context, quiet time.Duration) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT area_code, changed_at FROM automation_forecast_due WHERE due = 1 ORDER BY area_code`))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var area, at string
		if err := rows.Scan(&area, &at); err != nil {
			return nil, err
		}
		if t, err := time.Parse(time.RFC3339Nano, at); err == nil && time.Since(t) >= quiet {
			out = append(out, area)
		}
	}
	return out, rows.Err()
}

// forecastDone marks an area's forecast made.
func (s *store) forecastDone(ctx context.Context, area string) error {
	_, err := s.db.ExecContext(ctx, s.db.Q(`UPDATE automation_forecast_due SET due = 0 WHERE area_code = ?`), area)
	return err
}

// population is an area's latest year's persons by age (both sexes, or the
// total where the source has no breakdown) and women by age, ages 0-100.
func (s *store) population(ctx context.Context, area string) (int, []float64, []float64, error) {
	var year sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.db.Q(`SELECT MAX(year) FROM automation_population WHERE area_code = ?`), area).Scan(&year); err != nil || !year.Valid {
		return 0, nil, nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT age, sex, persons FROM automation_population WHERE area_code = ? AND year = ?`), area, year.Int64)
	if err != nil {
		return 0, nil, nil, err
	}
	defer rows.Close()
	pop, women, total := make([]float64, 101), make([]float64, 101), make([]float64, 101)
	hasTotal, hasSexes := false, false
	for rows.Next() {
		var age int
		var sex string
		var n int64
		if err := rows.Scan(&age, &sex, &n); err != nil {
			return 0, nil, nil, err
		}
		age = min(age, 100)
		switch sex {
		case "total":
			total[age] += float64(n)
			hasTotal = true
		case "female":
			women[age] += float64(n)
			pop[age] += float64(n)
			hasSexes = true
		default:
			pop[age] += float64(n)
			hasSexes = true
		}
	}
	if !hasSexes && hasTotal {
		pop, women = total, nil
	}
	return int(year.Int64), pop, women, rows.Err()
}

// markDue marks key of kind (a kitchen, a snow area) due: its data
// changed now.
func markDue(ctx context.Context, db *sqldb.DB, tx *sqldb.Tx, kind, key string) error {
	_, err := tx.ExecContext(ctx, db.Q(`INSERT INTO automation_due (kind, key, changed_at, due) VALUES (?, ?, ?, 1)
ON CONFLICT (kind, key) DO UPDATE SET changed_at = excluded.changed_at, due = 1`), kind, key, time.Now().UTC().Format(time.RFC3339Nano))
	return err
}

// due is a key whose data changed at changedAt and is waiting.
type due struct{ key, changedAt string }

// settled lists the keys of kind due whose data has not changed for quiet.
func (s *store) settled(ctx context.Context, kind string, quiet time.Duration) ([]due, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT key, changed_at FROM automation_due WHERE kind = ? AND due = 1 ORDER BY key`), kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.key, &d.changedAt); err != nil {
			return nil, err
		}
		if t, err := time.Parse(time.RFC3339Nano, d.changedAt); err == nil && time.Since(t) >= quiet {
			out = append(out, d)
		}
	}
	return out, rows.Err()
}

// handled marks a due key done, unless its data changed again since it
// was listed.
func (s *store) handled(ctx context.Context, kind string, d due) error {
	_, err := s.db.ExecContext(ctx, s.db.Q(`UPDATE automation_due SET due = 0 WHERE kind = ? AND key = ? AND changed_at = ?`), kind, d.key, d.changedAt)
	return err
}

// putPortions keeps a kitchen's lunch portions on a day and marks the
// kitchen due for order proposals.
func (s *store) putPortions(ctx context.Context, kitchen, day string, portions int) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.db.Q(`INSERT INTO automation_portions (kitchen_id, day, portions) VALUES (?, ?, ?)
ON CONFLICT (kitchen_id, day) DO UPDATE SET portions = excluded.portions`), kitchen, day, portions); err != nil {
		return fmt.Errorf("automation: portions: %w", err)
	}
	if err := markDue(ctx, s.db, tx, dueKitchen, kitchen); err != nil {
		return fmt.Errorf("automation: portions: %w", err)
	}
	return tx.Commit()
}

// portions returns a kitchen's latest n served days, oldest first.
func (s *store) portions(ctx context.Context, kitchen string, n int) ([]schemas.PortionsServed, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT day, portions FROM automation_portions WHERE kitchen_id = ? ORDER BY day DESC LIMIT ?`), kitchen, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []schemas.PortionsServed
	for rows.Next() {
		p := schemas.PortionsServed{KitchenID: kitchen, Meal: schemas.MealLunch}
		var day string
		if err := rows.Scan(&day, &p.Portions); err != nil {
			return nil, err
		}
		p.Date = schemas.Date(day)
		out = append(out, p)
	}
	slices.Reverse(out)
	return out, rows.Err()
}

// putWeather keeps an observation ("obs", by station, at its observed_at)
// or a forecast ("fc", by location, at its valid_at, issued at issued) and
// marks the areas it stands for due.
func (s *store) putWeather(ctx context.Context, kind, source string, at, issued time.Time, period string, record []byte, areas []string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	iss := ""
	if !issued.IsZero() {
		iss = issued.UTC().Format(time.RFC3339)
	}
	if _, err := tx.ExecContext(ctx, s.db.Q(`INSERT INTO automation_weather (kind, source, at, issued_at, period, record) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (kind, source, at, issued_at, period) DO UPDATE SET record = excluded.record`), kind, source, at.UTC().Format(time.RFC3339), iss, period, string(record)); err != nil {
		return fmt.Errorf("automation: weather: %w", err)
	}
	for _, a := range areas {
		if err := markDue(ctx, s.db, tx, dueArea, a); err != nil {
			return fmt.Errorf("automation: weather: %w", err)
		}
	}
	return tx.Commit()
}

// weather returns an area's latest observation time, the observations of
// its stations in the two days up to it and the forecasts for its
// locations valid in the two days after it.
func (s *store) weather(ctx context.Context, a SnowArea) (time.Time, []schemas.WeatherObservation, []schemas.WeatherForecast, error) {
	var at time.Time
	var obs []schemas.WeatherObservation
	var fcs []schemas.WeatherForecast
	for _, st := range a.Stations {
		var last sql.NullString
		if err := s.db.QueryRowContext(ctx, s.db.Q(`SELECT MAX(at) FROM automation_weather WHERE kind = 'obs' AND source = ?`), st).Scan(&last); err != nil {
			return at, nil, nil, err
		}
		if t, err := time.Parse(time.RFC3339, last.String); err == nil && t.After(at) {
			at = t
		}
	}
	if at.IsZero() {
		return at, nil, nil, nil
	}
	read := func(kind string, sources []string, from, to time.Time, each func([]byte) error) error {
		for _, src := range sources {
			rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT record FROM automation_weather WHERE kind = ? AND source = ? AND at >= ? AND at <= ? ORDER BY at`),
				kind, src, from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
			if err != nil {
				return err
			}
			for rows.Next() {
				var js string
				if err := rows.Scan(&js); err != nil {
					rows.Close()
					return err
				}
				if err := each([]byte(js)); err != nil {
					rows.Close()
					return err
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	err := read("obs", a.Stations, at.Add(-48*time.Hour), at, func(js []byte) error {
		var o schemas.WeatherObservation
		if err := json.Unmarshal(js, &o); err != nil {
			return err
		}
		obs = append(obs, o)
		return nil
	})
	if err == nil {
		err = read("fc", a.ForecastLocations, at, at.Add(48*time.Hour), func(js []byte) error {
			var f schemas.WeatherForecast
			if err := json.Unmarshal(js, &f); err != nil {
				return err
			}
			fcs = append(fcs, f)
			return nil
		})
	}
	return at, obs, fcs, err
}

// putUnit keeps a unit's places (0 for a closed unit) and marks its
// municipality and district due for a forecast, so that a new capacity is
// weighed against the demand.
func (s *store) putUnit(ctx context.Context, u schemas.SchoolUnit) error {
	capacity := u.Capacity
	if u.Status == schemas.UnitClosed || u.Status == schemas.UnitPlanned {
		capacity = 0
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.db.Q(`INSERT INTO automation_units (unit_id, area_code, unit_type, capacity) VALUES (?, ?, ?, ?)
ON CONFLICT (unit_id) DO UPDATE SET area_code = excluded.area_code, unit_type = excluded.unit_type, capacity = excluded.capacity`),
		u.UnitID, u.AreaCode, string(u.UnitType), capacity); err != nil {
		return fmt.Errorf("automation: unit: %w", err)
	}
	now := time.Now().UTC().Format(time.RFC3339Nano)
	for _, area := range unitAreas(u.AreaCode) {
		if _, err := tx.ExecContext(ctx, s.db.Q(`UPDATE automation_forecast_due SET changed_at = ?, due = 1 WHERE area_code = ?`), now, area); err != nil {
			return fmt.Errorf("automation: unit: %w", err)
		}
	}
	return tx.Commit()
}

// unitAreas are the forecast areas a unit in area counts toward: its
// district and its municipality (the first four digits).
func unitAreas(area string) []string {
	if len(area) > 4 {
		return []string{area, area[:4]}
	}
	if area != "" {
		return []string{area}
	}
	return nil
}

// capacity is the places of the units in area by the forecast's age group:
// preschools for forskola-1-5, compulsory schools for grundskola-6-15.
func (s *store) capacity(ctx context.Context, area string) (map[string]float64, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT area_code, unit_type, capacity FROM automation_units WHERE capacity > 0`))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var a, typ string
		var n int64
		if err := rows.Scan(&a, &typ, &n); err != nil {
			return nil, err
		}
		if !slices.Contains(unitAreas(a), area) {
			continue
		}
		switch schemas.UnitType(typ) {
		case schemas.UnitPreschool:
			out["forskola-1-5"] += float64(n)
		case schemas.UnitCompulsory:
			out["grundskola-6-15"] += float64(n)
		}
	}
	return out, rows.Err()
}

// checkRuleVersions refuses a loaded rule version whose content differs
// from the content first loaded under its id and version, then records
// the versions never seen.
func (s *store) checkRuleVersions(ctx context.Context, e *rules.Engine) error {
	known := map[string]string{}
	rows, err := s.db.QueryContext(ctx, `SELECT rule_id, version, content_hash FROM automation_rule_versions`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id, h string
		var v int
		if err := rows.Scan(&id, &v, &h); err != nil {
			rows.Close()
			return err
		}
		known[fmt.Sprintf("%s@%d", id, v)] = h
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := e.CheckUnchanged(func(id string, v int) (string, bool) {
		h, ok := known[fmt.Sprintf("%s@%d", id, v)]
		return h, ok
	}); err != nil {
		return err
	}
	now := time.Now().UTC().Format(time.RFC3339)
	for _, v := range e.RuleVersions() {
		if _, ok := known[fmt.Sprintf("%s@%d", v.ID, v.Version)]; ok {
			continue
		}
		if _, err := s.db.ExecContext(ctx, s.db.Q(`INSERT INTO automation_rule_versions (rule_id, version, content_hash, first_loaded) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`),
			v.ID, v.Version, v.Hash, now); err != nil {
			return fmt.Errorf("automation: record rule version: %w", err)
		}
	}
	return nil
}

// putEnrolment keeps a unit's enrolled children of one grade and age on a
// count date.
func (s *store) putEnrolment(ctx context.Context, e schemas.Enrolment) error {
	age := -1
	if e.Age != nil {
		age = *e.Age
	}
	_, err := s.db.ExecContext(ctx, s.db.Q(`INSERT INTO automation_enrolment (unit_id, reference_date, grade, age, enrolled) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (unit_id, reference_date, grade, age) DO UPDATE SET enrolled = excluded.enrolled`), e.UnitID, string(e.ReferenceDate), string(e.Grade), age, e.Enrolled)
	if err != nil {
		return fmt.Errorf("automation: enrolment: %w", err)
	}
	return nil
}

// unitPlaces is a preschool's places and children enrolled at its latest
// count.
type unitPlaces struct {
	id, area           string
	capacity, enrolled int64
}

func (u unitPlaces) free() int64 { return u.capacity - u.enrolled }

// preschools returns every preschool with places, with its children
// enrolled at its latest count date.
func (s *store) preschools(ctx context.Context) (map[string]unitPlaces, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Q(`SELECT u.unit_id, u.area_code, u.capacity,
 COALESCE((SELECT SUM(e.enrolled) FROM automation_enrolment e WHERE e.unit_id = u.unit_id
   AND e.reference_date = (SELECT MAX(reference_date) FROM automation_enrolment m WHERE m.unit_id = u.unit_id)), 0)
 FROM automation_units u WHERE u.unit_type = ? AND u.capacity > 0`), string(schemas.UnitPreschool))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]unitPlaces{}
	for rows.Next() {
		var u unitPlaces
		if err := rows.Scan(&u.id, &u.area, &u.capacity, &u.enrolled); err != nil {
			return nil, err
		}
		out[u.id] = u
	}
	return out, rows.Err()
}
