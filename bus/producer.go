package bus

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"
	"github.com/segmentio/kafka-go/protocol/produce"
)

// producer sends records to Kafka with kafka-go's Transport, batching them
// the way Kafka's own clients do rather than the way kafka-go's Writer does.
//
// The Writer sends one produce request per partition and holds a partial
// batch for BatchTimeout, so a lone record always waits, and concurrent
// single-record publishers to 8 partitions cost 8 requests per round. Here
// one round is in flight at a time: it carries everything queued when it
// started, grouped into one produce request per leader broker with all their
// partitions, and what arrives meanwhile goes in the next round. A lone
// record goes out at once, and under load batches grow by themselves (Kafka's
// linger.ms=0 behaviour). One round at a time also keeps every partition's
// records in order through retries.
type producer struct {
	conn      Connection
	transport *kafka.Transport
	meta      *leaders
	maxBytes  int64 // records of one partition in one request
	timeout   time.Duration

	mu       sync.Mutex
	queue    []*queued
	inflight bool
	idle     *sync.Cond // signalled when a round ends with nothing queued
}

// queued is one record waiting to be produced.
type queued struct {
	topic     string
	partition int
	record    kafka.Message // Key, Value, Headers and Time
	size      int64
	deadline  time.Time
	call      *call
}

// call is one Publish: it completes when its last record is stored or failed.
type call struct {
	mu      sync.Mutex
	pending int
	err     error
	done    chan struct{}
}

func newCall(n int) *call { return &call{pending: n, done: make(chan struct{})} }

func (c *call) finish(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil && c.err == nil {
		c.err = err
	}
	c.pending--
	if c.pending == 0 {
		close(c.done)
	}
}

func newProducer(conn Connection, t *kafka.Transport, maxBytes int64, timeout time.Duration) *producer {
	p := &producer{conn: conn, transport: t, meta: newLeaders(conn, t), maxBytes: maxBytes, timeout: timeout}
	p.idle = sync.NewCond(&p.mu)
	return p
}

// enqueue queues records and starts a round if none is in flight.
func (p *producer) enqueue(items []*queued) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = append(p.queue, items...)
	if !p.inflight {
		p.inflight = true
		go p.rounds()
	}
}

// waitIdle returns once nothing is queued or in flight.
func (p *producer) waitIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.inflight {
		p.idle.Wait()
	}
}

// rounds sends rounds until the queue is empty.
func (p *producer) rounds() {
	for {
		p.mu.Lock()
		batch := p.take()
		if len(batch) == 0 {
			p.inflight = false
			p.idle.Broadcast()
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		p.send(batch)
	}
}

// take removes from the queue what one round carries: at most maxBytes per
// partition, in queue order. A partition that is full for this round keeps
// its later records queued so that order holds. It is called with p.mu held.
func (p *producer) take() []*queued {
	type tp struct {
		topic     string
		partition int
	}
	bytes := map[tp]int64{}
	var batch, rest []*queued
	full := map[tp]bool{}
	for _, q := range p.queue {
		k := tp{q.topic, q.partition}
		if full[k] || (bytes[k] > 0 && bytes[k]+q.size > p.maxBytes) {
			full[k] = true
			rest = append(rest, q)
			continue
		}
		bytes[k] += q.size
		batch = append(batch, q)
	}
	p.queue = rest
	return batch
}

// send produces batch, retrying what fails with a retriable error until the
// records' deadlines, and completes every record's call.
func (p *producer) send(batch []*queued) {
	backoff := 50 * time.Millisecond
	for len(batch) > 0 {
		retry := p.attempt(batch)
		if len(retry) == 0 {
			return
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, time.Second)
		now := time.Now()
		batch = batch[:0]
		for _, r := range retry {
			if now.After(r.q.deadline) {
				r.q.call.finish(fmt.Errorf("%s/%d: gave up after %s: %w", r.q.topic, r.q.partition, p.timeout, r.err))
				continue
			}
			batch = append(batch, r.q)
		}
	}
}

type failed struct {
	q   *queued
	err error
}

// attempt sends one produce request per leader broker, concurrently, and
// returns the records to try again.
func (p *producer) attempt(batch []*queued) []failed {
	byLeader := map[int][]*queued{}
	var retry []failed
	for _, q := range batch {
		leader, err := p.meta.leader(q.topic, q.partition)
		if err != nil {
			retry = append(retry, failed{q, err})
			continue
		}
		byLeader[leader] = append(byLeader[leader], q)
	}
	if len(byLeader) == 1 { // the common case: no goroutine
		for _, qs := range byLeader {
			retry = append(retry, p.request(qs)...)
		}
	} else {
		var (
			wg sync.WaitGroup
			mu sync.Mutex
		)
		for _, qs := range byLeader {
			wg.Go(func() {
				r := p.request(qs)
				mu.Lock()
				retry = append(retry, r...)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	if len(retry) > 0 {
		p.meta.forget()
	}
	return retry
}

// request sends one produce request with records all led by one broker.
func (p *producer) request(qs []*queued) []failed {
	req, index := buildRequest(qs, p.timeout)
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	m, err := p.transport.RoundTrip(ctx, kafka.TCP(p.conn.Brokers...), req)
	if err != nil {
		out := make([]failed, len(qs))
		for i, q := range qs {
			out[i] = failed{q, err}
		}
		return out
	}
	res, ok := m.(*produce.Response)
	if !ok {
		err := fmt.Errorf("unexpected produce response %T", m)
		for _, q := range qs {
			q.call.finish(err)
		}
		return nil
	}
	var retry []failed
	answered := map[topicPartition]bool{}
	for _, t := range res.Topics {
		for _, part := range t.Partitions {
			k := topicPartition{t.Topic, int(part.Partition)}
			if answered[k] {
				continue
			}
			answered[k] = true
			err := kafkaError(part.ErrorCode, part.ErrorMessage)
			for _, q := range index[k] {
				switch {
				case err == nil:
					q.call.finish(nil)
				case retriable(err):
					retry = append(retry, failed{q, err})
				default:
					q.call.finish(fmt.Errorf("%s/%d: %w", q.topic, q.partition, err))
				}
			}
		}
	}
	// A well-behaved broker answers for every partition; never leave a call
	// waiting on one that does not.
	for k, recs := range index {
		if !answered[k] {
			for _, q := range recs {
				retry = append(retry, failed{q, errors.New("partition missing from the produce response")})
			}
		}
	}
	return retry
}

type topicPartition struct {
	topic     string
	partition int
}

// buildRequest groups records by topic and partition, keeping their order.
func buildRequest(qs []*queued, timeout time.Duration) (*produce.Request, map[topicPartition][]*queued) {
	index := map[topicPartition][]*queued{}
	var order []topicPartition
	for _, q := range qs {
		k := topicPartition{q.topic, q.partition}
		if _, ok := index[k]; !ok {
			order = append(order, k)
		}
		index[k] = append(index[k], q)
	}
	req := &produce.Request{Acks: int16(kafka.RequireAll), Timeout: int32(timeout / time.Millisecond)}
	topics := map[string]int{}
	for _, k := range order {
		i, ok := topics[k.topic]
		if !ok {
			i = len(req.Topics)
			topics[k.topic] = i
			req.Topics = append(req.Topics, produce.RequestTopic{Topic: k.topic})
		}
		recs := make([]protocol.Record, len(index[k]))
		for j, q := range index[k] {
			recs[j] = toRecord(q.record)
		}
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, produce.RequestPartition{
			Partition: int32(k.partition),
			RecordSet: protocol.RecordSet{Version: 2, Records: protocol.NewRecordReader(recs...)},
		})
	}
	return req, index
}

// toRecord makes the record that a request encodes. Its key and value are
// readers that encoding consumes, so every attempt makes its own.
func toRecord(m kafka.Message) protocol.Record {
	r := protocol.Record{Time: m.Time, Value: protocol.NewBytes(m.Value), Headers: m.Headers}
	if len(m.Key) > 0 {
		r.Key = protocol.NewBytes(m.Key)
	}
	return r
}

func kafkaError(code int16, msg string) error {
	if code == 0 {
		return nil
	}
	err := kafka.Error(code)
	if msg != "" {
		return fmt.Errorf("%w: %s", err, msg)
	}
	return err
}

// retriable reports whether a produce error may go away by itself: a leader
// moving, a broker restarting, a topic being created.
func retriable(err error) bool {
	var kerr kafka.Error
	if errors.As(err, &kerr) {
		return kerr.Temporary()
	}
	return true // network and transport errors
}
