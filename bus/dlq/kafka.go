package dlq

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus"
)

// readPartition returns the records of one partition, from the oldest
// retained one to the end it had when readPartition began.
func readPartition(ctx context.Context, conn bus.Connection, topic string, partition int) ([]kafka.Message, error) {
	first, end, err := offsets(ctx, conn, topic, partition)
	if err != nil {
		return nil, err
	}
	if first >= end {
		return nil, nil
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:   conn.Brokers,
		Topic:     topic,
		Partition: partition,
		Dialer:    conn.Dialer(),
		MinBytes:  1,
		MaxBytes:  10 << 20,
		MaxWait:   250 * time.Millisecond,
	})
	defer r.Close()
	if err := r.SetOffset(first); err != nil {
		return nil, fmt.Errorf("read %s/%d: %w", topic, partition, err)
	}
	var recs []kafka.Message
	for {
		rec, err := r.FetchMessage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read %s/%d at %d of %d: %w", topic, partition, first+int64(len(recs)), end, err)
		}
		recs = append(recs, rec)
		if rec.Offset+1 >= end {
			return recs, nil
		}
	}
}

// offsets returns the first retained offset of a partition and the offset
// after its last record. It asks the partition's leader, trying the brokers
// in turn.
func offsets(ctx context.Context, conn bus.Connection, topic string, partition int) (first, end int64, err error) {
	d := conn.Dialer()
	var errs []error
	for _, broker := range conn.Brokers {
		c, err := d.DialLeader(ctx, "tcp", broker, topic, partition)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		deadline := time.Now().Add(10 * time.Second)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		c.SetDeadline(deadline)
		first, end, err = c.ReadOffsets()
		c.Close()
		if err == nil {
			return first, end, nil
		}
		errs = append(errs, err)
	}
	return 0, 0, fmt.Errorf("offsets of %s/%d: %w", topic, partition, errors.Join(errs...))
}
