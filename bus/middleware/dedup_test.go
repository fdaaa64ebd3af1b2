package middleware

import (
	"errors"
	"testing"
	"time"

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
	d := NewDeduplicator(time.Minute)
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
	if d := NewDeduplicator(0); d.window != DefaultDedupWindow {
		t.Errorf("window = %s, want %s", d.window, DefaultDedupWindow)
	}
}
