package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go"
)

// The CloudEvents 1.0 attributes in Kafka binary mode. A Watermill message's
// metadata and a Kafka record's headers are the same key/value pairs: these
// keys name the CloudEvents attributes among them. The message's UUID is ce_id.
const (
	HeaderID          = "ce_id"
	HeaderSource      = "ce_source"
	HeaderType        = "ce_type"
	HeaderSpecVersion = "ce_specversion"
	HeaderTime        = "ce_time"
	HeaderDataSchema  = "ce_dataschema"
	HeaderSubject     = "ce_subject"
	HeaderContentType = "content-type"

	// MetadataPartitionKey holds the CloudEvents partitionkey extension. It
	// travels as the Kafka record key, not as a header, as the CloudEvents
	// Kafka binding prescribes, and decides the partition: events with the
	// same key keep their order.
	MetadataPartitionKey = "partitionkey"

	// SpecVersion is the CloudEvents version every event carries.
	SpecVersion = "1.0"
)

// specVersionBytes is shared by every record: header values are only read.
var specVersionBytes = []byte(SpecVersion)

// Marshaler turns a Watermill message into a Kafka record and back.
type Marshaler interface {
	Marshal(topic string, msg *message.Message) (kafka.Message, error)
	Unmarshal(rec kafka.Message) (*message.Message, error)
}

// CloudEvents is the Marshaler of the bus: CloudEvents 1.0 in Kafka binary
// mode. Marshal fills in what an event must carry and the message does not
// say: ce_specversion, ce_source (Source), ce_type (the topic), ce_time (now)
// and content-type (application/json). Every other metadata entry becomes a
// header as it is.
type CloudEvents struct {
	// Source is the ce_source of events whose metadata has none, a URI
	// reference such as "/civicbus/connectors/filedrop".
	Source string

	now func() time.Time
}

// Marshal implements Marshaler.
func (c CloudEvents) Marshal(topic string, msg *message.Message) (kafka.Message, error) {
	if msg.UUID == "" {
		return kafka.Message{}, errors.New("envelope: message has no UUID (ce_id must not be empty)")
	}
	headers := make([]kafka.Header, 0, len(msg.Metadata)+6)
	headers = append(headers, kafka.Header{Key: HeaderSpecVersion, Value: specVersionBytes})
	headers = append(headers, kafka.Header{Key: HeaderID, Value: []byte(msg.UUID)})
	set := func(key, fallback string) {
		v := msg.Metadata.Get(key)
		if v == "" {
			v = fallback
		}
		headers = append(headers, kafka.Header{Key: key, Value: []byte(v)})
	}
	source := c.Source
	if source == "" {
		source = "/civicbus"
	}
	set(HeaderSource, source)
	set(HeaderType, topic)
	set(HeaderTime, c.timeNow().UTC().Format(time.RFC3339Nano))
	set(HeaderContentType, "application/json")
	keys := make([]string, 0, len(msg.Metadata))
	for k := range msg.Metadata {
		switch k {
		case HeaderSpecVersion, HeaderID, HeaderSource, HeaderType, HeaderTime, HeaderContentType, MetadataPartitionKey:
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys) // a stable header order makes records comparable byte for byte
	for _, k := range keys {
		headers = append(headers, kafka.Header{Key: k, Value: []byte(msg.Metadata[k])})
	}
	var key []byte
	if k := msg.Metadata.Get(MetadataPartitionKey); k != "" {
		key = []byte(k)
	}
	return kafka.Message{Topic: topic, Key: key, Value: msg.Payload, Headers: headers}, nil
}

// Unmarshal implements Marshaler. A record without ce_id (one written by a
// plain Kafka producer) gets an id made of its topic, partition and offset,
// so that reading it twice still yields the same id.
func (c CloudEvents) Unmarshal(rec kafka.Message) (*message.Message, error) {
	md := make(message.Metadata, len(rec.Headers)+1)
	for _, h := range rec.Headers {
		md[h.Key] = string(h.Value)
	}
	if len(rec.Key) > 0 {
		md[MetadataPartitionKey] = string(rec.Key)
	}
	id := md[HeaderID]
	if id == "" {
		id = rec.Topic + "/" + strconv.Itoa(rec.Partition) + "/" + strconv.FormatInt(rec.Offset, 10)
	}
	msg := message.NewMessage(id, rec.Value)
	msg.Metadata = md
	return msg, nil
}

func (c CloudEvents) timeNow() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// Record locates a consumed message in Kafka.
type Record struct {
	Topic     string
	Partition int
	Offset    int64
	Time      time.Time // the record's timestamp
}

type recordKey struct{}

// RecordFromCtx returns where in Kafka the message whose context this is was
// read from. The Subscriber sets it on every message it delivers.
func RecordFromCtx(ctx context.Context) (Record, bool) {
	r, ok := ctx.Value(recordKey{}).(Record)
	return r, ok
}

func withRecord(ctx context.Context, rec kafka.Message) context.Context {
	return context.WithValue(ctx, recordKey{}, Record{Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset, Time: rec.Time})
}

// String formats a record location as topic/partition/offset.
func (r Record) String() string {
	return fmt.Sprintf("%s/%d/%d", r.Topic, r.Partition, r.Offset)
}
