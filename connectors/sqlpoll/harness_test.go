package sqlpoll_test

import (
	"database/sql"
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/connectors/sqlpoll"
	"github.com/vasteras/civicbus/internal/testenv"
)

const wasteTopic = "meals.food-waste.v1"

// env is one test's world (see connectortest.Env) and a database with a
// waste table.
type env struct {
	*connectortest.Env
	dsn string
	db  *sql.DB
}

func newEnv(t testing.TB, driver, dsn, ddl string) *env {
	t.Helper()
	e := connectortest.New(t, registry(t), wasteTopic)
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(ddl); err != nil {
		t.Fatal(err)
	}
	return &env{Env: e, dsn: dsn, db: db}
}

// newPostgres is an env on the machine's PostgreSQL, in a schema of its own.
func newPostgres(t testing.TB) *env {
	t.Helper()
	return newEnv(t, "pgx", testenv.PostgresDSN(t), `CREATE TABLE waste (
		id bigserial PRIMARY KEY,
		kitchen text NOT NULL,
		day date NOT NULL,
		meal text NOT NULL,
		kitchen_kg double precision,
		serving_kg double precision,
		plate_kg double precision,
		total_kg double precision,
		diners integer,
		updated_at timestamptz NOT NULL DEFAULT now()
	)`)
}

// insert adds a row of waste; kitchenKg < 0 makes an invalid event.
func (e *env) insert(kitchen, day string, kitchenKg float64) {
	e.T.Helper()
	_, err := e.db.Exec(`INSERT INTO waste (kitchen, day, meal, kitchen_kg, serving_kg, plate_kg, total_kg, diners)
		VALUES ($1, $2, 'lunch', $3, 2, 3.25, 6.75, 120)`, kitchen, day, kitchenKg)
	if err != nil {
		e.T.Fatal(err)
	}
}

// yaml is the connector reading the waste table; extra lines go under config.
func (e *env) yaml(extra string) string {
	return `name: kitchen-waste-db
kind: sqlpoll
topic: meals.food-waste.v1
config:
  dsn_env: ` + e.dsnEnv() + `
  table: waste
  column: id
  key: id
  interval: 20ms
` + extra + `
mapping:
  fields:
    kitchen_id: row.kitchen
    date: row.day
    meal: row.meal
    kitchen_waste_kg: row.kitchen_kg
    serving_waste_kg: row.serving_kg
    plate_waste_kg: row.plate_kg
    total_waste_kg: row.total_kg
    diners: row.diners
`
}

// dsnEnv puts the DSN in an environment variable, so that it is not in the
// YAML.
func (e *env) dsnEnv() string {
	const name = "SQLPOLL_TEST_DSN"
	e.T.(interface{ Setenv(string, string) }).Setenv(name, e.dsn)
	return name
}

func registry(t testing.TB) *connectors.Registry {
	return connectortest.Registry(t, sqlpoll.Kind())
}

var (
	waitFor = connectortest.WaitFor
	unique  = connectortest.Unique
)
