package faults

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus"
)

// records is how many records topic holds (its partitions' end offsets
// summed; nothing is ever deleted in these tests), or -1 when it cannot be
// read now.
func records(conn bus.Connection, topic string) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := bus.EndOffsets(ctx, conn, topic)
	if err != nil {
		return -1
	}
	var n int64
	for _, e := range ends {
		n += e
	}
	return n
}

// topicIDs reads every record of topic and counts them by ce_id.
func topicIDs(t testing.TB, conn bus.Connection, topic string) map[string]int {
	t.Helper()
	ids := map[string]int{}
	readTopic(t, conn, topic, func(id string, _ []byte) { ids[id]++ })
	return ids
}

// readTopic calls fn with the ce_id and payload of every record of topic.
func readTopic(t testing.TB, conn bus.Connection, topic string, fn func(id string, payload []byte)) {
	t.Helper()
	if err := readTopicOrErr(conn, topic, fn); err != nil {
		t.Fatal(err)
	}
}

// readTopicOrErr is readTopic, returning what keeps it from reading a record
// (a fetch that gets nothing for 20 s, with what a direct fetch answers).
func readTopicOrErr(conn bus.Connection, topic string, fn func(id string, payload []byte)) error {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	ends, err := bus.EndOffsets(ctx, conn, topic)
	if err != nil {
		return fmt.Errorf("read %s: %w", topic, err)
	}
	for p, end := range ends {
		if end == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: conn.Brokers, Topic: topic, Partition: p, Dialer: conn.Dialer(),
			MinBytes: 1, MaxBytes: 10 << 20, MaxWait: 250 * time.Millisecond})
		if err := r.SetOffset(kafka.FirstOffset); err != nil {
			return err
		}
		last := int64(-1)
		for {
			fetchCtx, cancelFetch := context.WithTimeout(ctx, 20*time.Second)
			rec, err := r.FetchMessage(fetchCtx)
			cancelFetch()
			if err != nil {
				r.Close()
				return fmt.Errorf("read %s/%d: %v after offset %d of end %d (first offsets %v; a direct fetch at %d: %s)", topic, p, err, last, end, firstOffsets(conn, topic, p), last+1, fetchAt(conn, topic, p, last+1))
			}
			last = rec.Offset
			id := ""
			for _, h := range rec.Headers {
				if h.Key == bus.HeaderID {
					id = string(h.Value)
				}
			}
			if id == "" {
				r.Close()
				return fmt.Errorf("%s/%d@%d has no ce_id", topic, p, rec.Offset)
			}
			fn(id, rec.Value)
			if rec.Offset+1 >= end {
				break
			}
		}
		r.Close()
	}
	return nil
}

// firstOffsets is a partition's first and end offsets as a broker answers
// them, for a message.
func firstOffsets(conn bus.Connection, topic string, p int) string {
	c, err := conn.Dialer().DialLeader(context.Background(), "tcp", conn.Brokers[0], topic, p)
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	first, last, err := c.ReadOffsets()
	return fmt.Sprintf("%d..%d %v", first, last, err)
}

// fetchAt fetches one batch of a partition at offset straight from its
// leader and says what came back, for a message.
func fetchAt(conn bus.Connection, topic string, p int, offset int64) string {
	c, err := conn.Dialer().DialLeader(context.Background(), "tcp", conn.Brokers[0], topic, p)
	if err != nil {
		return err.Error()
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Seek(offset, kafka.SeekAbsolute); err != nil {
		return "seek: " + err.Error()
	}
	b := c.ReadBatch(1, 10<<20)
	var offs []int64
	for {
		m, err := b.ReadMessage()
		if err != nil {
			return fmt.Sprintf("offsets %v, then %v (batch: hwm %d, %v)", offs, err, b.HighWaterMark(), b.Close())
		}
		offs = append(offs, m.Offset)
	}
}

// dupes is how many records of ids repeat an id read before.
func dupes(ids map[string]int) int {
	n := 0
	for _, c := range ids {
		n += c - 1
	}
	return n
}

// caughtUp reports whether consumer group has committed the end of every
// partition of topic: it has handled everything there is.
func caughtUp(conn bus.Connection, group, topic string) (bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ends, err := bus.EndOffsets(ctx, conn, topic)
	if err != nil {
		return false, err
	}
	t := conn.Transport()
	defer t.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(conn.Brokers...), Timeout: 10 * time.Second, Transport: t}
	req := &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{}}
	for p := range ends {
		req.Topics[topic] = append(req.Topics[topic], p)
	}
	resp, err := client.OffsetFetch(ctx, req)
	if err != nil {
		return false, err
	}
	if resp.Error != nil {
		return false, resp.Error
	}
	committed := map[int]int64{}
	for _, po := range resp.Topics[topic] {
		if po.Error != nil {
			return false, po.Error
		}
		committed[po.Partition] = po.CommittedOffset
	}
	for p, end := range ends {
		if end > 0 && committed[p] < end {
			return false, nil
		}
	}
	return true, nil
}

// waitCaughtUp waits until group has handled all of topic.
func waitCaughtUp(t testing.TB, conn bus.Connection, group, topic string, timeout time.Duration) {
	t.Helper()
	waitFor(t, timeout, "consumer group "+group+" at the end of "+topic, func() bool {
		ok, _ := caughtUp(conn, group, topic) // an error (the broker restarting) is asked again
		return ok
	})
}
