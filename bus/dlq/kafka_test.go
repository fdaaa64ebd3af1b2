package dlq

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
)

// onePartition makes topic with one partition holding n records, published
// in one call (one batch), with ids r0…r<n-1>, and returns a client for it.
func onePartition(t *testing.T, topic string, n int) (bus.Connection, *kafka.Client) {
	t.Helper()
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	if _, err := bus.EnsureTopic(t.Context(), conn, topic, 1); err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	msgs := make([]*message.Message, n)
	for i := range msgs {
		msgs[i] = message.NewMessage(fmt.Sprintf("r%d", i), []byte(`{}`))
	}
	if err := pub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
	tr := conn.Transport()
	t.Cleanup(tr.CloseIdleConnections)
	return conn, &kafka.Client{Addr: kafka.TCP(conn.Brokers...), Timeout: 30 * time.Second, Transport: tr}
}

func ids(t *testing.T, client *kafka.Client, topic string, s span) []string {
	t.Helper()
	got, err := readPartition(t.Context(), client, topic, s, func(m kafka.Message) (string, error) {
		msg, err := bus.CloudEvents{}.Unmarshal(m)
		if err != nil {
			return "", err
		}
		if want := "r" + fmt.Sprint(m.Offset); msg.UUID != want {
			t.Errorf("record at offset %d has id %s, want %s", m.Offset, msg.UUID, want)
		}
		return msg.UUID, nil
	})
	if err != nil {
		t.Fatalf("readPartition(%+v): %v", s, err)
	}
	return got
}

// TestReadPartitionCutsBatchesAtTheSpan reads a span that begins and ends
// inside one batch: the records before its first offset and from its end on,
// which the broker returns with it, are not listed.
func TestReadPartitionCutsBatchesAtTheSpan(t *testing.T) {
	const topic = "test.dlq-span.v1"
	_, client := onePartition(t, topic, 10)
	res, err := client.Fetch(t.Context(), &kafka.FetchRequest{Topic: topic, Offset: 3, MinBytes: 1, MaxBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if rec, err := res.Records.ReadRecord(); err != nil || rec.Offset != 0 {
		t.Fatalf("a fetch at offset 3 begins with %+v, %v; the test wants the batch from 0", rec, err)
	}
	if got := ids(t, client, topic, span{partition: 0, first: 3, end: 7}); !slices.Equal(got, []string{"r3", "r4", "r5", "r6"}) {
		t.Errorf("span 3–7 read %v", got)
	}
	if got := ids(t, client, topic, span{partition: 0, first: 9, end: 10}); !slices.Equal(got, []string{"r9"}) {
		t.Errorf("span 9–10 read %v", got)
	}
	if got := ids(t, client, topic, span{partition: 0, first: 0, end: 1}); !slices.Equal(got, []string{"r0"}) {
		t.Errorf("span 0–1 read %v", got)
	}
}

// TestReadPartitionSkipsDeletedRecords deletes the records below offset 6
// (as retention would) after the span was taken: reading goes on from
// offset 6 instead of failing.
func TestReadPartitionSkipsDeletedRecords(t *testing.T) {
	const topic = "test.dlq-retention.v1"
	conn, client := onePartition(t, topic, 10)
	spans, err := offsets(t.Context(), client, topic, []int{0})
	if err != nil || len(spans) != 1 || spans[0] != (span{partition: 0, first: 0, end: 10}) {
		t.Fatalf("offsets = %+v, %v", spans, err)
	}
	kc, err := kgo.NewClient(kgo.SeedBrokers(conn.Brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	req := kmsg.NewPtrDeleteRecordsRequest()
	req.TimeoutMillis = 10000
	req.Topics = []kmsg.DeleteRecordsRequestTopic{{Topic: topic,
		Partitions: []kmsg.DeleteRecordsRequestTopicPartition{{Partition: 0, Offset: 6}}}}
	resp, err := req.RequestWith(t.Context(), kc)
	if err != nil {
		t.Fatal(err)
	}
	if code := resp.Topics[0].Partitions[0].ErrorCode; code != 0 {
		t.Fatalf("DeleteRecords: error code %d", code)
	}
	if got := ids(t, client, topic, spans[0]); !slices.Equal(got, []string{"r6", "r7", "r8", "r9"}) {
		t.Errorf("after deleting below 6, read %v", got)
	}
}

// TestReadPartitionGivesUp reads a partition that does not exist: the
// broker's answer, temporary in Kafka's terms, is tried fetchAttempts times
// and then returned.
func TestReadPartitionGivesUp(t *testing.T) {
	const topic = "test.dlq-gives-up.v1"
	_, client := onePartition(t, topic, 1)
	_, err := readPartition(t.Context(), client, topic, span{partition: 7, first: 0, end: 1},
		func(kafka.Message) (int, error) { return 0, nil })
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("read %s/7 at 0 of 1: %d attempts", topic, fetchAttempts)) {
		t.Errorf("err = %v; want the partition, the offset and the attempts", err)
	}
}
