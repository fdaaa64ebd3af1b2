package sqlpoll_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/sqlpoll"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas/contracts"
)

const wasteTopic = "meals.food-waste.v1"

// env is one test's world: a real embedded broker, a SQLite checkpoint
// store, the catalog's contracts and a database with a waste table.
type env struct {
	t        testing.TB
	conn     bus.Connection
	cp       *connectors.SQLCheckpoints
	contract *contracts.Contracts
	dsn      string
	db       *sql.DB
}

func newEnv(t testing.TB, driver, dsn, ddl string) *env {
	t.Helper()
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	ctx := context.Background()
	for _, topic := range []string{wasteTopic, wasteTopic + ".dlq"} {
		if _, err := bus.EnsureTopic(ctx, conn, topic, 1); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := connectors.OpenCheckpoints(ctx, filepath.Join(t.TempDir(), "checkpoints.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cp.Close() })
	c, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(ddl); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, conn: conn, cp: cp, contract: c, dsn: dsn, db: db}
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
	e.t.Helper()
	_, err := e.db.Exec(`INSERT INTO waste (kitchen, day, meal, kitchen_kg, serving_kg, plate_kg, total_kg, diners)
		VALUES ($1, $2, 'lunch', $3, 2, 3.25, 6.75, 120)`, kitchen, day, kitchenKg)
	if err != nil {
		e.t.Fatal(err)
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
	e.t.(interface{ Setenv(string, string) }).Setenv(name, e.dsn)
	return name
}

func registry(t testing.TB) *connectors.Registry {
	r, err := connectors.NewRegistry(sqlpoll.Kind())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// running is a started Runtime.
type running struct {
	rt   *connectors.Runtime
	stop func()
}

// start builds the connector of yamlText and runs it until the test ends
// or stop is called.
func (e *env) start(yamlText string) *running {
	t := e.t
	t.Helper()
	cfg, err := connectors.ParseConfig([]byte(yamlText), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src, m, err := registry(t).Build(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: e.conn, Source: cfg.SourceURI(), PublishTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := connectors.NewRuntime(connectors.RuntimeConfig{
		Name: cfg.Name, Source: src, Mapping: m, Publisher: pub, Contract: e.contract,
		Checkpoints: e.cp, MinBackoff: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			pub.Close()
		})
	}
	t.Cleanup(stop)
	return &running{rt: rt, stop: stop}
}

// collector gathers every message of a topic from the start.
type collector struct {
	mu   sync.Mutex
	msgs []*message.Message
}

func (e *env) collect(topic string) *collector {
	t := e.t
	t.Helper()
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: e.conn})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for msg := range ch {
			c.mu.Lock()
			c.msgs = append(c.msgs, msg)
			c.mu.Unlock()
			msg.Ack()
		}
	}()
	t.Cleanup(func() { cancel(); <-done; sub.Close() })
	return c
}

func (c *collector) all() []*message.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*message.Message(nil), c.msgs...)
}

// waitFor polls until cond holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func unique(msgs []*message.Message) map[string]bool {
	ids := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		ids[m.UUID] = true
	}
	return ids
}
