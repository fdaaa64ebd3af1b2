// Package connect is the service that runs the connectors: it loads every
// connector file (*.yaml) of a directory, builds each with the registry of
// connector kinds, and runs them side by side until it is stopped, each
// with its checkpoints in the service's database. It serves their status as
// JSON (connectors.Status): a connector whose source reached the end of its
// input is "finished", one shut down "stopped", one that could not run
// "failed" with its error (see connectors.State).
//
// A file that does not load stops the service at start with every problem
// of every file, so a typo never runs half a configuration. A directory that
// does not exist means no connectors: the service then only serves an empty
// status list.
package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/all"
	"github.com/vasteras/civicbus/schemas/contracts"
)

// EnvDir names the environment variable that says where the connector
// files are; DefaultDir is used without it.
const (
	EnvDir     = "CIVICBUS_CONNECTORS_DIR"
	DefaultDir = "connectors.d"
)

// Config is what the service needs.
type Config struct {
	Dir    string         // the connector files; DefaultDir when empty
	Conn   bus.Connection // the Kafka cluster
	DB     string         // the checkpoints: a SQLite path or postgres://…
	Mux    *http.ServeMux // where the status and the webhooks are served; nil serves nothing
	Path   string         // the status path on Mux, e.g. /api/connectors
	Logger *slog.Logger
	// ProgressEvery is how often a connector in a backfill logs its
	// progress; DefaultProgressEvery when zero.
	ProgressEvery time.Duration
}

// DefaultProgressEvery is how often backfill progress is logged by default.
const DefaultProgressEvery = 10 * time.Second

// Run loads the connectors and runs them until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Dir == "" {
		cfg.Dir = DefaultDir
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = DefaultProgressEvery
	}
	configs, err := load(cfg.Dir)
	if err != nil {
		return fmt.Errorf("connector files in %s:\n%w", cfg.Dir, err)
	}
	running := &runtimes{}
	if cfg.Mux != nil && cfg.Path != "" {
		cfg.Mux.Handle("GET "+cfg.Path, running)
	}
	if len(configs) == 0 {
		cfg.Logger.Info("no connectors configured", "dir", cfg.Dir)
		<-ctx.Done()
		return nil
	}
	if err := running.build(ctx, cfg, configs); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting
		}
		return err
	}
	defer running.close()
	cfg.Logger.Info("connectors running", "dir", cfg.Dir, "connectors", len(configs))
	var wg sync.WaitGroup
	wg.Go(func() { running.logProgress(ctx, cfg.Logger, cfg.ProgressEvery) })
	defer wg.Wait()
	return running.run(ctx, cfg.Logger)
}

// load reads every *.yaml and *.yml of dir, in name order; a missing dir is
// no connectors.
func load(dir string) ([]connectors.Config, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var kinds []string
	for _, k := range all.Kinds() {
		kinds = append(kinds, k.Name)
	}
	var configs []connectors.Config
	var errs []error
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		f, err := os.Open(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c, err := connectors.LoadConfig(f, path)
		f.Close()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !slices.Contains(kinds, c.Kind) {
			errs = append(errs, fmt.Errorf("%s: kind %q is not one of %s", path, c.Kind, strings.Join(kinds, ", ")))
			continue
		}
		configs = append(configs, c)
	}
	return configs, errors.Join(errs...)
}

// runtimes are the connectors of the service.
type runtimes struct {
	mu          sync.Mutex
	list        []*connectors.Runtime
	names       []string
	checkpoints *connectors.SQLCheckpoints
	publishers  []*bus.Publisher
}

func (rs *runtimes) build(ctx context.Context, cfg Config, configs []connectors.Config) error {
	contract, err := contracts.Default()
	if err != nil {
		return fmt.Errorf("connectors: contracts: %w", err)
	}
	if rs.checkpoints, err = connectors.OpenCheckpoints(ctx, cfg.DB); err != nil {
		return fmt.Errorf("connectors: checkpoints: %w", err)
	}
	registry := all.Registry()
	if cfg.Mux != nil {
		registry = registry.WithMux(cfg.Mux) // webhooks mount /api/ingest/<name> there
	}
	var errs []error
	for _, c := range configs {
		rt, pub, err := newRuntime(cfg, c, registry, contract, rs.checkpoints)
		if err != nil {
			errs = append(errs, fmt.Errorf("connector %s: %w", c.Name, err))
			continue
		}
		rs.mu.Lock()
		rs.list, rs.names = append(rs.list, rt), append(rs.names, c.Name)
		rs.publishers = append(rs.publishers, pub)
		rs.mu.Unlock()
	}
	if err := errors.Join(errs...); err != nil {
		rs.close()
		return fmt.Errorf("connectors: %w", err)
	}
	return nil
}

func newRuntime(cfg Config, c connectors.Config, registry *connectors.Registry, contract bus.Contract, cps connectors.Checkpoints) (*connectors.Runtime, *bus.Publisher, error) {
	logger := cfg.Logger // the registry and the runtime name the connector
	source, mapping, err := registry.Build(c, logger)
	if err != nil {
		return nil, nil, err
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: cfg.Conn, Source: c.SourceURI(), Logger: logger.With("connector", c.Name)})
	if err != nil {
		return nil, nil, err
	}
	rt, err := connectors.NewRuntime(connectors.RuntimeConfig{
		Name: c.Name, SourceURI: c.SourceURI(), Source: source, Mapping: mapping,
		Publisher: pub, Contract: contract, Checkpoints: cps, Logger: logger,
	})
	if err != nil {
		pub.Close()
		return nil, nil, err
	}
	return rt, pub, nil
}

// run runs every connector until ctx ends; one that ends with an error is
// logged as failed and one that reached the end of its input as finished;
// the others go on. An ended connector keeps its end state in the status.
func (rs *runtimes) run(ctx context.Context, logger *slog.Logger) error {
	var wg sync.WaitGroup
	for i, rt := range rs.list {
		wg.Go(func() {
			err := rt.Run(ctx)
			switch st := rt.Status(); {
			case err != nil && ctx.Err() == nil:
				logger.Error("connector failed", "connector", rs.names[i], "err", err)
			case st.State == connectors.StateFinished:
				logger.Info("connector finished its input", "connector", rs.names[i],
					"records_in", st.RecordsIn, "records_out", st.RecordsOut, "dead_lettered", st.Failed)
			}
		})
	}
	wg.Wait()
	return nil
}

func (rs *runtimes) close() {
	for _, p := range rs.publishers {
		p.Close()
	}
	if rs.checkpoints != nil {
		rs.checkpoints.Close()
	}
}

// logProgress logs, every interval until ctx ends, the progress of each
// connector that is in a backfill.
func (rs *runtimes) logProgress(ctx context.Context, logger *slog.Logger, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			logBackfills(logger, rs.statuses())
		}
	}
}

// logBackfills logs one line for each status in a backfill.
func logBackfills(logger *slog.Logger, statuses []connectors.Status) {
	for _, s := range statuses {
		b := s.Backfill
		if b == nil {
			continue
		}
		eta := "unknown"
		if b.ETASeconds > 0 {
			eta = time.Duration(b.ETASeconds * float64(time.Second)).Round(time.Second).String()
		}
		logger.Info("backfill", "connector", s.Connector, "percent", int(b.Percent), "done", b.Done, "total", b.Total,
			"rate", int64(s.Rate+0.5), "eta", eta)
	}
}

// statuses are the connectors' statuses by name.
func (rs *runtimes) statuses() []connectors.Status {
	rs.mu.Lock()
	statuses := make([]connectors.Status, len(rs.list))
	for i, rt := range rs.list {
		statuses[i] = rt.Status()
	}
	rs.mu.Unlock()
	slices.SortFunc(statuses, func(a, b connectors.Status) int { return strings.Compare(a.Connector, b.Connector) })
	return statuses
}

// ServeHTTP answers the status of every connector as a JSON list, by name.
func (rs *runtimes) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	statuses := rs.statuses()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(statuses)
}
