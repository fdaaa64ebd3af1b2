package bus_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/vasteras/civicbus/bus"
)

// TestThreeBrokersWithMovingLeaders publishes keyed events to a cluster of
// three brokers, whose partitions are led by different brokers, and moves
// partition leaders in the middle of the stream: the publisher must send one
// request per leader, follow the moves (NOT_LEADER_FOR_PARTITION, then new
// metadata), lose nothing and keep every key's order.
func TestThreeBrokersWithMovingLeaders(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(6))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	conn := bus.Connection{Brokers: cluster.ListenAddrs()[:1]}
	const topic, keys, perKey = "test.cluster.v1", 12, 40
	if _, err := bus.EnsureTopic(context.Background(), conn, topic, 6); err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, PublishTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()

	for i := range perKey {
		if i == perKey/2 {
			for p := range int32(6) {
				leader := cluster.LeaderFor(topic, p)
				if err := cluster.MoveTopicPartition(topic, p, (leader+1)%3); err != nil {
					t.Fatalf("move partition %d: %v", p, err)
				}
			}
		}
		batch := make([]*message.Message, keys)
		for k := range keys {
			batch[k] = message.NewMessage(fmt.Sprintf("k%d-%d", k, i), []byte(strconv.Itoa(i)))
			batch[k].Metadata.Set(bus.MetadataPartitionKey, fmt.Sprintf("k%d", k))
		}
		if err := pub.Publish(topic, batch...); err != nil {
			t.Fatalf("publish round %d: %v", i, err)
		}
	}

	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ch, err := sub.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]int{}
	timeout := time.After(30 * time.Second)
	for n := 0; n < keys*perKey; n++ {
		select {
		case m := <-ch:
			key := m.Metadata.Get(bus.MetadataPartitionKey)
			seq, _ := strconv.Atoi(string(m.Payload))
			if prev, ok := last[key]; ok && seq != prev+1 || !ok && seq != 0 {
				t.Fatalf("key %s: %d after %d", key, seq, prev)
			}
			last[key] = seq
			m.Ack()
		case <-timeout:
			t.Fatalf("received %d of %d", n, keys*perKey)
		}
	}
}
