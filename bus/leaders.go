package bus

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/protocol/metadata"
)

// leaders caches, per topic, its partitions and their leader brokers, for
// the producer. A failed produce forgets the cache, so the next round asks
// again.
type leaders struct {
	conn      Connection
	transport *kafka.Transport

	mu     sync.Mutex
	topics map[string]map[int]int // topic → partition → leader broker id
}

func newLeaders(conn Connection, t *kafka.Transport) *leaders {
	return &leaders{conn: conn, transport: t, topics: map[string]map[int]int{}}
}

// partitions returns the partitions of topic, creating the topic when it
// does not exist.
func (l *leaders) partitions(ctx context.Context, topic string) ([]int, error) {
	byPartition, err := l.lookup(ctx, topic)
	if err != nil {
		return nil, err
	}
	return slices.Sorted(maps.Keys(byPartition)), nil
}

// leader returns the broker id that leads a partition.
func (l *leaders) leader(topic string, partition int) (int, error) {
	l.mu.Lock()
	byPartition, ok := l.topics[topic]
	l.mu.Unlock()
	if !ok {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		if byPartition, err = l.lookup(ctx, topic); err != nil {
			return 0, err
		}
	}
	id, ok := byPartition[partition]
	if !ok {
		return 0, fmt.Errorf("%s/%d: no such partition", topic, partition)
	}
	return id, nil
}

func (l *leaders) forget() {
	l.mu.Lock()
	clear(l.topics)
	l.mu.Unlock()
}

func (l *leaders) lookup(ctx context.Context, topic string) (map[int]int, error) {
	l.mu.Lock()
	byPartition, ok := l.topics[topic]
	l.mu.Unlock()
	if ok {
		return byPartition, nil
	}
	byPartition, err := l.fetch(ctx, topic)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.topics[topic] = byPartition
	l.mu.Unlock()
	return byPartition, nil
}

// fetch asks the cluster for topic's partitions and leaders, as kafka-go's
// Writer does: with a metadata request that creates the topic when it does
// not exist and the broker allows it. It waits until every partition has a
// leader, which a new topic may not have at once.
func (l *leaders) fetch(ctx context.Context, topic string) (map[int]int, error) {
	req := &metadata.Request{TopicNames: []string{topic}, AllowAutoTopicCreation: true}
	for {
		byPartition, err := l.fetchOnce(ctx, req)
		if err == nil {
			return byPartition, nil
		}
		var kerr kafka.Error
		if errors.As(err, &kerr) && !kerr.Temporary() {
			return nil, fmt.Errorf("metadata of %s: %w", topic, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("metadata of %s: %w (last: %v)", topic, ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (l *leaders) fetchOnce(ctx context.Context, req *metadata.Request) (map[int]int, error) {
	m, err := l.transport.RoundTrip(ctx, kafka.TCP(l.conn.Brokers...), req)
	if err != nil {
		return nil, err
	}
	res, ok := m.(*metadata.Response)
	if !ok {
		return nil, fmt.Errorf("unexpected metadata response %T", m)
	}
	for _, t := range res.Topics {
		if t.Name != req.TopicNames[0] {
			continue
		}
		if t.ErrorCode != 0 {
			return nil, kafka.Error(t.ErrorCode)
		}
		byPartition := make(map[int]int, len(t.Partitions))
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				return nil, kafka.Error(p.ErrorCode)
			}
			byPartition[int(p.PartitionIndex)] = int(p.LeaderID)
		}
		if len(byPartition) == 0 {
			return nil, kafka.LeaderNotAvailable
		}
		return byPartition, nil
	}
	return nil, kafka.UnknownTopicOrPartition
}

// partitionLeaders returns each partition of topic with its leader's broker
// id, or nothing when the topic does not exist. It never creates the topic.
// A partition without a leader is an error.
func partitionLeaders(ctx context.Context, conn Connection, t *kafka.Transport, topic string) (map[int]int, error) {
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
		byPartition := make(map[int]int, len(mt.Partitions))
		for _, p := range mt.Partitions {
			if p.Error != nil || p.Leader.Host == "" {
				return nil, fmt.Errorf("metadata of %s: partition %d has no leader yet", topic, p.ID)
			}
			byPartition[p.ID] = p.Leader.ID
		}
		return byPartition, nil
	}
	return nil, nil
}
