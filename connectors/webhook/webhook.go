// Package webhook is the webhook connector: municipal systems POST their
// records to /api/ingest/<connector name> on the process's HTTP server, and
// each request is answered only once its records' fate is known.
//
// A body is one JSON object (one record) or, with Content-Type
// application/x-ndjson, one object a line. Senders authenticate with a
// bearer token or an HMAC-SHA256 signature of the body (GitHub's
// X-Hub-Signature-256: sha256=<hex>), optionally over a timestamp that
// bounds replays. The answers:
//
//	202  every record is on the bus
//	400  a record is a dead letter (it is in <topic>.dlq); the body names the field and rule
//	401  missing or wrong token, signature or timestamp
//	405  not a POST (from the mux)
//	413  the body is larger than max_body_bytes
//	415  not JSON or NDJSON
//	503  not running, the queue is full, or the bus did not take the records within timeout (Retry-After)
//
// A webhook has no position to resume from: the sender's retry is its
// durability. A sender that got no 202 (or 400) sends again; the retry
// becomes an event with the same deterministic id (from the event's catalog
// key properties; for an event without them from key_header or key_field,
// else the body's SHA-256), so
// consumers apply it once even when the first delivery reached the bus
// after its request gave up.
package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vasteras/civicbus/connectors"
)

// PathPrefix is where webhooks are mounted: PathPrefix + connector name.
const PathPrefix = "/api/ingest/"

// Kind is the webhook connector kind.
func Kind() connectors.Kind {
	return connectors.KindOfEnv("webhook", "takes records POSTed to /api/ingest/<name>, with a bearer token or an HMAC signature", New)
}

// errClosed is the outcome of records still queued when the Source closes.
var errClosed = errors.New("webhook: the connector stopped before the record reached the bus")

// Source is the webhook connectors.Source and connectors.Lagger.
type Source struct {
	cfg     Config
	path    string
	mux     *http.ServeMux
	logger  *slog.Logger
	maxBody int64
	queue   int
	batch   int
	timeout time.Duration
	wake    chan struct{} // a record was queued or the Source closed

	mu      sync.Mutex
	secret  []byte
	open    bool
	pending []connectors.Record
}

// New returns the webhook of the connector env.Name; it reads the secret to
// fail early. It mounts nothing until Connect.
func New(cfg Config, env connectors.Env) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	secret, err := cfg.secret()
	if err != nil {
		return nil, err
	}
	logger := env.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Source{cfg: cfg, path: PathPrefix + env.Name, mux: env.Mux, logger: logger, secret: secret,
		maxBody: orDefault(cfg.MaxBodyBytes, DefaultMaxBodyBytes), queue: orDefault(cfg.Queue, DefaultQueue),
		batch: orDefault(cfg.Batch, DefaultBatch), timeout: cfg.timeout(), wake: make(chan struct{}, 1)}, nil
}

// Path is where the webhook answers.
func (s *Source) Path() string { return s.path }

// Connect reads the secret again (a rotated one takes effect), mounts the
// endpoint on the mux the first time, and starts taking requests.
func (s *Source) Connect(context.Context) error {
	if s.mux == nil {
		return fmt.Errorf("webhook: %s: this process serves no HTTP; a webhook runs in civicbus run or serve connect", s.path)
	}
	secret, err := s.cfg.secret()
	if err != nil {
		return err
	}
	if err := attach(s.mux, s.path, s); err != nil {
		return err
	}
	s.mu.Lock()
	s.secret, s.open = secret, true
	s.mu.Unlock()
	return nil
}

// Read returns the queued records, at most batch of them, waiting for one.
func (s *Source) Read(ctx context.Context) (connectors.Batch, connectors.AckFunc, error) {
	for {
		s.mu.Lock()
		if !s.open {
			s.mu.Unlock()
			return nil, nil, connectors.ErrNotConnected
		}
		if n := min(len(s.pending), s.batch); n > 0 {
			b := connectors.Batch(s.pending[:n:n])
			s.pending = s.pending[n:]
			s.mu.Unlock()
			return b, nil, nil
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-s.wake:
		}
	}
}

// Close stops taking requests (they are answered 503) and tells the
// senders of records still queued that they did not reach the bus.
func (s *Source) Close(context.Context) error {
	detach(s.mux, s.path, s)
	s.mu.Lock()
	left := s.pending
	s.pending, s.open = nil, false
	s.mu.Unlock()
	for _, rec := range left {
		rec.Done(errClosed)
	}
	s.signal()
	return nil
}

// Lag implements connectors.Lagger: the records waiting for a Read.
func (s *Source) Lag() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64(len(s.pending))
}

// enqueue queues recs, all or none; false when they do not fit or the
// Source is closed.
func (s *Source) enqueue(recs []connectors.Record) bool {
	s.mu.Lock()
	ok := s.open && len(s.pending)+len(recs) <= s.queue
	if ok {
		s.pending = append(s.pending, recs...)
	}
	s.mu.Unlock()
	if ok {
		s.signal()
	}
	return ok
}

func (s *Source) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// state is the secret and whether the Source takes requests.
func (s *Source) state() ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.secret, s.open
}

// record makes the record of raw, one JSON object: line is its line in an
// NDJSON body, 0 for a single object; key is the key_header's value.
func (s *Source) record(raw []byte, line int, key string) connectors.Record {
	rec := connectors.Record{Raw: raw, Origin: connectors.Origin{File: "POST " + s.path, Line: line}}
	rec.Fields, rec.Err = connectors.JSONFields(raw)
	switch {
	case key != "" && line > 0:
		rec.Key = key + "\x1fline=" + strconv.Itoa(line)
	case key != "":
		rec.Key = key
	case s.cfg.KeyField != "" && rec.Fields[s.cfg.KeyField] != nil:
		rec.Key = fmt.Sprint(rec.Fields[s.cfg.KeyField])
	default:
		sum := sha256.Sum256(raw)
		rec.Key = "sha256:" + hex.EncodeToString(sum[:])
	}
	// No position to resume from; a hash (never the key itself, which may
	// be personal) gives dead letters of different records different ids.
	sum := sha256.Sum256(append([]byte(rec.Key+"\x00"), raw...))
	rec.Position = hex.EncodeToString(sum[:])
	return rec
}

// The mount table: http.ServeMux cannot unregister, so each mux+path is
// mounted once and routes to the Source connected there, if any.
var mounts = struct {
	sync.Mutex
	m map[mountKey]*endpoint
}{m: map[mountKey]*endpoint{}}

type mountKey struct {
	mux  *http.ServeMux
	path string
}

// endpoint is one mounted path.
type endpoint struct {
	mu  sync.Mutex
	src *Source // nil while no Source is connected
}

func attach(mux *http.ServeMux, path string, s *Source) error {
	mounts.Lock()
	ep := mounts.m[mountKey{mux, path}]
	if ep == nil {
		ep = &endpoint{}
		// With its method, so that it does not conflict with a "GET /"
		// (the portal); the mux answers 405 to other methods.
		mux.Handle(http.MethodPost+" "+path, ep)
		mounts.m[mountKey{mux, path}] = ep
	}
	mounts.Unlock()
	ep.mu.Lock()
	defer ep.mu.Unlock()
	if ep.src != nil && ep.src != s {
		return fmt.Errorf("webhook: %s is served by another connector of the same name", path)
	}
	ep.src = s
	return nil
}

func detach(mux *http.ServeMux, path string, s *Source) {
	mounts.Lock()
	ep := mounts.m[mountKey{mux, path}]
	mounts.Unlock()
	if ep == nil {
		return
	}
	ep.mu.Lock()
	if ep.src == s {
		ep.src = nil
	}
	ep.mu.Unlock()
}

func (ep *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ep.mu.Lock()
	s := ep.src
	ep.mu.Unlock()
	if s == nil {
		unavailable(w, "the connector is not running")
		return
	}
	s.serve(w, r)
}

var _ interface {
	connectors.Source
	connectors.Lagger
} = (*Source)(nil)
