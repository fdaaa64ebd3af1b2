package bus

import (
	"slices"
	"testing"

	"github.com/segmentio/kafka-go"
)

// TestWindow walks the window's bookkeeping through key order, keyless
// records, a nack, out-of-order acks and the read-ahead bound.
func TestWindow(t *testing.T) {
	w := newWindow(2) // limit 8
	for i, key := range []string{"a", "a", "", "b", "", "a", "b", "c"} {
		w.add(kafka.Message{Offset: int64(i), Key: []byte(key)})
	}
	if w.canRead() {
		t.Fatal("window of 8 records for MaxInFlight 2 takes a 9th")
	}
	offsets := func(ps []*pending) []int64 {
		var o []int64
		for _, p := range ps {
			o = append(o, p.rec.Offset)
		}
		return o
	}
	// Deliverable: the first of each key and the keyless ones.
	if got, want := offsets(w.ready), []int64{0, 2, 3, 4, 7}; !slices.Equal(got, want) {
		t.Fatalf("ready %v, want %v", got, want)
	}
	a0, k2 := w.take(), w.take()
	if w.canTake() {
		t.Fatal("a third taken with MaxInFlight 2")
	}
	if _, advanced := w.ack(k2); advanced {
		t.Fatal("prefix grew past the unacked offset 0")
	}
	w.giveBack(a0) // nacked: first again, a-1 still waits
	if got, want := offsets(w.ready), []int64{0, 3, 4, 7}; !slices.Equal(got, want) {
		t.Fatalf("after the nack ready %v, want %v", got, want)
	}
	a0 = w.take()
	if next, advanced := w.ack(a0); !advanced || next != 1 {
		t.Fatalf("after acking 0: next %d (advanced %v), want 1", next, advanced)
	}
	if got, want := offsets(w.ready), []int64{1, 3, 4, 7}; !slices.Equal(got, want) {
		t.Fatalf("after acking a-0 ready %v, want a-1 deliverable: %v", got, want)
	}
	// Acking 1 joins the prefix to the already acked 2.
	if next, _ := w.ack(w.take()); next != 3 {
		t.Fatalf("after acking 1 and 2: next %d, want 3", next)
	}
	if !w.canRead() {
		t.Fatal("the acked prefix left the window, yet it is full")
	}
}
