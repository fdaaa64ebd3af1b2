package mqtt_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors/mqtt"
	"github.com/vasteras/civicbus/internal/mqttbroker"
)

// TestFullQueueLosesNothing: with a queue of 2 and batches of 3, a burst of
// 50 messages waits at the broker (paho's router is held) and every one is
// read, in order. Runs on the embedded broker.
func TestFullQueueLosesNothing(t *testing.T) {
	b, err := mqttbroker.Start(mqttbroker.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	url := "tcp://" + b.Addr()
	s, err := mqtt.New(mqtt.Config{Broker: url, Topics: []string{"q/#"}, ClientID: unique(t), Queue: 2, Batch: 3, MaxWait: "5ms", Key: "n"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	defer s.Close(context.Background())
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 50
	payloads := make([][]byte, n)
	for i := range payloads {
		payloads[i] = fmt.Appendf(nil, `{"n":%d}`, i)
	}
	publish(t, url, "q/burst", payloads...)
	next := 0
	for next < n {
		batch, ack, err := s.Read(ctx)
		if err != nil {
			t.Fatalf("Read after %d: %v", next, err)
		}
		if len(batch) > 3 {
			t.Errorf("a batch of %d; batch is 3", len(batch))
		}
		for _, rec := range batch {
			if rec.Key != fmt.Sprint(next) {
				t.Fatalf("record %d has key %q", next, rec.Key)
			}
			next++
		}
		if err := ack(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if l := s.Lag(); l > 2 {
			t.Errorf("lag %d beyond the queue of 2", l)
		}
	}
}
