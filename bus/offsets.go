package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// EndOffsets returns, for each partition of topic, the offset after its
// last record (the high watermark); none when the topic does not exist.
func EndOffsets(ctx context.Context, conn Connection, topic string) (map[int]int64, error) {
	parts, client, done, err := partitionsClient(ctx, conn, topic)
	if err != nil || len(parts) == 0 {
		return map[int]int64{}, err
	}
	defer done()
	req := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, p := range parts {
		req.Topics[topic] = append(req.Topics[topic], kafka.LastOffsetOf(p))
	}
	resp, err := client.ListOffsets(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("bus: end offsets of %s: %w", topic, err)
	}
	out := make(map[int]int64, len(parts))
	for _, po := range resp.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("bus: end offsets of %s: %w", topic, po.Error)
		}
		out[po.Partition] = po.LastOffset
	}
	return out, nil
}

// CommittedOffsets returns group's committed offset, the next to read, of
// each partition of topic that has one.
func CommittedOffsets(ctx context.Context, conn Connection, group, topic string) (map[int]int64, error) {
	parts, client, done, err := partitionsClient(ctx, conn, topic)
	if err != nil || len(parts) == 0 {
		return map[int]int64{}, err
	}
	defer done()
	resp, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err == nil {
		err = resp.Error
	}
	if err != nil {
		return nil, fmt.Errorf("bus: committed offsets of %s for %s: %w", topic, group, err)
	}
	out := map[int]int64{}
	for _, po := range resp.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("bus: committed offsets of %s for %s: %w", topic, group, po.Error)
		}
		if po.CommittedOffset >= 0 {
			out[po.Partition] = po.CommittedOffset
		}
	}
	return out, nil
}

// partitionsClient returns topic's partitions (none when it does not
// exist) and a client of conn's brokers; call done when finished with it.
func partitionsClient(ctx context.Context, conn Connection, topic string) (parts []int, client *kafka.Client, done func(), err error) {
	if parts, err = Partitions(ctx, conn, topic); err != nil || len(parts) == 0 {
		return nil, nil, func() {}, err
	}
	t := conn.Transport()
	return parts, &kafka.Client{Addr: kafka.TCP(conn.Brokers...), Timeout: 10 * time.Second, Transport: t}, t.CloseIdleConnections, nil
}
