// Package connectortest is the suite every connector passes: config errors
// with their line, good records on the bus with deterministic ids while a
// bad one goes to the dead-letter topic, resume after a restart with every
// record once, and a clean close. It runs against the embedded broker and a
// SQLite checkpoint store.
package connectortest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"gopkg.in/yaml.v3"

	"github.com/vasteras/civicbus/connectors"
)

// Topic is the catalog topic the suite maps records to.
const Topic = "meals.food-waste.v1"

// Row is one record the suite asks a Fixture to make: the connector must
// offer it with fields kitchen, date and total (a number or its text).
type Row struct {
	Kitchen string
	Date    string
	Total   float64
}

// Fixture is what a connector gives the suite.
type Fixture interface {
	// Kind is the connector kind under test.
	Kind() connectors.Kind
	// Config prepares a fresh, empty source and returns the kind's config
	// for it; it must make Reads return at most 5 records each.
	Config(t *testing.T) map[string]any
	// Write makes rows appear at the source, in order.
	Write(t *testing.T, rows []Row)
}

// Served is what a Fixture of a kind that is called over HTTP (webhook)
// also is: Mux is the mux the kind mounts its endpoint on, and the fixture
// serves it.
type Served interface {
	Mux() *http.ServeMux
}

// Partial is what a Fixture whose kind cannot take part of the suite also
// is: Skip says, by part name (ConfigErrors, GoodFlowBadToDeadLetter,
// ResumeAfterRestart, CleanClose), why the part does not apply; the part
// is then skipped with that reason, and the connector tests it its own way.
type Partial interface {
	Skip() map[string]string
}

// Run runs the suite.
func Run(t *testing.T, f Fixture) {
	parts := []struct {
		name string
		run  func(*testing.T, Fixture)
	}{{"ConfigErrors", configErrors}, {"GoodFlowBadToDeadLetter", goodAndBad}, {"ResumeAfterRestart", resume}, {"CleanClose", cleanClose}}
	var skip map[string]string
	if p, ok := f.(Partial); ok {
		skip = p.Skip()
	}
	for _, p := range parts {
		t.Run(p.name, func(t *testing.T) {
			if why := skip[p.name]; why != "" {
				t.Skip(why)
			}
			p.run(t, f)
		})
	}
}

var mapping = map[string]any{"fields": map[string]string{
	"kitchen_id":     "string(row.kitchen)",
	"date":           "string(row.date)",
	"total_waste_kg": "double(row.total)",
}}

func connectorYAML(t *testing.T, f Fixture, cfg map[string]any) string {
	t.Helper()
	b, err := yaml.Marshal(map[string]any{
		"name": "suite", "kind": f.Kind().Name, "topic": Topic, "config": cfg, "mapping": mapping,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func configErrors(t *testing.T, f Fixture) {
	cfg := f.Config(t)
	cfg["no_such_field"] = 1
	reg, err := connectors.NewRegistry(f.Kind())
	if err != nil {
		t.Fatal(err)
	}
	c, err := connectors.ParseConfig([]byte(connectorYAML(t, f, cfg)), "suite.yaml")
	if err == nil {
		_, _, err = reg.Build(c, nil)
	}
	if err == nil || !strings.Contains(err.Error(), "no_such_field") || !strings.Contains(err.Error(), "line ") {
		t.Errorf("unknown field: error %v; want it named with its line", err)
	}
}

func rows(n int) []Row {
	out := make([]Row, n)
	for i := range out {
		out[i] = Row{Kitchen: fmt.Sprintf("kitchen-%d", i%7), Date: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format(time.DateOnly), Total: float64(i%40) + 0.5}
	}
	return out
}

func goodAndBad(t *testing.T, f Fixture) {
	w := newWorld(t, f)
	events, letters := w.Collect(Topic), w.Collect(Topic+".dlq")
	cfg := f.Config(t)
	rs := rows(10)
	rs[3].Total = -1 // breaks the contract: minimum 0
	f.Write(t, rs)
	w.Start(connectorYAML(t, f, cfg))
	WaitFor(t, "9 events and 1 dead letter", 20*time.Second, func() bool {
		return len(events.All()) == 9 && len(letters.All()) == 1
	})
	src := "/civicbus/connectors/suite"
	for i, msg := range events.All() {
		r := rs[i]
		if i >= 3 {
			r = rs[i+1]
		}
		key := fmt.Sprintf("%q\x1f%q\x1fnull", r.Kitchen, r.Date)
		if want := connectors.EventID(src, key, 1); msg.UUID != want {
			t.Errorf("event %d: id %s, want %s", i, msg.UUID, want)
		}
	}
	if h := letters.All()[0].Metadata.Get("dlq_handler"); h != "suite" {
		t.Errorf("dlq_handler = %q", h)
	}
}

func resume(t *testing.T, f Fixture) {
	w := newWorld(t, f)
	events := w.Collect(Topic)
	cfg := f.Config(t)
	const n = 300
	f.Write(t, rows(n))
	yamlText := connectorYAML(t, f, cfg)
	r := w.Start(yamlText)
	WaitFor(t, "the first events", 20*time.Second, func() bool { return len(events.All()) >= 20 })
	r.Stop()
	w.Start(yamlText)
	WaitFor(t, "every record", 30*time.Second, func() bool { return len(Unique(events.All())) == n })
	if got := len(events.All()); got != n {
		t.Errorf("%d events for %d records after a restart", got, n)
	}
}

func cleanClose(t *testing.T, f Fixture) {
	w := newWorld(t, f)
	cfg := f.Config(t)
	f.Write(t, rows(200))
	opts := goleak.IgnoreCurrent()
	r := w.Start(connectorYAML(t, f, cfg))
	WaitFor(t, "the first events", 20*time.Second, func() bool { return r.Runtime.Status().RecordsOut >= 10 })
	r.Stop()
	// The broker runs in this process; its goroutines are not the connector's.
	goleak.VerifyNone(t, opts, goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).read"),
		goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).read.func1"),
		goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).write"))
}

// newWorld is an Env for f's kind on the embedded broker with the suite's
// topics; it runs connectors with the publisher's and Runtime's default
// timeout and backoff.
func newWorld(t *testing.T, f Fixture) *Env {
	e := New(t, Registry(t, f.Kind()), Topic)
	e.PublishTimeout, e.MaxBackoff = 0, 0
	if s, ok := f.(Served); ok {
		e.Mux = s.Mux()
	}
	return e
}
