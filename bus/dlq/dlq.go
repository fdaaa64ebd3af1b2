// Package dlq reads and replays the dead letters that the router's
// dead-letter middleware writes to <topic>.dlq: the API under the
// `civicbus dlq list|replay` command.
//
// Kafka cannot delete one record, so a replayed letter stays in <topic>.dlq:
// listing again shows it, and replaying it again publishes it again. The
// consumers recognise the repeat by its event id (ce_id), which a replay
// keeps.
package dlq

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
)

// Letter is one dead-lettered message.
type Letter struct {
	ID       string    // ce_id of the original event
	Topic    string    // the topic it was dead-lettered from
	Handler  string    // the handler that gave up on it
	Error    string    // the handler's last error
	Attempts int       // how many times the handler ran
	Time     time.Time // when it was dead-lettered
	Record   bus.Record
	Message  *message.Message // as dead-lettered: the dlq_* headers are in its metadata
}

// List returns the dead letters of topic: the records of <topic>.dlq from the
// oldest retained one to the end the topic had when List began, partition by
// partition, each in offset order. It reads without a consumer group and
// commits nothing. When <topic>.dlq does not exist the list is empty.
//
// It asks for each partition's first and end offsets in one ListOffsets
// request, then reads up to 8 partitions at once with Fetch requests of up to
// 4 MiB, never past those ends: it does not wait for records that are not
// there (1,000 letters over 8 partitions take milliseconds on the embedded
// broker, see BenchmarkList). Letters deleted by retention while it reads are
// skipped; a broker error that persists over 10 tries is returned.
//
// A record whose dlq_* headers are missing or malformed (one written by some
// other producer) is listed with the fields that could be read.
func List(ctx context.Context, conn bus.Connection, topic string) ([]Letter, error) {
	letters, err := list(ctx, conn, topic)
	if err != nil {
		return nil, fmt.Errorf("dlq: list %s: %w", topic, err)
	}
	return letters, nil
}

func list(ctx context.Context, conn bus.Connection, topic string) ([]Letter, error) {
	if err := conn.Validate(); err != nil {
		return nil, err
	}
	dlqTopic := middleware.DeadLetterTopic(topic)
	partitions, err := bus.Partitions(ctx, conn, dlqTopic)
	if err != nil {
		return nil, err
	}
	letters, err := readTopic(ctx, conn, dlqTopic, partitions, func(rec kafka.Message) (Letter, error) {
		return letterOf(rec, topic)
	})
	if err != nil {
		return nil, err
	}
	if letters == nil {
		letters = []Letter{}
	}
	return letters, nil
}

// letterOf decodes a record of <topic>.dlq.
func letterOf(rec kafka.Message, topic string) (Letter, error) {
	msg, err := bus.CloudEvents{}.Unmarshal(rec)
	if err != nil {
		return Letter{}, fmt.Errorf("record %s/%d/%d: %w", rec.Topic, rec.Partition, rec.Offset, err)
	}
	l := Letter{
		ID:      msg.UUID,
		Topic:   msg.Metadata.Get(middleware.HeaderDLQTopic),
		Handler: msg.Metadata.Get(middleware.HeaderDLQHandler),
		Error:   msg.Metadata.Get(middleware.HeaderDLQError),
		Record:  bus.Record{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Time: rec.Time},
		Message: msg,
	}
	if l.Topic == "" {
		l.Topic = topic
	}
	l.Attempts, _ = strconv.Atoi(msg.Metadata.Get(middleware.HeaderDLQAttempts))
	l.Time, _ = time.Parse(time.RFC3339Nano, msg.Metadata.Get(middleware.HeaderDLQTime))
	return l, nil
}
