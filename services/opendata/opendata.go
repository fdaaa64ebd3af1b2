// Package opendata is the open-data service: it reads the events that feed
// each declared dataset (services/opendata/dataset), keeps every dataset
// current as they arrive — a row per event or key for microdata, a running
// cell per group for aggregates, each event applied once — and on the
// dataset's schedule publishes an immutable version, anonymised by the
// dataset's policy (services/opendata/release), with its privacy report,
// announced on platform.dataset-published.v1.
//
// Publication fails closed: a policy that cannot be met, or a value that
// looks like a personal identifier, stops that version with an error naming
// the dataset and the column; the previous version stays the current one.
package opendata

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/internal/svcbus"
	"github.com/vasteras/civicbus/services/opendata/dataset"
	"github.com/vasteras/civicbus/services/opendata/release"
)

// The service's environment and defaults.
const (
	// EnvDir names the directory of dataset definitions.
	EnvDir = "CIVICBUS_DATASETS_DIR"
	// DefaultDir is the directory read when EnvDir is not set.
	DefaultDir = "datasets.d"
	// EnvKeyFile names a file holding the pseudonymisation secret.
	EnvKeyFile = "CIVICBUS_PSEUDONYM_KEY_FILE"
	// ConsumerGroup is the Kafka consumer group of the service.
	ConsumerGroup = "opendata"
	// TopicPublished is where new versions are announced.
	TopicPublished = "platform.dataset-published.v1"
)

// Config configures Run.
type Config struct {
	// Dir holds the dataset definitions (*.yaml); default DefaultDir. A
	// missing directory means no datasets.
	Dir string
	// Conn reaches Kafka.
	Conn bus.Connection
	// DB is the state: a SQLite path or a postgres:// URL.
	DB string
	// Mux, when set, gets the service's JSON API under Prefix.
	Mux *http.ServeMux
	// Prefix is the API's path prefix; default /api/opendata/.
	Prefix string
	// BaseURL is the public URL of the portal, for links in events;
	// default http://localhost:8080.
	BaseURL string
	// Key is the pseudonymisation secret. Datasets that pseudonymise
	// refuse to publish without one.
	Key []byte
	// AdminToken, when set, is the bearer token POST requests need; when
	// empty only loopback clients may publish.
	AdminToken string
	// CheckEvery is how often the schedules are looked at; default 1 min.
	CheckEvery time.Duration
	// Settle is how long a dataset must go without a change before a
	// scheduled version is made, so that a backfill under way is not
	// published half-read; default 30 s.
	Settle time.Duration
	// Logger; nil discards.
	Logger *slog.Logger
	// Metrics is where the router's metrics go; nil: a private registry.
	Metrics prometheus.Registerer
}

func (c *Config) setDefaults() {
	if c.Dir == "" {
		c.Dir = DefaultDir
	}
	if c.Prefix == "" {
		c.Prefix = "/api/opendata/"
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://localhost:8080"
	}
	if c.CheckEvery == 0 {
		c.CheckEvery = time.Minute
	}
	if c.Settle == 0 {
		c.Settle = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Metrics == nil {
		c.Metrics = prometheus.NewRegistry()
	}
}

// Service is a running open-data service; Run makes one. Its methods are
// safe for concurrent use.
type Service struct {
	cfg      Config
	datasets []*dataset.Loaded
	store    *Store
	pub      message.Publisher
	mu       sync.Mutex // one publication at a time

	notedMu sync.Mutex
	noted   map[string]bool // dataset/topic/field already in the store's unclassified list
}

// LoadDatasets loads the definitions of dir; a missing dir is no datasets.
func LoadDatasets(dir string) ([]*dataset.Loaded, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return dataset.LoadDir(dir)
}

// Run runs the service until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	cfg.setDefaults()
	s, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if cfg.Mux != nil {
		s.Mount(cfg.Mux)
	}
	return s.Run(ctx)
}

// New loads the definitions and opens the state and the publisher.
func New(ctx context.Context, cfg Config) (*Service, error) {
	cfg.setDefaults()
	ds, err := LoadDatasets(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("opendata: %w", err)
	}
	store, err := OpenStore(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	pub, err := svcbus.Publisher(cfg.Conn, "/civicbus/opendata", cfg.Logger)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("opendata: %w", err)
	}
	cfg.Logger.Info("datasets loaded", "dir", cfg.Dir, "datasets", len(ds))
	return &Service{cfg: cfg, datasets: ds, store: store, pub: pub}, nil
}

// Close closes the publisher and the state.
func (s *Service) Close() error {
	return errors.Join(s.pub.Close(), s.store.Close())
}

// Datasets lists the loaded datasets.
func (s *Service) Datasets() []*dataset.Loaded { return s.datasets }

// Lookup finds a dataset by id or name.
func (s *Service) Lookup(idOrName string) (*dataset.Loaded, bool) {
	i := slices.IndexFunc(s.datasets, func(d *dataset.Loaded) bool { return d.ID == idOrName || d.Name == idOrName })
	if i < 0 {
		return nil, false
	}
	return s.datasets[i], true
}

func (s *Service) topics() []string {
	var out []string
	for _, d := range s.datasets {
		for _, t := range d.Source.Topics {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Run consumes the source topics and publishes versions on schedule until
// ctx ends. Mount serves the API apart from it.
func (s *Service) Run(ctx context.Context) error {
	router, err := svcbus.NewRouter(svcbus.RouterConfig{Conn: s.cfg.Conn, Group: ConsumerGroup, Source: "/civicbus/opendata", Metrics: s.cfg.Metrics, Logger: s.cfg.Logger})
	if err != nil {
		return fmt.Errorf("opendata: %w", err)
	}
	defer router.Close()
	for _, topic := range s.topics() {
		if err := router.Handle("opendata:"+topic, topic, s.handler(topic)); err != nil {
			return fmt.Errorf("opendata: %w", err)
		}
	}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); wg.Wait() }()
	wg.Go(func() { s.schedule(ctx) })
	if len(s.topics()) == 0 {
		<-ctx.Done()
		return nil
	}
	if err := router.Run(ctx); err != nil && ctx.Err() == nil {
		return fmt.Errorf("opendata: %w", err)
	}
	return nil
}

// handler applies one event to every dataset that reads its topic, in one
// transaction. An event a dataset cannot turn into a row goes to the
// dead-letter topic with the dataset and the column; the datasets it did
// suit keep its change (a replay applies it to the others only).
func (s *Service) handler(topic string) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		var event map[string]any
		if err := json.Unmarshal(msg.Payload, &event); err != nil {
			return middleware.Permanent(fmt.Errorf("opendata: the event is not a JSON object"))
		}
		ctx := msg.Context()
		var changes []Change
		var errs []error
		for _, d := range s.datasets {
			if !slices.Contains(d.Source.Topics, topic) {
				continue
			}
			if un := s.unnoted(d.ID, topic, d.Compiled.Unclassified(event)); len(un) > 0 {
				fresh, err := s.store.NoteUnclassified(ctx, d.ID, topic, un)
				if err != nil {
					return err
				}
				if len(fresh) > 0 {
					s.cfg.Logger.Warn("unclassified fields kept out of the dataset until a person classifies them in source.fields",
						"dataset", d.Name, "topic", topic, "fields", fresh)
				}
			}
			c, err := changeOf(d, topic, msg.UUID, event)
			if err != nil {
				errs = append(errs, fmt.Errorf("dataset %s: %w", d.Name, err))
				continue
			}
			if c != nil {
				changes = append(changes, *c)
			}
		}
		if len(changes) > 0 {
			if _, err := s.store.Apply(ctx, changes); err != nil {
				return err // transient: retried, then redelivered
			}
		}
		if len(errs) > 0 {
			return middleware.Permanent(errors.Join(errs...))
		}
		return nil
	}
}

// unnoted returns the fields of un this process has not yet noted as
// unclassified for the dataset and topic, and marks them noted: the store
// is asked once per field, not on every event.
func (s *Service) unnoted(datasetID, topic string, un []string) []string {
	if len(un) == 0 {
		return nil
	}
	s.notedMu.Lock()
	defer s.notedMu.Unlock()
	if s.noted == nil {
		s.noted = map[string]bool{}
	}
	var out []string
	for _, f := range un {
		k := datasetID + "\x00" + topic + "\x00" + f
		if !s.noted[k] {
			s.noted[k] = true
			out = append(out, f)
		}
	}
	return out
}

// schedule publishes each dataset whose version is due: it has changes
// since its last version, none in the last Settle, and its update interval
// has passed since the last version.
func (s *Service) schedule(ctx context.Context) {
	t := time.NewTicker(s.cfg.CheckEvery)
	defer t.Stop()
	said := map[string]string{}
	for {
		for _, d := range s.datasets {
			if due, err := s.due(ctx, d); err != nil {
				s.cfg.Logger.Warn("schedule", "dataset", d.Name, "err", err)
			} else if due {
				_, err := s.Publish(ctx, d.ID)
				s.logScheduled(said, d, err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// logScheduled logs the outcome of a scheduled Publish of d. A refusal is
// logged once, not at every check while it stands (said holds the last one
// per dataset): an ERROR, but INFO for a version that waits because every
// row would be hidden (release.ErrEveryRowHidden), the normal state of a
// small dataset.
func (s *Service) logScheduled(said map[string]string, d *dataset.Loaded, err error) {
	if err == nil || errors.Is(err, ErrNoChange) {
		delete(said, d.ID)
		return
	}
	if said[d.ID] == err.Error() {
		return
	}
	said[d.ID] = err.Error()
	if errors.Is(err, release.ErrEveryRowHidden) {
		s.cfg.Logger.Info("version waits for more data: every row would be hidden", "dataset", d.Name, "err", err)
		return
	}
	s.cfg.Logger.Error("version not published", "dataset", d.Name, "err", err)
}

func (s *Service) due(ctx context.Context, d *dataset.Loaded) (bool, error) {
	every := d.Interval()
	if every == 0 {
		return false, nil
	}
	pending, last, err := s.store.Pending(ctx, d.ID)
	if err != nil || pending == 0 {
		return false, err
	}
	if changed, err := s.store.ChangedAt(ctx, d.ID); err != nil || time.Since(changed) < s.cfg.Settle {
		return false, err
	}
	if last == 0 {
		return true, nil
	}
	vs, err := s.store.Versions(ctx, d.ID)
	if err != nil || len(vs) == 0 {
		return false, err
	}
	return time.Since(vs[0].PublishedAt) >= every, nil
}

// Changes is how many events have changed a dataset in all.
func (s *Service) Changes(ctx context.Context, idOrName string) (int64, error) {
	d, ok := s.Lookup(idOrName)
	if !ok {
		return 0, fmt.Errorf("opendata: no dataset %q", idOrName)
	}
	return s.store.Changes(ctx, d.ID)
}

// Rows calls fn with each row of a published version, as column → value.
func (s *Service) Rows(ctx context.Context, idOrName string, version int, fn func(map[string]any)) error {
	d, ok := s.Lookup(idOrName)
	if !ok {
		return fmt.Errorf("opendata: no dataset %q", idOrName)
	}
	vs, err := s.store.Versions(ctx, d.ID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(vs, func(v Version) bool { return v.Version == version })
	if i < 0 {
		return fmt.Errorf("opendata: dataset %s has no version %d", d.Name, version)
	}
	return s.store.VersionRows(ctx, d.ID, version, 0, 0, func(_ int64, row []any) bool {
		m := make(map[string]any, len(row))
		for j, c := range vs[i].Columns {
			m[c] = row[j]
		}
		fn(m)
		return true
	})
}

// Preview anonymises the dataset's current data by its policy as a version
// would be, without publishing it.
func (s *Service) Preview(ctx context.Context, idOrName string) (*release.Output, error) {
	d, ok := s.Lookup(idOrName)
	if !ok {
		return nil, fmt.Errorf("opendata: no dataset %q", idOrName)
	}
	_, last, err := s.store.Pending(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	return s.build(ctx, d, last+1)
}

func (s *Service) build(ctx context.Context, d *dataset.Loaded, version int) (*release.Output, error) {
	in := release.Input{Def: d, Version: version, Key: s.cfg.Key, Now: time.Now().UTC()}
	var err error
	if d.Shape.Kind == dataset.ShapeMicrodata {
		in.Rows, err = s.store.Rows(ctx, d.ID)
	} else {
		in.Cells, err = s.store.Cells(ctx, d.ID)
	}
	if err != nil {
		return nil, err
	}
	return release.Build(in)
}

// Publish publishes a new version of the dataset now, if anything changed
// since the last one (else ErrNoChange). A version that its policy refuses
// is an error, and nothing is published.
func (s *Service) Publish(ctx context.Context, idOrName string) (*Version, error) {
	d, ok := s.Lookup(idOrName)
	if !ok {
		return nil, fmt.Errorf("opendata: no dataset %q", idOrName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pending, last, err := s.store.Pending(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	if pending == 0 && last > 0 {
		return nil, ErrNoChange
	}
	var total int64
	total, err = s.store.Changes(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	out, err := s.build(ctx, d, last+1)
	if err != nil {
		return nil, fmt.Errorf("opendata: dataset %s: version %d refused: %w", d.Name, last+1, err)
	}
	sum, err := checksum(out.Columns, out.Rows)
	if err != nil {
		return nil, err
	}
	report, err := json.Marshal(out.Report)
	if err != nil {
		return nil, err
	}
	v := Version{DatasetID: d.ID, Version: last + 1, PublishedAt: time.Now().UTC(), RowCount: int64(len(out.Rows)), Columns: out.Columns, SHA256: sum, Report: report}
	if err := s.store.AddVersion(ctx, v, out.Rows, total); err != nil {
		return nil, err
	}
	if err := s.announce(d, v, out); err != nil {
		// The version stands; the announcement is what is missing.
		s.cfg.Logger.Error("version published but not announced", "dataset", d.Name, "version", v.Version, "err", err)
		return &v, err
	}
	s.cfg.Logger.Info("version published", "dataset", d.Name, "version", v.Version, "rows", v.RowCount)
	return &v, nil
}

func (s *Service) announce(d *dataset.Loaded, v Version, out *release.Output) error {
	base := fmt.Sprintf("%s/datasets/%s/versions/%d", s.cfg.BaseURL, d.ID, v.Version)
	ev := schemas.DatasetPublished{
		DatasetID: d.ID, Version: v.Version, Title: d.Title.SV, PublishedAt: v.PublishedAt,
		RowCount: int(v.RowCount), Formats: []schemas.DatasetFormat{schemas.FormatCSV, schemas.FormatJSON, schemas.FormatNDJSON},
		PrivacyReportURL: base + "/privacy-report.json", DownloadURL: base, SHA256: v.SHA256,
		Licence: schemas.Licence(d.LicenceIRI()),
	}
	if out.TemporalStart != "" {
		ev.TemporalStart = schemas.Date(out.TemporalStart)
		ev.TemporalEnd = schemas.Date(out.TemporalEnd)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	id := eventID(d.ID, v.Version)
	msg := message.NewMessage(id, payload)
	msg.Metadata.Set(bus.MetadataPartitionKey, d.ID)
	return s.pub.Publish(TopicPublished, msg)
}

// eventID is the announcement's deterministic id, so that announcing a
// version twice is recognised downstream.
func eventID(datasetID string, version int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "opendata/%s/%d", datasetID, version))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// checksum is the SHA-256 of the version as CSV (header and rows), the
// first format it is offered in.
func checksum(cols []string, rows [][]any) (string, error) {
	h := sha256.New()
	if err := WriteCSV(h, cols, rows, ','); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// WriteCSV writes a header and rows as CSV (RFC 4180) with the separator.
func WriteCSV(w interface{ Write([]byte) (int, error) }, cols []string, rows [][]any, sep rune) error {
	cw := csv.NewWriter(w)
	cw.Comma = sep
	if err := cw.Write(cols); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for _, r := range rows {
		for i, v := range r {
			rec[i] = cellText(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		b, _ := json.Marshal(x)
		return string(bytes.TrimSpace(b))
	default:
		return fmt.Sprint(x)
	}
}
