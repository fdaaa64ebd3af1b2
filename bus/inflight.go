package bus

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go"
)

// readAheadFactor bounds a partition's window to this many times MaxInFlight
// records read past its committed prefix. A message that is slow to be acked
// holds the commit of everything read after it; with the bound, the memory it
// holds is bounded too, and the partition stops reading until it is acked.
const readAheadFactor = 4

// window is one partition's records that are read and not yet part of the
// acked prefix, and which of them may be delivered now. It is the key-ordered
// mode of a parallel consumer: a record is deliverable when no earlier record
// of its key is still unacked, and the offset to commit is the one after the
// longest prefix of acked records. It is owned by one goroutine, unlocked.
type window struct {
	max     int                   // most records out at once
	limit   int                   // most records held
	held    []*pending            // read, past the acked prefix, by offset
	keys    map[string][]*pending // per non-empty key, its unacked records by offset
	ready   []*pending            // deliverable now, by offset
	out     int                   // taken and not yet acked or given back
	advance int64                 // the offset after the acked prefix; -1 before any ack
}

// pending is one record of a window.
type pending struct {
	rec   kafka.Message
	acked bool
}

func newWindow(max int) *window {
	return &window{max: max, limit: readAheadFactor * max, keys: map[string][]*pending{}, advance: -1}
}

// canRead reports whether the window has room for another record.
func (w *window) canRead() bool { return len(w.held) < w.limit }

// canTake reports whether a record may be delivered now.
func (w *window) canTake() bool { return w.out < w.max && len(w.ready) > 0 }

// add appends the partition's next record.
func (w *window) add(rec kafka.Message) {
	p := &pending{rec: rec}
	w.held = append(w.held, p)
	if len(rec.Key) == 0 { // keyless records are ordered by nothing
		w.makeReady(p)
		return
	}
	k := string(rec.Key)
	q := w.keys[k]
	w.keys[k] = append(q, p)
	if len(q) == 0 {
		w.makeReady(p)
	}
}

// take returns the lowest deliverable record and counts it out. Call it only
// when canTake.
func (w *window) take() *pending {
	p := w.ready[0]
	w.ready = w.ready[1:]
	w.out++
	return p
}

// giveBack makes a taken record deliverable again (it was nacked). It stays
// at the head of its key, so the key's later records keep waiting for it.
func (w *window) giveBack(p *pending) {
	w.out--
	w.makeReady(p)
}

// ack marks a taken record done: its key's next record becomes deliverable,
// and the acked prefix grows past it if it was the first unacked one. It
// answers the offset to resume from after the prefix and whether it grew.
func (w *window) ack(p *pending) (next int64, advanced bool) {
	w.out--
	p.acked = true
	if len(p.rec.Key) > 0 {
		k := string(p.rec.Key)
		q := w.keys[k][1:] // p was its head: only a key's head is ever taken
		if len(q) == 0 {
			delete(w.keys, k)
		} else {
			w.keys[k] = q
			w.makeReady(q[0])
		}
	}
	for len(w.held) > 0 && w.held[0].acked {
		w.advance = w.held[0].rec.Offset + 1
		w.held[0] = nil
		w.held = w.held[1:]
		advanced = true
	}
	return w.advance, advanced
}

// makeReady inserts p into ready in offset order, so the oldest record goes
// first and the acked prefix grows as soon as it can.
func (w *window) makeReady(p *pending) {
	i, _ := slices.BinarySearchFunc(w.ready, p.rec.Offset, func(q *pending, off int64) int {
		return cmp.Compare(q.rec.Offset, off)
	})
	w.ready = slices.Insert(w.ready, i, p)
}

// outcome is what became of one delivery.
type outcome struct {
	p     *pending
	acked bool
}

// deliverPartition delivers the records r reads to out, up to MaxInFlight at
// once in key order (see window), and calls ack with the offset after the
// acked prefix whenever it grows. It returns when ctx ends, after every
// goroutine it started has stopped.
func (s *Subscriber) deliverPartition(ctx context.Context, r *kafka.Reader, topic string, partition int, out chan<- *message.Message, ack func(next int64)) {
	w := newWindow(s.cfg.MaxInFlight)
	records := make(chan kafka.Message)
	// Each delivery's watcher sends one outcome, and at most max are out:
	// a watcher never blocks, so ctx's end cannot strand one.
	outcomes := make(chan outcome, w.max)
	var wg sync.WaitGroup
	wg.Go(func() { s.readAll(ctx, r, topic, partition, records) })

	var next *message.Message // the message made for the record taken, not yet sent
	var nextP *pending
	var cancelNext context.CancelFunc
	for {
		if next == nil && w.canTake() {
			nextP = w.take()
			next = s.unmarshal(nextP.rec)
			var msgCtx context.Context
			msgCtx, cancelNext = context.WithCancel(withRecord(ctx, nextP.rec))
			next.SetContext(msgCtx)
		}
		var send chan<- *message.Message
		if next != nil {
			send = out
		}
		var read <-chan kafka.Message
		if w.canRead() {
			read = records
		}
		select {
		case send <- next:
			msg, p, cancel := next, nextP, cancelNext
			wg.Go(func() { s.watch(ctx, msg, p, cancel, outcomes) })
			next, nextP, cancelNext = nil, nil, nil
		case rec := <-read:
			w.add(rec)
		case o := <-outcomes:
			if !o.acked {
				w.giveBack(o.p)
			} else if n, ok := w.ack(o.p); ok {
				ack(n)
			}
		case <-ctx.Done():
			if cancelNext != nil {
				cancelNext()
			}
			wg.Wait() // the fetcher and the watchers end with ctx
			grew := false
			for len(outcomes) > 0 {
				if o := <-outcomes; o.acked {
					_, ok := w.ack(o.p)
					grew = grew || ok
				}
			}
			if grew {
				ack(w.advance)
			}
			return
		}
	}
}

// readAll sends r's records to records until ctx ends.
func (s *Subscriber) readAll(ctx context.Context, r *kafka.Reader, topic string, partition int, records chan<- kafka.Message) {
	for {
		rec, ok := s.fetch(ctx, r, topic, partition)
		if !ok {
			return
		}
		select {
		case records <- rec:
		case <-ctx.Done():
			return
		}
	}
}

// watch waits for msg to be acked or nacked and sends the outcome; a nack's
// after NackResendSleep, so the record is delivered again no sooner. It
// cancels msg's context when it is acked or nacked, or ctx ends.
func (s *Subscriber) watch(ctx context.Context, msg *message.Message, p *pending, cancel context.CancelFunc, outcomes chan<- outcome) {
	defer cancel()
	select {
	case <-msg.Acked():
		outcomes <- outcome{p, true}
	case <-msg.Nacked():
		cancel()
		sleep(ctx, s.cfg.NackResendSleep)
		outcomes <- outcome{p, false}
	case <-ctx.Done():
		cancel()
		// An ack that came as the subscription ended still counts: else a
		// graceful stop redelivers what was handled.
		select {
		case <-msg.Acked():
			outcomes <- outcome{p, true}
		default:
			outcomes <- outcome{p, false}
		}
	}
}
