package middleware

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"go.uber.org/goleak"
)

// deliver passes a fresh copy of the message with id through d to h, as a
// redelivery would, and acks or nacks it as the router does.
func deliver(d *Deduplicator, id string, h message.HandlerFunc) *message.Message {
	msg := message.NewMessage(id, nil)
	if _, err := d.Middleware(h)(msg); err != nil {
		msg.Nack()
	} else {
		msg.Ack()
	}
	return msg
}

func TestDeduplicator(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent()) // no sweeper goroutine
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := NewDeduplicator(time.Minute, 0)
	d.now = func() time.Time { return now }
	dropped := 0
	d.OnDuplicate = func(*message.Message) { dropped++ }
	runs := map[string]int{}
	ok := func(m *message.Message) ([]*message.Message, error) { runs[m.UUID]++; return nil, nil }
	fail := func(m *message.Message) ([]*message.Message, error) { runs[m.UUID]++; return nil, errors.New("fails") }

	deliver(d, "a", ok)
	deliver(d, "a", ok)
	if runs["a"] != 1 || dropped != 1 {
		t.Errorf("a handled %d times, %d dropped; want once, 1 dropped", runs["a"], dropped)
	}

	deliver(d, "b", fail) // failed: dead-lettered or redelivered, so not remembered
	deliver(d, "b", ok)
	if runs["b"] != 2 {
		t.Errorf("b handled %d times after a failure, want 2", runs["b"])
	}

	first := message.NewMessage("c", nil)
	if _, err := d.Middleware(ok)(first); err != nil {
		t.Fatal(err)
	}
	deliver(d, "c", ok) // the first copy is still in flight: dropped
	first.Nack()        // its produced messages could not be published
	deliver(d, "c", ok) // the redelivery is handled
	if runs["c"] != 2 {
		t.Errorf("c handled %d times, want 2 (first copy nacked after it succeeded)", runs["c"])
	}

	now = now.Add(time.Minute)
	deliver(d, "a", ok)
	if runs["a"] != 2 {
		t.Errorf("a handled %d times after the window, want 2", runs["a"])
	}
	if n := d.Len(); n != 1 {
		t.Errorf("%d ids remembered after the window, want only a's new one", n)
	}
}

func TestNewDeduplicatorDefaultWindow(t *testing.T) {
	if d := NewDeduplicator(0, 0); d.window != DefaultDedupWindow {
		t.Errorf("window = %s, want %s", d.window, DefaultDedupWindow)
	}
}

// TestDeduplicatorBounded: past maxIDs the oldest ids are forgotten first
// (a duplicate of one is handled again), the newest still dropped; and a
// storm of failures does not grow what it keeps without bound.
func TestDeduplicatorBounded(t *testing.T) {
	d := NewDeduplicator(time.Hour, 3)
	runs := map[string]int{}
	ok := func(m *message.Message) ([]*message.Message, error) { runs[m.UUID]++; return nil, nil }
	fail := func(m *message.Message) ([]*message.Message, error) { runs[m.UUID]++; return nil, errors.New("fails") }
	for _, id := range []string{"a", "b", "c", "d"} {
		deliver(d, id, ok)
	}
	if n := d.Len(); n != 3 {
		t.Errorf("%d ids remembered, want the bound 3", n)
	}
	deliver(d, "d", ok) // newest: still remembered
	deliver(d, "a", ok) // oldest: forgotten, handled again
	if runs["d"] != 1 || runs["a"] != 2 {
		t.Errorf("d handled %d times, a %d; want 1 and 2", runs["d"], runs["a"])
	}
	for range 10_000 {
		deliver(d, "poison", fail)
	}
	if n := len(d.order) - d.head; n > 2*3 {
		t.Errorf("%d claims kept after 10,000 failures, want at most %d", n, 2*3)
	}
}

// BenchmarkDeduplicatorMemory reports what a Deduplicator keeps after
// 300,000 handled events (about a minute at 5,000/s): bounded by default,
// and unbounded (a 10-minute window keeps all of them) for comparison.
func BenchmarkDeduplicatorMemory(b *testing.B) {
	for _, bc := range []struct {
		name   string
		maxIDs int
	}{{"default-bound", 0}, {"unbounded", 1 << 30}} {
		b.Run(bc.name, func(b *testing.B) {
			const events = 300_000
			ok := func(*message.Message) ([]*message.Message, error) { return nil, nil }
			ids := make([]string, events)
			for i := range ids {
				ids[i] = watermill.NewUUID()
			}
			var before, after runtime.MemStats
			for b.Loop() {
				runtime.GC()
				runtime.ReadMemStats(&before)
				d := NewDeduplicator(0, bc.maxIDs)
				for _, id := range ids {
					deliver(d, id, ok)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-kept")
				runtime.KeepAlive(d)
			}
		})
	}
}
