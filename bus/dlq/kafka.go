package dlq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus"
)

// partitionsOf returns the partitions of topic, none when it does not exist.
// It asks with a metadata request that does not create the topic, as a
// producer's or a consumer's would.
func partitionsOf(ctx context.Context, conn bus.Connection, topic string) ([]int, error) {
	t := &kafka.Transport{ClientID: clientID(conn), DialTimeout: 10 * time.Second, TLS: conn.TLS, SASL: conn.SASL}
	defer t.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(conn.Brokers...), Timeout: 10 * time.Second, Transport: t}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	for _, mt := range meta.Topics {
		if mt.Name != topic {
			continue
		}
		if errors.Is(mt.Error, kafka.UnknownTopicOrPartition) {
			return nil, nil
		}
		if mt.Error != nil {
			return nil, fmt.Errorf("metadata of %s: %w", topic, mt.Error)
		}
		ids := make([]int, 0, len(mt.Partitions))
		for _, p := range mt.Partitions {
			ids = append(ids, p.ID)
		}
		slices.Sort(ids)
		return ids, nil
	}
	return nil, nil
}

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
		Dialer:    dialer(conn),
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
	d := dialer(conn)
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

// dialer is the kafka-go Dialer for conn. It mirrors the bus package's own,
// which is not exported.
func dialer(conn bus.Connection) *kafka.Dialer {
	return &kafka.Dialer{
		ClientID:      clientID(conn),
		Timeout:       10 * time.Second,
		DualStack:     true,
		TLS:           conn.TLS,
		SASLMechanism: conn.SASL,
	}
}

func clientID(conn bus.Connection) string {
	if conn.ClientID == "" {
		return "civicbus"
	}
	return conn.ClientID
}
