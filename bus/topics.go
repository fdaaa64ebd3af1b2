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
	t := conn.transport()
	defer t.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(conn.Brokers...), Transport: t}
	if ids, err := topicPartitions(ctx, client, topic); err == nil && len(ids) > 0 {
		return ids, nil
	}
	n := partitions
	if n == 0 {
		n = -1
	}
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
		ids, err := topicPartitions(ctx, client, topic)
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

// topicPartitions returns the partitions of topic, all with a leader.
func topicPartitions(ctx context.Context, client *kafka.Client, topic string) ([]int, error) {
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, err
	}
	for _, t := range meta.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, t.Error
		}
		ids := make([]int, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			if p.Error != nil || p.Leader.Host == "" {
				return nil, fmt.Errorf("partition %d has no leader yet", p.ID)
			}
			ids = append(ids, p.ID)
		}
		slices.Sort(ids)
		return ids, nil
	}
	return nil, kafka.UnknownTopicOrPartition
}
