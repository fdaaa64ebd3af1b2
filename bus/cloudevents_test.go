package bus_test

// Interoperability of the bus's CloudEvents envelope with the official
// CloudEvents Go SDK and a plain Kafka client (Sarama). Sarama and the SDK are
// test-only dependencies here: the product must not link them (deps_test.go).

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	kafkasarama "github.com/cloudevents/sdk-go/protocol/kafka_sarama/v2"
	"github.com/cloudevents/sdk-go/v2/binding"
	cloudevent "github.com/cloudevents/sdk-go/v2/event"
	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
)

// saramaConfig is a plain Sarama client configuration that can read and write
// record headers (Kafka 0.11 and later).
func saramaConfig() *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0
	cfg.ClientID = "civicbus-test"
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Return.Successes = true
	cfg.Metadata.Retry.Backoff = 100 * time.Millisecond
	return cfg
}

// TestCloudEventsPublishedReadBySDK publishes with the adapter and reads the
// record with Sarama and the CloudEvents SDK's Kafka binding.
func TestCloudEventsPublishedReadBySDK(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	const topic = "parking.occupancy.v1"
	partitions, err := bus.EnsureTopic(ctx, conn, topic, 4)
	if err != nil {
		t.Fatal(err)
	}

	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/civicbus/default-source"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()

	payload := []byte(`{"lot":"lot-7","free":12,"capacity":40}`)
	const (
		ceType     = "se.vasteras.parking.occupancy.v1"
		ceSource   = "/civicbus/connectors/parking"
		ceSubject  = "parking/lot-7"
		dataSchema = "https://schemas.vasteras.se/parking/occupancy/v1.json"
		key        = "lot-7"
	)
	msg := message.NewMessage(watermill.NewUUID(), payload)
	msg.Metadata.Set(bus.HeaderType, ceType)
	msg.Metadata.Set(bus.HeaderSource, ceSource)
	msg.Metadata.Set(bus.HeaderSubject, ceSubject)
	msg.Metadata.Set(bus.HeaderDataSchema, dataSchema)
	msg.Metadata.Set(bus.MetadataPartitionKey, key)
	msg.Metadata.Set("ce_municipality", "vasteras") // a CloudEvents extension

	before := time.Now()
	if err := pub.Publish(topic, msg); err != nil {
		t.Fatal(err)
	}
	after := time.Now()

	// The adapter places a key as Kafka's Java client does (murmur2), so the
	// record must be in that partition.
	partition := kafka.Murmur2Balancer{}.Balance(kafka.Message{Key: []byte(key)}, partitions...)

	consumer, err := sarama.NewConsumer([]string{broker.Addr()}, saramaConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	pc, err := consumer.ConsumePartition(topic, int32(partition), sarama.OffsetOldest)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	var cm *sarama.ConsumerMessage
	select {
	case cm = <-pc.Messages():
	case err := <-pc.Errors():
		t.Fatalf("sarama consumer: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatalf("no record in partition %d (the murmur2 partition of key %q)", partition, key)
	}

	if string(cm.Key) != key {
		t.Errorf("record key = %q, want the partitionkey %q", cm.Key, key)
	}
	for _, h := range cm.Headers {
		if string(h.Key) == bus.MetadataPartitionKey || string(h.Key) == "ce_partitionkey" {
			t.Errorf("partitionkey travels as a header %q too; the binding maps it to the record key only", h.Key)
		}
	}

	m := kafkasarama.NewMessageFromConsumerMessage(cm)
	if enc := m.ReadEncoding(); enc != binding.EncodingBinary {
		t.Fatalf("SDK sees encoding %v, want binary", enc)
	}
	ev, err := binding.ToEvent(ctx, m)
	if err != nil {
		t.Fatalf("binding.ToEvent: %v", err)
	}
	if err := ev.Validate(); err != nil {
		t.Errorf("event.Validate: %v", err)
	}

	// The SDK's reader does not apply the binding's key mapping (it only maps
	// partitionkey to the key when writing), so map it as the binding says:
	// the record key is the partitionkey extension.
	if err := ev.Context.SetExtension("partitionkey", string(cm.Key)); err != nil {
		t.Fatal(err)
	}
	if err := ev.Validate(); err != nil {
		t.Errorf("event.Validate with partitionkey: %v", err)
	}

	check := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	check("specversion", ev.SpecVersion(), "1.0")
	check("id", ev.ID(), msg.UUID)
	check("type", ev.Type(), ceType)
	check("source", ev.Source(), ceSource)
	check("subject", ev.Subject(), ceSubject)
	check("dataschema", ev.DataSchema(), dataSchema)
	check("datacontenttype", ev.DataContentType(), "application/json")
	check("extension municipality", fmt.Sprint(ev.Extensions()["municipality"]), "vasteras")
	check("extension partitionkey", fmt.Sprint(ev.Extensions()["partitionkey"]), string(cm.Key))
	if tm := ev.Time(); tm.Before(before.Add(-time.Millisecond)) || tm.After(after.Add(time.Millisecond)) {
		t.Errorf("time = %s, want between %s and %s", tm, before, after)
	}
	if !bytes.Equal(ev.Data(), payload) {
		t.Errorf("data = %q, want %q", ev.Data(), payload)
	}
	var body struct {
		Lot  string `json:"lot"`
		Free int    `json:"free"`
	}
	if err := ev.DataAs(&body); err != nil || body.Lot != "lot-7" || body.Free != 12 {
		t.Errorf("DataAs = %+v, %v", body, err)
	}
}

// TestCloudEventsSDKEventConsumed writes an event with the SDK's Sarama sender
// in binary mode and consumes it with the adapter's Subscriber.
func TestCloudEventsSDKEventConsumed(t *testing.T) {
	broker := testenv.Broker(t)
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	const topic = "waste.pickup.v1"
	if _, err := bus.EnsureTopic(ctx, conn, topic, 4); err != nil {
		t.Fatal(err)
	}

	sender, err := kafkasarama.NewSender([]string{broker.Addr()}, saramaConfig(), topic)
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close(context.Background())

	ev := cloudevent.New()
	ev.SetID("4b0d9c4e-0a7c-4c55-9d1e-2f6a7d3c1e01")
	ev.SetType("se.vasteras.waste.pickup.v1")
	ev.SetSource("/external/sdk-producer")
	ev.SetSubject("route/12")
	ev.SetDataSchema("https://schemas.vasteras.se/waste/pickup/v1.json")
	evTime := time.Date(2026, 3, 14, 9, 26, 53, 589793000, time.UTC)
	ev.SetTime(evTime)
	ev.SetExtension("partitionkey", "route-12")
	ev.SetExtension("municipality", "vasteras")
	if err := ev.SetData("application/json", map[string]any{"route": 12, "bins": 340}); err != nil {
		t.Fatal(err)
	}
	if err := sender.Send(binding.WithForceBinary(ctx), binding.ToMessage(&ev)); err != nil {
		t.Fatalf("SDK send: %v", err)
	}

	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn}) // no group: all partitions from the oldest
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	subCtx, stop := context.WithCancel(ctx)
	defer stop()
	ch, err := sub.Subscribe(subCtx, topic)
	if err != nil {
		t.Fatal(err)
	}
	var got *message.Message
	select {
	case got = <-ch:
		got.Ack()
	case <-ctx.Done():
		t.Fatal("the SDK's event never reached the Subscriber")
	}

	if got.UUID != ev.ID() {
		t.Errorf("UUID = %q, want the event id %q", got.UUID, ev.ID())
	}
	want := map[string]string{
		bus.HeaderSpecVersion:    "1.0",
		bus.HeaderID:             ev.ID(),
		bus.HeaderType:           ev.Type(),
		bus.HeaderSource:         ev.Source(),
		bus.HeaderSubject:        ev.Subject(),
		bus.HeaderDataSchema:     ev.DataSchema(),
		bus.HeaderContentType:    "application/json",
		"ce_municipality":        "vasteras",
		"ce_partitionkey":        "route-12", // the SDK writes the extension as a header too
		bus.MetadataPartitionKey: "route-12", // and as the record key, which the adapter maps back
	}
	for k, v := range want {
		if g := got.Metadata.Get(k); g != v {
			t.Errorf("metadata %s = %q, want %q", k, g, v)
		}
	}
	tm, err := time.Parse(time.RFC3339Nano, got.Metadata.Get(bus.HeaderTime))
	if err != nil || !tm.Equal(evTime) {
		t.Errorf("metadata ce_time = %q (%v), want %s", got.Metadata.Get(bus.HeaderTime), err, evTime.Format(time.RFC3339Nano))
	}
	if !bytes.Equal(got.Payload, ev.Data()) {
		t.Errorf("payload = %q, want %q", got.Payload, ev.Data())
	}
	rec, ok := bus.RecordFromCtx(got.Context())
	if !ok || rec.Topic != topic {
		t.Errorf("RecordFromCtx = %+v, %v", rec, ok)
	}
}

// TestCloudEventsEnvelopeRoundTrip checks what CloudEvents.Marshal fills in
// and that Unmarshal gives the message back.
func TestCloudEventsEnvelopeRoundTrip(t *testing.T) {
	const topic = "traffic.signal.v1"
	payload := []byte(`{"signal":"s-1","state":"red"}`)
	const id = "0f8fad5b-d9cb-469f-a165-70867728950e"

	tests := []struct {
		name     string
		marshal  bus.CloudEvents
		metadata map[string]string
		// wantHeaders are the record's headers besides ce_time, which is
		// checked apart when the metadata does not set it.
		wantHeaders map[string]string
		wantKey     string
	}{
		{
			name:     "defaults filled",
			metadata: nil,
			wantHeaders: map[string]string{
				"ce_specversion": "1.0",
				"ce_id":          id,
				"ce_source":      "/civicbus",
				"ce_type":        topic,
				"content-type":   "application/json",
			},
		},
		{
			name:    "configured source",
			marshal: bus.CloudEvents{Source: "/civicbus/connectors/filedrop"},
			wantHeaders: map[string]string{
				"ce_specversion": "1.0",
				"ce_id":          id,
				"ce_source":      "/civicbus/connectors/filedrop",
				"ce_type":        topic,
				"content-type":   "application/json",
			},
		},
		{
			name:    "metadata wins over defaults",
			marshal: bus.CloudEvents{Source: "/civicbus/connectors/filedrop"},
			metadata: map[string]string{
				"ce_source":    "/civicbus/services/signals",
				"ce_type":      "se.vasteras.traffic.signal.v1",
				"ce_time":      "2026-01-02T03:04:05.678Z",
				"content-type": "application/cbor",
			},
			wantHeaders: map[string]string{
				"ce_specversion": "1.0",
				"ce_id":          id,
				"ce_source":      "/civicbus/services/signals",
				"ce_type":        "se.vasteras.traffic.signal.v1",
				"ce_time":        "2026-01-02T03:04:05.678Z",
				"content-type":   "application/cbor",
			},
		},
		{
			name: "id and specversion cannot be overridden by metadata",
			metadata: map[string]string{
				"ce_id":          "something-else",
				"ce_specversion": "0.3",
			},
			wantHeaders: map[string]string{
				"ce_specversion": "1.0",
				"ce_id":          id,
				"ce_source":      "/civicbus",
				"ce_type":        topic,
				"content-type":   "application/json",
			},
		},
		{
			name: "partitionkey becomes the key, extensions and other metadata pass through",
			metadata: map[string]string{
				"partitionkey":    "signal-1",
				"ce_subject":      "signal/s-1",
				"ce_dataschema":   "https://schemas.vasteras.se/traffic/signal/v1.json",
				"ce_municipality": "vasteras",
				"traceparent":     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			},
			wantHeaders: map[string]string{
				"ce_specversion":  "1.0",
				"ce_id":           id,
				"ce_source":       "/civicbus",
				"ce_type":         topic,
				"content-type":    "application/json",
				"ce_subject":      "signal/s-1",
				"ce_dataschema":   "https://schemas.vasteras.se/traffic/signal/v1.json",
				"ce_municipality": "vasteras",
				"traceparent":     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			},
			wantKey: "signal-1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := message.NewMessage(id, payload)
			maps.Copy(msg.Metadata, tt.metadata)
			before := time.Now().UTC()
			rec, err := tt.marshal.Marshal(topic, msg)
			after := time.Now().UTC()
			if err != nil {
				t.Fatal(err)
			}
			if rec.Topic != topic {
				t.Errorf("record topic = %q, want %q", rec.Topic, topic)
			}
			if string(rec.Key) != tt.wantKey || (tt.wantKey == "" && rec.Key != nil) {
				t.Errorf("record key = %q, want %q", rec.Key, tt.wantKey)
			}
			if !bytes.Equal(rec.Value, payload) {
				t.Errorf("record value = %q", rec.Value)
			}
			headers := map[string]string{}
			for _, h := range rec.Headers {
				if _, dup := headers[h.Key]; dup {
					t.Errorf("header %q appears twice", h.Key)
				}
				headers[h.Key] = string(h.Value)
			}
			if _, ok := tt.wantHeaders["ce_time"]; !ok {
				tm, err := time.Parse(time.RFC3339Nano, headers["ce_time"])
				if err != nil {
					t.Errorf("ce_time %q: %v", headers["ce_time"], err)
				} else if tm.Before(before) || tm.After(after) || tm.Location() != time.UTC {
					t.Errorf("ce_time = %s, want now in UTC (%s .. %s)", tm, before, after)
				}
				delete(headers, "ce_time")
			}
			if !maps.Equal(headers, tt.wantHeaders) {
				t.Errorf("headers:\n got %v\nwant %v", headers, tt.wantHeaders)
			}

			// Back again, as the Subscriber would read it.
			rec.Partition, rec.Offset = 3, 42
			back, err := tt.marshal.Unmarshal(rec)
			if err != nil {
				t.Fatal(err)
			}
			if back.UUID != id {
				t.Errorf("UUID = %q, want %q", back.UUID, id)
			}
			if !bytes.Equal(back.Payload, payload) {
				t.Errorf("payload = %q", back.Payload)
			}
			wantMD := map[string]string{}
			for _, h := range rec.Headers {
				wantMD[h.Key] = string(h.Value)
			}
			if tt.wantKey != "" {
				wantMD[bus.MetadataPartitionKey] = tt.wantKey
			}
			if !maps.Equal(map[string]string(back.Metadata), wantMD) {
				t.Errorf("metadata after the round trip:\n got %v\nwant %v", back.Metadata, wantMD)
			}
			// Marshalling the consumed message again gives the same record:
			// a relay does not change an event.
			again, err := tt.marshal.Marshal(topic, back)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(again.Headers) != fmt.Sprint(rec.Headers) || !bytes.Equal(again.Key, rec.Key) {
				t.Errorf("marshalled again:\n got %v key %q\nwant %v key %q", again.Headers, again.Key, rec.Headers, rec.Key)
			}
		})
	}

	t.Run("message without UUID is refused", func(t *testing.T) {
		if _, err := (bus.CloudEvents{}).Marshal(topic, message.NewMessage("", payload)); err == nil {
			t.Error("Marshal accepted a message without UUID (ce_id must not be empty)")
		}
	})

	t.Run("record without ce_id gets a deterministic id", func(t *testing.T) {
		rec := kafka.Message{
			Topic:     "legacy.meter.readings",
			Partition: 5,
			Offset:    1234,
			Key:       []byte("meter-9"),
			Value:     []byte(`{"kwh":3.2}`),
			Headers:   []kafka.Header{{Key: "origin", Value: []byte("plain-producer")}},
		}
		first, err := bus.CloudEvents{}.Unmarshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		second, err := bus.CloudEvents{}.Unmarshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		const wantID = "legacy.meter.readings/5/1234"
		if first.UUID != wantID || second.UUID != wantID {
			t.Errorf("ids = %q, %q, want %q both times", first.UUID, second.UUID, wantID)
		}
		if first.Metadata.Get(bus.MetadataPartitionKey) != "meter-9" || first.Metadata.Get("origin") != "plain-producer" {
			t.Errorf("metadata = %v", first.Metadata)
		}
		if !bytes.Equal(first.Payload, rec.Value) {
			t.Errorf("payload = %q", first.Payload)
		}
		rec.Offset++
		next, _ := bus.CloudEvents{}.Unmarshal(rec)
		if next.UUID == first.UUID {
			t.Errorf("the next record got the same id %q", next.UUID)
		}
	})
}
