package dlq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol"

	"github.com/vasteras/civicbus/bus"
)

const (
	// fetchMaxBytes is the most one Fetch request asks of a partition (the
	// broker returns at least one whole batch even when it is larger).
	fetchMaxBytes = 4 << 20
	// parallelPartitions is how many partitions are read at once.
	parallelPartitions = 8
	// fetchAttempts is how many times a fetch that fails with a temporary
	// error (a leader moving, say) or returns nothing is tried.
	fetchAttempts = 10
)

// span is the offsets of a partition to read: from first to the record
// before end.
type span struct {
	partition  int
	first, end int64
}

// readTopic returns the records of each of the partitions of topic, in
// partition order, each from its oldest retained record to the end it had
// when readTopic began, in offset order, decoded by decode. It reads with
// Fetch requests up to that end, several partitions at once, and never asks
// for a record past it, so it never waits for records that are not there.
func readTopic[T any](ctx context.Context, conn bus.Connection, topic string, partitions []int, decode func(kafka.Message) (T, error)) ([]T, error) {
	if len(partitions) == 0 {
		return nil, nil
	}
	t := conn.Transport()
	defer t.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(conn.Brokers...), Timeout: 30 * time.Second, Transport: t}
	spans, err := offsets(ctx, client, topic, partitions)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	out := make([][]T, len(spans))
	sem := make(chan struct{}, parallelPartitions)
	var wg sync.WaitGroup
	for i, s := range spans {
		if s.first >= s.end {
			continue
		}
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				return
			}
			recs, err := readPartition(ctx, client, topic, s, decode)
			if err != nil {
				cancel(err)
				return
			}
			out[i] = recs
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	n := 0
	for _, recs := range out {
		n += len(recs)
	}
	all := make([]T, 0, n)
	for _, recs := range out {
		all = append(all, recs...)
	}
	return all, nil
}

// offsets returns, for each partition, its first retained offset and the
// offset after its last record, in one ListOffsets request.
func offsets(ctx context.Context, client *kafka.Client, topic string, partitions []int) ([]span, error) {
	reqs := make([]kafka.OffsetRequest, 0, 2*len(partitions))
	for _, p := range partitions {
		reqs = append(reqs, kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p))
	}
	res, err := client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("offsets of %s: %w", topic, err)
	}
	byPartition := map[int]kafka.PartitionOffsets{}
	for _, po := range res.Topics[topic] {
		byPartition[po.Partition] = po
	}
	spans := make([]span, len(partitions))
	for i, p := range partitions {
		po, ok := byPartition[p]
		switch {
		case !ok:
			return nil, fmt.Errorf("offsets of %s/%d: not in the broker's answer", topic, p)
		case po.Error != nil:
			return nil, fmt.Errorf("offsets of %s/%d: %w", topic, p, po.Error)
		case po.FirstOffset < 0 || po.LastOffset < po.FirstOffset:
			return nil, fmt.Errorf("offsets of %s/%d: first %d, end %d", topic, p, po.FirstOffset, po.LastOffset)
		}
		spans[i] = span{partition: p, first: po.FirstOffset, end: po.LastOffset}
	}
	return spans, nil
}

// readPartition returns the records of s, decoded by decode, in offset
// order. Records that retention deletes while it reads are skipped: it
// goes on from the partition's new first offset.
func readPartition[T any](ctx context.Context, client *kafka.Client, topic string, s span, decode func(kafka.Message) (T, error)) ([]T, error) {
	var out []T
	offset := s.first
	failures := 0
	var lastErr error
	for offset < s.end {
		if failures > 0 {
			if failures == fetchAttempts {
				return nil, fmt.Errorf("read %s/%d at %d of %d: %d attempts: %w", topic, s.partition, offset, s.end, failures, lastErr)
			}
			select {
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			case <-time.After(time.Duration(failures) * 50 * time.Millisecond):
			}
		}
		res, err := client.Fetch(ctx, &kafka.FetchRequest{Topic: topic, Partition: s.partition, Offset: offset,
			MinBytes: 1, MaxBytes: fetchMaxBytes, MaxWait: time.Second})
		if err == nil {
			err = res.Error
		}
		if errors.Is(err, kafka.OffsetOutOfRange) {
			// Retention deleted records since readTopic began.
			first, ferr := offsets(ctx, client, topic, []int{s.partition})
			if ferr == nil && first[0].first > offset {
				offset = first[0].first
				failures = 0
				continue
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			var kerr kafka.Error
			if errors.As(err, &kerr) && !kerr.Temporary() {
				return nil, fmt.Errorf("read %s/%d at %d of %d: %w", topic, s.partition, offset, s.end, err)
			}
			failures, lastErr = failures+1, err
			continue
		}
		next, err := decodeAll(res.Records, topic, s, offset, &out, decode)
		if err != nil {
			return nil, err
		}
		if next == offset {
			failures, lastErr = failures+1, fmt.Errorf("no record in the answer (high watermark %d)", res.HighWatermark)
			continue
		}
		offset, failures = next, 0
	}
	return out, nil
}

// decodeAll decodes the records of one fetch answer from offset up to the
// end of s, appends them to out and returns the offset to fetch next. A
// fetch returns whole batches: the first may begin before offset, the last
// may pass the end.
func decodeAll[T any](recs kafka.RecordReader, topic string, s span, offset int64, out *[]T, decode func(kafka.Message) (T, error)) (int64, error) {
	for {
		rec, err := recs.ReadRecord()
		if errors.Is(err, io.EOF) {
			return offset, nil
		}
		if err != nil {
			return 0, fmt.Errorf("read %s/%d at %d of %d: %w", topic, s.partition, offset, s.end, err)
		}
		if rec.Offset < offset {
			continue
		}
		if rec.Offset >= s.end {
			return s.end, nil // offsets up to the end without a record (compacted, say)
		}
		msg, err := kafkaMessage(topic, s.partition, rec)
		if err != nil {
			return 0, fmt.Errorf("read %s/%d at %d: %w", topic, s.partition, rec.Offset, err)
		}
		v, err := decode(msg)
		if err != nil {
			return 0, err
		}
		*out = append(*out, v)
		offset = rec.Offset + 1
	}
}

// kafkaMessage is rec as kafka-go's Reader would have returned it.
func kafkaMessage(topic string, partition int, rec *kafka.Record) (kafka.Message, error) {
	key, err := protocol.ReadAll(rec.Key)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("key: %w", err)
	}
	value, err := protocol.ReadAll(rec.Value)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("value: %w", err)
	}
	return kafka.Message{Topic: topic, Partition: partition, Offset: rec.Offset, Key: key, Value: value,
		Headers: rec.Headers, Time: rec.Time}, nil
}
