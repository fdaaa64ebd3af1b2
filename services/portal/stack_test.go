package portal

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/opendata"
)

// The demo dataset the tests publish: population by age band, an aggregate
// with suppressed small cells (null values in the rows).
const (
	popID   = "3b7e6a52-41f0-4c1e-9d7a-2f5c8e1a9b01"
	popName = "population-by-age-band"
	popDef  = "population-by-age-band.yaml"
)

// stack is a real open-data service and a portal on one HTTP server, over
// an embedded broker: what `civicbus run` wires together.
type stack struct {
	conn   bus.Connection
	od     *opendata.Service
	portal *Service
	srv    *httptest.Server
}

// newStack starts the stack with the portal's store at portalDB.
func newStack(t *testing.T, portalDB string) *stack {
	t.Helper()
	b := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{b.Addr()}}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	od, err := opendata.New(ctx, opendata.Config{Dir: demoDir(t, popDef), Conn: conn, DB: filepath.Join(t.TempDir(), "opendata.db"), BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	od.Mount(mux)
	p, err := New(ctx, Config{Conn: conn, DB: portalDB, OpendataAPI: srv.URL + "/api/opendata/", BaseURL: "https://data.vasteras.se",
		Retry: bus.RetryConfig{MaxRetries: 2, InitialInterval: 10 * time.Millisecond, MaxInterval: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	p.harvest.pageSize = 7 // several pages per version
	p.Mount(mux)
	done := make(chan struct{}, 2)
	go func() { od.Run(ctx); done <- struct{}{} }()
	go func() { p.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		od.Close()
		p.Close()
	})
	return &stack{conn: conn, od: od, portal: p, srv: srv}
}

// demoDir copies a demo dataset definition into a directory of its own.
func demoDir(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "demo", "datasets.d", name))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// feed publishes population events for one municipality in year, whose
// 95+ band holds 2 persons (a small cell, suppressed), and waits until the
// open-data service has applied them all.
func (s *stack) feed(t *testing.T, year int) {
	t.Helper()
	ctx := context.Background()
	before, err := s.od.Changes(ctx, popName)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []*message.Message
	for age := 0; age <= 100; age++ {
		for _, sex := range []schemas.Sex{schemas.SexFemale, schemas.SexMale} {
			persons := max(1800-15*age, 0)
			if age >= 95 {
				persons = 0
				if age == 100 {
					persons = 2
				}
			}
			payload, err := json.Marshal(schemas.PopulationByAge{
				Area:          schemas.Area{AreaCode: "1980", AreaName: "Västerås"},
				ReferenceDate: schemas.Date(fmt.Sprintf("%d-12-31", year)), Age: age, Sex: sex, Persons: persons,
			})
			if err != nil {
				t.Fatal(err)
			}
			msgs = append(msgs, message.NewMessage(fmt.Sprintf("%08d-0000-4000-8000-%012d", year, len(msgs)), payload))
		}
	}
	publishMsgs(t, s.conn, "population.population-by-age.v1", msgs...)
	waitFor(t, "the events applied", func() bool {
		n, _ := s.od.Changes(ctx, popName)
		return n == before+int64(len(msgs))
	})
}

func publishMsgs(t *testing.T, conn bus.Connection, topic string, msgs ...*message.Message) {
	t.Helper()
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/test"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if err := pub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
}

// publishVersion publishes the next version and waits until the portal
// has stored it.
func (s *stack) publishVersion(t *testing.T) *opendata.Version {
	t.Helper()
	ctx := context.Background()
	v, err := s.od.Publish(ctx, popName)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, fmt.Sprintf("the portal to store version %d", v.Version), func() bool {
		_, err := s.portal.store.Version(ctx, popID, v.Version)
		return err == nil
	})
	return v
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// storeDSNs are the stores every store test runs against.
func storeDSNs(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"sqlite":   dsnSQLite,
		"postgres": func(t *testing.T) string { return testenv.PostgresDSN(t) },
	}
}

func dsnSQLite(t *testing.T) string { return filepath.Join(t.TempDir(), "portal.db") }
