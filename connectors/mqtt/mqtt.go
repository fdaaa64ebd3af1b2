// Package mqtt is the mqtt connector: it subscribes to MQTT topics with
// paho and puts every message, a JSON object, on the bus.
//
// Nothing is lost: QoS 1 messages are acknowledged to the broker (paho's
// manual acks) only in the batch's AckFunc, once the batch is on the bus,
// and the session is persistent by default (clean_session: false), so the
// broker keeps what arrives while the connector is down and redelivers what
// was never acknowledged. A message delivered twice becomes an event with
// the same deterministic id.
//
// MQTT has no offsets: records carry no Position and the connector is no
// Seeker; the broker's session is its checkpoint.
//
// Every record's Fields are the payload's properties plus _topic, the MQTT
// topic, so that a mapping can derive e.g. a sensor id from it. A payload
// that is not a JSON object becomes a record with Err, which the Runtime
// sends to the dead-letter topic.
package mqtt

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/vasteras/civicbus/connectors"
)

// Kind is the mqtt connector kind.
func Kind() connectors.Kind {
	return connectors.KindOf("mqtt", "subscribes to MQTT topics and reads each message's JSON payload", New)
}

// Source is the mqtt connectors.Source and connectors.Lagger.
type Source struct {
	cfg      Config
	logger   *slog.Logger
	password string
	batch    int
	maxWait  time.Duration

	mu   sync.Mutex
	sess *session // nil when not connected
}

// session is one connection: its client, its queue and whether it is lost.
type session struct {
	client paho.Client
	queue  chan paho.Message
	lost   chan struct{} // closed when the connection is lost or closed
	once   sync.Once
	err    error // why it was lost, set before lost is closed
}

func (s *session) end(err error) {
	s.once.Do(func() {
		s.err = err
		close(s.lost)
	})
}

// New returns a Source for cfg, after validating it and reading its
// password.
func New(cfg Config, logger *slog.Logger) (*Source, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pw, err := cfg.password()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Source{cfg: cfg, logger: logger, password: pw, batch: cfg.Batch, maxWait: cfg.maxWait()}
	if s.batch == 0 {
		s.batch = DefaultBatch
	}
	return s, nil
}

// Connect connects to the broker and subscribes to the topics. paho's
// auto-reconnect is off: a lost connection makes Read return
// connectors.ErrNotConnected, and the Runtime connects again with backoff.
func (s *Source) Connect(ctx context.Context) error {
	s.mu.Lock()
	old := s.sess
	s.sess = nil
	s.mu.Unlock()
	if old != nil {
		old.end(errors.New("reconnecting"))
		old.client.Disconnect(0)
		// With a persistent session the broker redelivers what old held and
		// never acked; with a clean one, what old held is still read.
		if !s.cfg.CleanSession {
			drain(old.queue)
		}
	}
	qsize := s.cfg.Queue
	if qsize == 0 {
		qsize = DefaultQueue
	}
	sess := &session{queue: make(chan paho.Message, qsize), lost: make(chan struct{})}
	if old != nil && s.cfg.CleanSession {
		for len(old.queue) > 0 {
			select {
			case sess.queue <- <-old.queue:
			default:
			}
		}
	}
	handler := func(_ paho.Client, m paho.Message) {
		// Blocking here holds paho's router, so a full queue stops taking
		// messages from the broker: the queue is bounded.
		select {
		case sess.queue <- m:
		case <-sess.lost:
		}
	}
	opts := paho.NewClientOptions().
		AddBroker(s.cfg.Broker).
		SetClientID(s.cfg.ClientID).
		SetCleanSession(s.cfg.CleanSession).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetAutoAckDisabled(true).
		SetOrderMatters(true).
		SetConnectTimeout(10 * time.Second).
		SetKeepAlive(30 * time.Second).
		SetDefaultPublishHandler(handler). // a persistent session's messages may come before Subscribe
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			s.logger.Warn("mqtt connection lost", "broker", s.cfg.Broker, "err", err)
			sess.end(err)
		})
	if s.cfg.Username != "" {
		opts.SetUsername(s.cfg.Username).SetPassword(s.password)
	}
	if u, err := url.Parse(s.cfg.Broker); err == nil && (u.Scheme == "tcp" || u.Scheme == "mqtt") {
		opts.SetCustomOpenConnectionFn(openConn)
	}
	client := paho.NewClient(opts)
	sess.client = client
	if err := wait(ctx, client.Connect()); err != nil {
		client.Disconnect(0)
		return fmt.Errorf("mqtt: connect %s: %w", s.cfg.Broker, err)
	}
	filters := make(map[string]byte, len(s.cfg.Topics))
	for _, t := range s.cfg.Topics {
		filters[t] = s.cfg.qos()
	}
	tok := client.SubscribeMultiple(filters, handler)
	if err := wait(ctx, tok); err != nil {
		sess.end(err)
		client.Disconnect(0)
		return fmt.Errorf("mqtt: subscribe %v: %w", s.cfg.Topics, err)
	}
	if st, ok := tok.(*paho.SubscribeToken); ok {
		for t, code := range st.Result() {
			if code == 0x80 {
				sess.end(errors.New("subscription refused"))
				client.Disconnect(0)
				return fmt.Errorf("mqtt: subscribe %q: refused by the broker", t)
			}
		}
	}
	s.mu.Lock()
	s.sess = sess
	s.mu.Unlock()
	return nil
}

func drain(q chan paho.Message) {
	for {
		select {
		case <-q:
		default:
			return
		}
	}
}

// wait waits for tok or ctx.
func wait(ctx context.Context, tok paho.Token) error {
	select {
	case <-tok.Done():
		return tok.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Read returns the queued messages, at most batch, waiting for the first
// one and then up to max_wait for more.
func (s *Source) Read(ctx context.Context) (connectors.Batch, connectors.AckFunc, error) {
	s.mu.Lock()
	sess := s.sess
	s.mu.Unlock()
	if sess == nil {
		return nil, nil, connectors.ErrNotConnected
	}
	var msgs []paho.Message
	select {
	case m := <-sess.queue:
		msgs = append(msgs, m)
	case <-sess.lost:
		return nil, nil, fmt.Errorf("%w: %v", connectors.ErrNotConnected, sess.err)
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	timer := time.NewTimer(s.maxWait)
	defer timer.Stop()
fill:
	for len(msgs) < s.batch {
		select {
		case m := <-sess.queue:
			msgs = append(msgs, m)
			continue
		default:
		}
		select {
		case m := <-sess.queue:
			msgs = append(msgs, m)
		case <-timer.C:
			break fill
		case <-sess.lost:
			break fill
		case <-ctx.Done():
			break fill
		}
	}
	batch := make(connectors.Batch, len(msgs))
	for i, m := range msgs {
		batch[i] = s.record(m)
	}
	ack := func(_ context.Context, err error) error {
		if err != nil {
			// Not acked: the broker redelivers after the next connect.
			return nil
		}
		for _, m := range msgs {
			m.Ack()
		}
		return nil
	}
	return batch, ack, nil
}

// record makes a record of a message.
func (s *Source) record(m paho.Message) connectors.Record {
	payload := m.Payload()
	sum := sha256.Sum256(payload)
	rec := connectors.Record{
		// The topic with a digest of the payload, so that two different bad
		// messages on one topic make dead letters with different ids, and a
		// redelivered one the same.
		Origin: connectors.Origin{File: m.Topic() + "#" + hex.EncodeToString(sum[:6])},
		Raw:    append([]byte(nil), payload...),
	}
	var fields map[string]any
	if err := json.Unmarshal(payload, &fields); err != nil || fields == nil {
		rec.Err = errors.New("mqtt: payload is not a JSON object")
		if err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				rec.Err = fmt.Errorf("mqtt: payload is not a JSON object: invalid JSON at byte %d", se.Offset)
			}
		}
		return rec
	}
	fields[TopicField] = m.Topic()
	rec.Fields = fields
	if s.cfg.Key != "" {
		if v, ok := fields[s.cfg.Key]; ok && v != nil {
			rec.Key = fmt.Sprint(v)
		}
	}
	return rec
}

// Lag is how many received messages wait for a Read.
func (s *Source) Lag() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sess == nil {
		return 0
	}
	return int64(len(s.sess.queue))
}

// Close disconnects. Messages read but not acked stay with the broker (with
// a persistent session) and are delivered again on the next connect.
func (s *Source) Close(ctx context.Context) error {
	s.mu.Lock()
	sess := s.sess
	s.sess = nil
	s.mu.Unlock()
	if sess == nil {
		return nil
	}
	sess.end(errors.New("closed"))
	sess.client.Disconnect(1000)
	return nil
}

// drainConn is a TCP connection whose Close first waits (half a second at
// most) for the broker to end the connection. paho closes the socket right
// after writing DISCONNECT; a broker may then take the session over for the
// next connection of the same client id before it has read the PUBACKs
// written just before, and deliver those messages again. Waiting for the
// broker's end of the connection means it has read everything.
type drainConn struct {
	net.Conn
	eof  chan struct{}
	once sync.Once
}

func openConn(u *url.URL, o paho.ClientOptions) (net.Conn, error) {
	d := net.Dialer{Timeout: o.ConnectTimeout}
	c, err := d.Dial("tcp", u.Host)
	if err != nil {
		return nil, err
	}
	return &drainConn{Conn: c, eof: make(chan struct{})}, nil
}

func (c *drainConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if err != nil {
		c.once.Do(func() { close(c.eof) })
	}
	return n, err
}

func (c *drainConn) Close() error {
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	t := time.NewTimer(500 * time.Millisecond)
	defer t.Stop()
	select {
	case <-c.eof:
	case <-t.C:
	}
	return c.Conn.Close()
}
