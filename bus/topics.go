package bus

import (
	"context"
	"errors"
	"fmt"
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
			if p.Error != nil || p.Leader.Host == "" {
				return nil, fmt.Errorf("metadata of %s: partition %d has no leader yet", topic, p.ID)
			}
			ids = append(ids, p.ID)
		}
		slices.Sort(ids)
		return ids, nil
	}
	return nil, nil
}
