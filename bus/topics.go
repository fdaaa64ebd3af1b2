package bus

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"
)

// EnsureTopic creates topic if it does not exist, with the given partition
// count (zero: the broker's default), and waits until its partitions have
// leaders. It returns the topic's partition numbers.
func EnsureTopic(ctx context.Context, conn Connection, topic string, partitions int) ([]int, error) {
	if topic == "" {
		return nil, errors.New("empty topic name")
	}
	if ids, err := Partitions(ctx, conn, topic); err == nil && len(ids) > 0 {
		return ids, nil
	}
	n := partitions
	if n == 0 {
		n = -1
	}
	t := conn.Transport()
	defer t.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(conn.Brokers...), Transport: t}
	resp, err := client.CreateTopics(ctx, &kafka.CreateTopicsRequest{
		Topics: []kafka.TopicConfig{{Topic: topic, NumPartitions: n, ReplicationFactor: -1}},
	})
	if err != nil {
		return nil, fmt.Errorf("create topic: %w", err)
	}
	if err := resp.Errors[topic]; err != nil && !errors.Is(err, kafka.TopicAlreadyExists) {
		return nil, fmt.Errorf("create topic: %w", err)
	}
	// Creation is asynchronous in Kafka: wait for the leaders.
	for {
		ids, err := Partitions(ctx, conn, topic)
		if err == nil && len(ids) > 0 {
			return ids, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for topic: %w (last: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Partitions returns the partition numbers of topic, in order, or none when
// the topic does not exist. It never creates the topic. A partition without
// a leader yet is an error.
func Partitions(ctx context.Context, conn Connection, topic string) ([]int, error) {
	t := conn.Transport()
	defer t.CloseIdleConnections()
	byPartition, err := partitionLeaders(ctx, conn, t, topic)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(byPartition)), nil
}
