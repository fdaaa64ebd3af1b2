package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/services"
)

// procRun is a process started by startProcess.
type procRun struct {
	base   string // its HTTP base URL
	cancel context.CancelFunc
	done   chan struct{}
	err    error // set before done is closed
}

// wait returns what the process's run returned.
func (r *procRun) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(15 * time.Second):
		t.Fatal("process did not return")
		return nil
	}
}

// startProcess runs a process with svcs on the embedded broker until the
// test ends or its cancel is called.
func startProcess(t *testing.T, stopTimeout time.Duration, svcs ...services.Service) *procRun {
	t.Helper()
	b := testenv.Broker(t)
	ln, err := tcpListen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &process{
		logger:      slog.New(slog.DiscardHandler),
		conn:        bus.Connection{Brokers: []string{b.Addr()}},
		registry:    newRegistry(),
		httpLn:      ln,
		services:    svcs,
		db:          "test.db",
		stopTimeout: stopTimeout,
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &procRun{base: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan struct{})}
	go func() { r.err = p.run(ctx); close(r.done) }()
	t.Cleanup(func() { cancel(); r.wait(t) })
	return r
}

func TestProcessGivesServicesTheMuxMetricsAndConnection(t *testing.T) {
	t.Parallel()
	var stopped atomic.Bool
	fake := services.Service{Name: "fake", Run: func(ctx context.Context, env services.Env) error {
		hits := prometheus.NewCounter(prometheus.CounterOpts{Name: "fake_hits_total", Help: "Hits."})
		env.Metrics.MustRegister(hits)
		env.Mux.HandleFunc("GET /api/fake/", func(w http.ResponseWriter, r *http.Request) {
			hits.Inc()
			fmt.Fprintf(w, "db=%s brokers=%d", env.DB, len(env.Conn.Brokers))
		})
		<-ctx.Done()
		stopped.Store(true)
		return nil
	}}
	r := startProcess(t, 0, fake)
	var body string
	waitFor(t, 5*time.Second, "the service's handler", func() bool {
		var code int
		code, body = get(t, r.base+"/api/fake/x")
		return code == http.StatusOK
	})
	if body != "db=test.db brokers=1" {
		t.Errorf("the service saw %q", body)
	}
	if _, metrics := get(t, r.base+"/metrics"); !strings.Contains(metrics, `fake_hits_total{service="fake"} 1`) {
		t.Errorf("/metrics lacks the service's counter with its label")
	}
	r.cancel()
	if err := r.wait(t); err != nil || !stopped.Load() {
		t.Errorf("stop: err %v, service stopped %v", err, stopped.Load())
	}
}

func TestProcessStopsWhenAServiceFails(t *testing.T) {
	t.Parallel()
	failing := services.Service{Name: "failing", Run: func(ctx context.Context, env services.Env) error {
		return fmt.Errorf("cannot reach its source")
	}}
	r := startProcess(t, 0, failing)
	if err := r.wait(t); err == nil || !strings.Contains(err.Error(), "service failing: cannot reach its source") {
		t.Errorf("err = %v", err)
	}
}

func TestProcessShutdownIsBounded(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	stuck := services.Service{Name: "stuck", Run: func(ctx context.Context, env services.Env) error {
		<-release // ignores ctx
		return nil
	}}
	r := startProcess(t, 300*time.Millisecond, stuck)
	r.cancel()
	if err := r.wait(t); err == nil || !strings.Contains(err.Error(), "services did not stop within 300ms") {
		t.Errorf("err = %v", err)
	}
}
