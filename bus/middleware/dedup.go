package middleware

import (
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
)

// DefaultDedupWindow is how long a Deduplicator remembers an event id when
// it is given no window.
const DefaultDedupWindow = 10 * time.Minute

// Deduplicator is a middleware that drops a message whose UUID (its event
// id, ce_id) this process already handled within the window: such a message
// is acknowledged without running the handler. It catches the duplicates that
// at-least-once delivery makes in the short run (a producer's retry, a
// redelivery after a rebalance). It is a best-effort window in one process's
// memory, lost on restart and not shared between replicas; effectively-once
// processing comes from consumers that store the event id in the same
// transaction as the state it changes.
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
// stops. Expired ids are swept here as new ones arrive.
//
// A Deduplicator is safe for concurrent use; make one with NewDeduplicator.
type Deduplicator struct {
	// OnDuplicate, when set, is called for each dropped duplicate.
	OnDuplicate func(msg *message.Message)

	window time.Duration
	now    func() time.Time

	mu        sync.Mutex
	seen      map[string]claim
	nextSweep time.Time
}

// claim is an id being handled or handled: nacked is the Nacked channel of
// the message that claimed it, closed if that message was nacked.
type claim struct {
	expires time.Time
	nacked  <-chan struct{}
}

// NewDeduplicator returns a Deduplicator that remembers an id for window;
// a window that is not positive is DefaultDedupWindow.
func NewDeduplicator(window time.Duration) *Deduplicator {
	if window <= 0 {
		window = DefaultDedupWindow
	}
	return &Deduplicator{window: window, now: time.Now, seen: map[string]claim{}}
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
	now := d.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.sweep(now)
	if c, ok := d.seen[msg.UUID]; ok && now.Before(c.expires) && !closed(c.nacked) {
		return false
	}
	d.seen[msg.UUID] = claim{expires: now.Add(d.window), nacked: msg.Nacked()}
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

// sweep drops expired ids, at most once per half window.
func (d *Deduplicator) sweep(now time.Time) {
	if now.Before(d.nextSweep) {
		return
	}
	for id, c := range d.seen {
		if !now.Before(c.expires) {
			delete(d.seen, id)
		}
	}
	d.nextSweep = now.Add(d.window / 2)
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
