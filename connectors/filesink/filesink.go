// Package filesink is a connectors.Sink that appends events to NDJSON
// files, one per topic and day: <dir>/<topic>/<YYYY-MM-DD>.ndjson, each
// line {"id","type","source","time","key","data"}. A batch is on disk
// (fsynced) before Write returns, so a batch acknowledged to the bus is
// never lost; after a crash between the write and the offset commit a
// batch is written again, with the same ids — readers keep the first line
// of each id. For systems that take files: archives, a legacy import
// folder, a data lake.
package filesink

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/vasteras/civicbus/connectors"
)

// Config configures a Sink.
type Config struct {
	// Dir is the root directory; it is created when missing.
	Dir string `yaml:"dir" json:"dir" jsonschema:"description=Root directory; events go to <dir>/<topic>/<YYYY-MM-DD>.ndjson (UTC day of the event's time)."`
}

// Sink writes NDJSON files.
type Sink struct {
	dir string
}

// New checks cfg.
func New(cfg Config) (*Sink, error) {
	if cfg.Dir == "" {
		return nil, errors.New("filesink: dir is required")
	}
	return &Sink{dir: cfg.Dir}, nil
}

// Connect creates the directory; a directory that cannot be made is
// ErrNotConnected (a volume not mounted yet), retried with backoff.
func (s *Sink) Connect(context.Context) error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("%w: filesink: %v", connectors.ErrNotConnected, err)
	}
	return nil
}

type line struct {
	ID     string          `json:"id"`
	Type   string          `json:"type,omitempty"`
	Source string          `json:"source,omitempty"`
	Time   time.Time       `json:"time"`
	Key    string          `json:"key,omitempty"`
	Data   json.RawMessage `json:"data"`
}

// Write appends the batch, grouped by file, and fsyncs each file. An event
// whose data is not JSON is rejected (dead-lettered), the rest written.
func (s *Sink) Write(_ context.Context, batch []connectors.Event) error {
	files := map[string]*bytes.Buffer{}
	var order []string
	rejected := map[int]error{}
	for i, e := range batch {
		if !json.Valid(e.Data) {
			rejected[i] = errors.New("filesink: the event's data is not JSON")
			continue
		}
		t := e.Time
		if t.IsZero() {
			t = time.Now()
		}
		path := filepath.Join(s.dir, filepath.Base(e.Topic), t.UTC().Format(time.DateOnly)+".ndjson")
		b, ok := files[path]
		if !ok {
			b = new(bytes.Buffer)
			files[path] = b
			order = append(order, path)
		}
		js, err := json.Marshal(line{ID: e.ID, Type: e.Type, Source: e.Source, Time: t.UTC(), Key: e.Key, Data: e.Data})
		if err != nil {
			rejected[i] = fmt.Errorf("filesink: encode: %w", err)
			continue
		}
		b.Write(js)
		b.WriteByte('\n')
	}
	if len(rejected) > 0 {
		return &connectors.RejectedError{Rejected: rejected}
	}
	for _, path := range order {
		if err := appendSync(path, files[path].Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func appendSync(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("%w: filesink: %v", connectors.ErrNotConnected, err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("%w: filesink: %v", connectors.ErrNotConnected, err)
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		return fmt.Errorf("filesink: write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// Close releases nothing: each write opens and closes its files.
func (s *Sink) Close(context.Context) error { return nil }
