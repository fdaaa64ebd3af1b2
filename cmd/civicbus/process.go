package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/services"
)

// shutdownGrace is how long the process takes at most to stop once it is
// told to (SIGINT, SIGTERM, or its ctx cancelled).
const shutdownGrace = 10 * time.Second

// brokerCloseReserve is the part of shutdownGrace kept for closing the
// embedded broker, which happens after everything else.
const brokerCloseReserve = 2 * time.Second

// process is what `run` and `serve` have in common: one HTTP server and
// services that share a Kafka connection.
type process struct {
	logger   *slog.Logger
	conn     bus.Connection
	registry *prometheus.Registry
	httpLn   net.Listener
	services []services.Service
	db       string // the services' data source; <service> in it stands for each one's name

	// stopTimeout bounds stopping the HTTP server and the services; zero is
	// shutdownGrace less brokerCloseReserve.
	stopTimeout time.Duration
}

// run serves HTTP and runs the services until ctx is cancelled or one of
// them fails, then stops them. It closes httpLn.
func (p *process) run(ctx context.Context) error {
	mux := newMux(p.registry, func(ctx context.Context) error { return bus.Ping(ctx, p.conn) })
	srv := newHTTPServer(mux)
	failed := make(chan error, len(p.services)+1)
	go func() {
		if err := srv.Serve(p.httpLn); !errors.Is(err, http.ErrServerClosed) {
			failed <- fmt.Errorf("http server: %w", err)
		}
	}()
	// The services outlive ctx a little: they stop after the HTTP server has
	// drained, so no request is cut off in the middle of its work.
	svcCtx, stopServices := context.WithCancel(context.WithoutCancel(ctx))
	defer stopServices()
	done := p.startServices(svcCtx, mux, failed)
	var cause error
	select {
	case <-ctx.Done():
		p.logger.Info("stopping", "grace", shutdownGrace)
	case cause = <-failed:
		p.logger.Error("stopping after a failure", "err", cause)
	}
	return errors.Join(cause, p.shutdown(srv, stopServices, done))
}

// startServices runs every service in its own goroutine. A service that
// returns before svcCtx ends is a failure, sent on failed. The returned
// channel is closed when all have returned.
func (p *process) startServices(svcCtx context.Context, mux *http.ServeMux, failed chan<- error) <-chan struct{} {
	var wg sync.WaitGroup
	for _, s := range p.services {
		env := services.Env{
			Conn:    p.conn,
			Logger:  p.logger.With("service", s.Name),
			Metrics: prometheus.WrapRegistererWith(prometheus.Labels{"service": s.Name}, p.registry),
			Mux:     mux,
			HTTP:    p.httpLn.Addr().String(),
			DB:      strings.ReplaceAll(p.db, "<service>", s.Name),
		}
		wg.Go(func() {
			err := s.Run(svcCtx, env)
			switch {
			case svcCtx.Err() == nil && err == nil:
				failed <- fmt.Errorf("service %s returned before shutdown", s.Name)
			case svcCtx.Err() == nil:
				failed <- fmt.Errorf("service %s: %w", s.Name, err)
			case err != nil:
				env.Logger.Error("service stopped with an error", "err", err)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done
}

// shutdown stops the HTTP server (waiting for the requests under way), then
// the services, within shutdownGrace less what the broker needs to close.
func (p *process) shutdown(srv *http.Server, stopServices func(), done <-chan struct{}) error {
	start := time.Now()
	timeout := p.stopTimeout
	if timeout == 0 {
		timeout = shutdownGrace - brokerCloseReserve
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	if err := srv.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		srv.Close()
	}
	stopServices()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("services did not stop within %s", timeout))
	}
	p.logger.Info("http server and services stopped", "took", time.Since(start).Round(time.Millisecond))
	return errors.Join(errs...)
}
