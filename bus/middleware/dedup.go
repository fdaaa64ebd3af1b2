package middleware

import (
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

// DefaultDedupWindow is how long a Deduplicator remembers an event id when
// it is given no window.
const DefaultDedupWindow = 10 * time.Minute

// DefaultDedupMaxIDs is how many event ids a Deduplicator remembers at most
// when it is given no bound: about 6 MB (BenchmarkDeduplicatorMemory). At
// 5,000 events/s a 10-minute window would hold 3 million ids; the bound
// shrinks it to the last 25,000, five seconds at that rate, which still
// spans what a redelivery brings back: what a consumer had in hand and not
// committed (a partition's in-flight window, a second of acks between
// commits). With 100,000 each service's router kept up to 25 MB, 38 MB of
// the heap in a civicbus bench profile.
const DefaultDedupMaxIDs = 25_000

// Deduplicator is a middleware that drops a message whose UUID (its event
// id, ce_id) this process already handled within the window: such a message
// is acknowledged without running the handler. It catches the duplicates that
// at-least-once delivery makes in the short run (a producer's retry, a
// redelivery after a rebalance). It is a best-effort window in one process's
// memory, bounded in size, lost on restart and not shared between replicas;
// effectively-once processing comes from consumers that store the event id
// in the same transaction as the state it changes.
//
// An id counts as handled only once the handler succeeded and the message was
// not nacked afterwards: a message whose handler failed (and which is then
// dead-lettered or redelivered), or that the router nacked because its
// produced messages could not be published, is handled again when it comes
// back, and so is a dead letter replayed within the window. A duplicate that
// arrives while the first copy is still being handled is dropped: the first
// copy is either handled, dead-lettered or redelivered.
//
// Watermill's own Deduplicator is not used because it remembers a key before
// the handler runs, so a failed message that comes back would be dropped and
// lost, and because its in-memory repository starts a goroutine that never
// stops. Ids are forgotten oldest first as new ones arrive: once expired, or
// once more than the bound are remembered.
//
// A Deduplicator is safe for concurrent use; make one with NewDeduplicator.
type Deduplicator struct {
	// OnDuplicate, when set, is called for each dropped duplicate.
	OnDuplicate func(msg *message.Message)

	window time.Duration
	maxIDs int
	now    func() time.Time

	mu    sync.Mutex
	seen  map[string]claim
	order []claimed // the claims in the order made, which is the order they expire
	head  int       // order[:head] are forgotten
}

// claim is an id being handled or handled: nacked is the Nacked channel of
// the message that claimed it, closed if that message was nacked.
type claim struct {
	expires int64 // Unix nanoseconds
	nacked  <-chan struct{}
}

// claimed is an entry of the claim order; it is stale when seen holds
// another claim of its id (a later one, or none).
type claimed struct {
	id      string
	expires int64
}

// NewDeduplicator returns a Deduplicator that remembers an id for window,
// and at most maxIDs ids; a window or bound that is not positive takes
// DefaultDedupWindow or DefaultDedupMaxIDs.
func NewDeduplicator(window time.Duration, maxIDs int) *Deduplicator {
	if window <= 0 {
		window = DefaultDedupWindow
	}
	if maxIDs <= 0 {
		maxIDs = DefaultDedupMaxIDs
	}
	return &Deduplicator{window: window, maxIDs: maxIDs, now: time.Now, seen: map[string]claim{}}
}

// Middleware is the message.HandlerMiddleware.
func (d *Deduplicator) Middleware(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		if !d.claim(msg) {
			if d.OnDuplicate != nil {
				d.OnDuplicate(msg)
			}
			return nil, nil
		}
		produced, err := h(msg)
		if err != nil {
			d.release(msg)
		}
		return produced, err
	}
}

// claim records msg's id and reports true, or reports false when the id is
// already claimed by a message that was not nacked.
func (d *Deduplicator) claim(msg *message.Message) bool {
	now := d.now().UnixNano()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.forget(now)
	if c, ok := d.seen[msg.UUID]; ok && now < c.expires && !closed(c.nacked) {
		return false
	}
	expires := now + int64(d.window)
	d.seen[msg.UUID] = claim{expires: expires, nacked: msg.Nacked()}
	d.order = append(d.order, claimed{id: msg.UUID, expires: expires})
	return true
}

// release forgets msg's id if msg is the message that claimed it.
func (d *Deduplicator) release(msg *message.Message) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.seen[msg.UUID]; ok && c.nacked == msg.Nacked() {
		delete(d.seen, msg.UUID)
	}
}

// forget drops the oldest claims while they have expired or while there is
// no room for one more id (stale entries of the order count against it too,
// so that a storm of failures cannot grow it without bound).
func (d *Deduplicator) forget(now int64) {
	for d.head < len(d.order) {
		e := d.order[d.head]
		if e.expires > now && len(d.seen) < d.maxIDs && len(d.order)-d.head < 2*d.maxIDs {
			break
		}
		if c, ok := d.seen[e.id]; ok && c.expires == e.expires {
			delete(d.seen, e.id)
		}
		d.order[d.head] = claimed{}
		d.head++
	}
	if d.head > 1024 && d.head > len(d.order)/2 {
		n := copy(d.order, d.order[d.head:])
		clear(d.order[n:])
		d.order = d.order[:n]
		d.head = 0
	}
}

// Len returns how many ids the Deduplicator remembers, expired ones not yet
// swept included.
func (d *Deduplicator) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
