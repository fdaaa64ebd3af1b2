package bus_test

// These tests check the bus's edges against the real catalog: bus itself
// knows no domain, but its tests may use schemas/contracts, the Contract
// that production wires in (go list -deps, which TestDepsBusKnowsNoDomain
// runs, does not follow test imports).

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/segmentio/kafka-go"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/contracts"
	"github.com/vasteras/civicbus/schemas/validate"
)

// The catalog's Contracts is a bus.Contract by its method set alone.
var (
	_ bus.Contract       = (*contracts.Contracts)(nil)
	_ bus.SchemaResolver = (*contracts.Contracts)(nil)
)

const (
	sensorTopic  = "care.sensor-activation.v1"
	sensorSchema = "https://schemas.civicbus.vasteras.se/care.sensor-activation/v1.json"
	// sensorSecret is the resident's pseudonym in every test event: personal
	// data, so no error and no dlq_error may quote it.
	sensorSecret = "res-secret4711"
	// sensorMaxBytes is the validator's limit in the tests; a valid event
	// is about 200 bytes.
	sensorMaxBytes = 1024
)

// sensorEvent is the n-th activation of the bed sensor in the real home of
// fall_adl/ (the catalog's example), as JSON, edited by change when given.
func sensorEvent(t *testing.T, n int, change func(map[string]any)) []byte {
	t.Helper()
	start := time.Date(2011, 11, 28, 2, 27, 59, 0, time.FixedZone("CET", 3600)).Add(time.Duration(n) * time.Minute)
	b, err := json.Marshal(schemas.SensorActivation{
		ResidentID: sensorSecret, SensorID: "bed", SensorKind: schemas.SensorPressure, Object: "bed",
		Room: schemas.RoomBedroom, StartedAt: start, EndedAt: start.Add(30 * time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	if change == nil {
		return b
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	return b
}

// sensorContracts is the catalog's Contracts on a validator that takes
// payloads up to sensorMaxBytes.
func sensorContracts(t *testing.T) *contracts.Contracts {
	t.Helper()
	v, err := validate.New(validate.Config{MaxBytes: sensorMaxBytes})
	if err != nil {
		t.Fatal(err)
	}
	c, err := contracts.New(v, schemas.Events())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// encodingMarshaler is the CloudEvents marshaler of a subscriber that
// decodes JSON only: a record with another content-type cannot be decoded.
type encodingMarshaler struct{ bus.CloudEvents }

func (m encodingMarshaler) Unmarshal(rec kafka.Message) (*message.Message, error) {
	for _, h := range rec.Headers {
		if h.Key == bus.HeaderContentType && string(h.Value) != "application/json" {
			return nil, errors.New("unsupported content-type")
		}
	}
	return m.CloudEvents.Unmarshal(rec)
}

// badEvent is an event that must be dead-lettered, with what its dlq_error
// must say.
type badEvent struct {
	id      string
	payload []byte
	meta    map[string]string
	want    string
}

// TestValidateDeadLettersInvalidEvents publishes, bypassing the checked
// publisher, a stream of sensor activations with bad events in the middle:
// every valid one reaches the handler in order, every bad one lands in
// <topic>.dlq after one attempt with the reason and without a payload value,
// and each is accounted for exactly once.
func TestValidateDeadLettersInvalidEvents(t *testing.T) {
	r := newRig(t, bus.RouterConfig{Contract: sensorContracts(t)})
	const name = "sensor-activations"
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: r.conn, ConsumerGroup: name, Marshaler: encodingMarshaler{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	var mu sync.Mutex
	var handled []string
	r.router.AddConsumerHandler(name, sensorTopic, sub, func(msg *message.Message) error {
		mu.Lock()
		defer mu.Unlock()
		handled = append(handled, msg.UUID)
		return nil
	})
	r.run(t)

	tooLarge := sensorEvent(t, 104, func(m map[string]any) { m["note"] = strings.Repeat(sensorSecret, 100) })
	bad := []badEvent{
		{id: "wrong-type", payload: sensorEvent(t, 100, func(m map[string]any) { m["started_at"] = 20111128 }),
			want: "/started_at: must be string, not number"},
		{id: "missing-required", payload: sensorEvent(t, 101, func(m map[string]any) { delete(m, "object") }),
			want: "/object: required property missing"},
		{id: "malformed-json", payload: []byte(`{"resident_id":"` + sensorSecret + `","sensor_id":`),
			want: "not valid JSON at byte"},
		{id: "invalid-utf8", payload: []byte(`{"resident_id":"` + sensorSecret + "\xff\xfe" + `"}`),
			want: "not valid UTF-8 at byte"},
		{id: "too-large", payload: tooLarge,
			want: fmt.Sprintf("payload too large: %d bytes, the maximum is %d", len(tooLarge), sensorMaxBytes)},
		{id: "another-schema", payload: sensorEvent(t, 105, nil), meta: map[string]string{bus.HeaderDataSchema: schemas.SchemaID("care.alarm", 1)},
			want: "dataschema is not the topic's schema"},
		{id: "undecodable", payload: sensorEvent(t, 106, nil), meta: map[string]string{bus.HeaderContentType: "application/avro"},
			want: "the record cannot be decoded: unsupported content-type"},
	}
	var stream, valid []*message.Message
	for i := range 10 {
		id := fmt.Sprintf("valid-%02d", i)
		msg := message.NewMessage(id, sensorEvent(t, i, nil))
		if i%2 == 0 {
			msg.Metadata.Set(bus.HeaderDataSchema, sensorSchema)
		}
		valid = append(valid, msg)
	}
	stream = append(stream, valid[:5]...)
	for _, b := range bad {
		msg := message.NewMessage(b.id, b.payload)
		for k, v := range b.meta {
			msg.Metadata.Set(k, v)
		}
		stream = append(stream, msg)
	}
	stream = append(stream, valid[5:]...)
	publish(t, r.pub, sensorTopic, sensorSecret, stream...)

	// One partition key: the last valid event is handled only after every
	// event before it was handled or dead-lettered.
	eventually(t, "the last valid event handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(handled, "valid-09")
	})
	mu.Lock()
	wantHandled := make([]string, len(valid))
	for i, m := range valid {
		wantHandled[i] = m.UUID
	}
	if !slices.Equal(handled, wantHandled) {
		t.Errorf("handled %v, want every valid event once, in order: %v", handled, wantHandled)
	}
	mu.Unlock()

	dead := letters(t, r.conn, sensorTopic, len(bad))
	byID := map[string]int{}
	for _, l := range dead {
		byID[l.ID]++
	}
	for _, b := range bad {
		if byID[b.id] != 1 {
			t.Errorf("%s dead-lettered %d times, want once", b.id, byID[b.id])
		}
	}
	for _, l := range dead {
		i := slices.IndexFunc(bad, func(b badEvent) bool { return b.id == l.ID })
		if i < 0 {
			t.Errorf("dead letter %s was not a bad event: %s", l.ID, l.Error)
			continue
		}
		b := bad[i]
		if !strings.HasPrefix(l.Error, "invalid event: ") || !strings.Contains(l.Error, b.want) {
			t.Errorf("%s: dlq_error %q, want \"invalid event: …%s…\"", b.id, l.Error, b.want)
		}
		if strings.Contains(l.Error, sensorSecret) || strings.Contains(l.Error, "20111128") {
			t.Errorf("%s: dlq_error %q quotes the payload", b.id, l.Error)
		}
		if l.Attempts != 1 || l.Handler != name || l.Topic != sensorTopic {
			t.Errorf("%s: %d attempts by %q from %s; want 1 by %s from %s", b.id, l.Attempts, l.Handler, l.Topic, name, sensorTopic)
		}
		if string(l.Message.Payload) != string(b.payload) {
			t.Errorf("%s: the dead letter's payload differs from the event's: nothing may be lost", b.id)
		}
	}

	processed := metric(t, r.reg, messagesTotal, "handler", name, "outcome", middleware.OutcomeProcessed)
	deadLettered := metric(t, r.reg, messagesTotal, "handler", name, "outcome", middleware.OutcomeDeadLettered)
	failed := metric(t, r.reg, messagesTotal, "handler", name, "outcome", middleware.OutcomeFailed)
	if processed != float64(len(valid)) || deadLettered != float64(len(bad)) || processed+deadLettered != float64(len(stream)) {
		t.Errorf("processed %v + dead-lettered %v, want %d + %d = %d published", processed, deadLettered, len(valid), len(bad), len(stream))
	}
	if failed != float64(len(bad)) {
		t.Errorf("failed attempts %v, want one per bad event (%d): no retries", failed, len(bad))
	}
}

// readTopic reads topic from its start with its own subscriber until a
// message with the UUID last arrives, and returns every message read.
func readTopic(t *testing.T, conn bus.Connection, topic, last string) []*message.Message {
	t.Helper()
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ch, err := sub.Subscribe(t.Context(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var got []*message.Message
	deadline := time.After(30 * time.Second)
	for {
		select {
		case m := <-ch:
			m.Ack()
			got = append(got, m)
			if m.UUID == last {
				return got
			}
		case <-deadline:
			t.Fatalf("timed out reading %s: %d messages, none of them %s", topic, len(got), last)
		}
	}
}

func TestCheckedPublisher(t *testing.T) {
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	plain, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	checked, err := bus.NewCheckedPublisher(plain, sensorContracts(t))
	if err != nil {
		t.Fatal(err)
	}
	defer checked.Close()
	keyed := func(id string, payload []byte) *message.Message {
		m := message.NewMessage(id, payload)
		m.Metadata.Set(bus.MetadataPartitionKey, sensorSecret)
		return m
	}

	// An invalid batch: nothing of it is published.
	refused := []*message.Message{
		keyed("refused-1", sensorEvent(t, 1, nil)),
		keyed("refused-2", sensorEvent(t, 2, func(m map[string]any) { delete(m, "object") })),
		keyed("refused-3", sensorEvent(t, 3, nil)),
	}
	err = checked.Publish(sensorTopic, refused...)
	var cerr *bus.ContractError
	if !errors.As(err, &cerr) || cerr.Topic != sensorTopic || cerr.Messages != 3 || len(cerr.Broken) != 1 || cerr.Broken[0].UUID != "refused-2" {
		t.Fatalf("Publish of an invalid batch = %v, want a *ContractError naming refused-2", err)
	}
	if !errors.Is(err, validate.ErrInvalid) {
		t.Errorf("errors.Is(%v, validate.ErrInvalid) = false", err)
	}
	want := "bus: publish to " + sensorTopic + ": 1 of 3 messages break the contract, none published: message refused-2: validate " + sensorSchema + ": /object: required property missing"
	if err.Error() != want {
		t.Errorf("error\n %q, want\n %q", err, want)
	}
	for _, m := range refused {
		if got := m.Metadata.Get(bus.HeaderDataSchema); got != "" {
			t.Errorf("%s: a refused message got ce_dataschema %q", m.UUID, got)
		}
	}

	// Every way to break a contract is refused, and no error quotes the payload.
	many := make([]*message.Message, 12)
	for i := range many {
		many[i] = keyed(fmt.Sprintf("many-%02d", i), []byte(`{"resident_id":"`+sensorSecret+`"`))
	}
	wrongSchema := keyed("wrong-schema", sensorEvent(t, 4, nil))
	wrongSchema.Metadata.Set(bus.HeaderDataSchema, schemas.SchemaID("care.alarm", 1))
	for _, tc := range []struct {
		name  string
		topic string
		msgs  []*message.Message
		kind  error
		want  string
	}{
		{"malformed, listing ten", sensorTopic, many, validate.ErrMalformedJSON, "12 of 12 messages break the contract, none published: message many-00: validate " + sensorSchema + ": not valid JSON at byte 31: unexpected end of input in object; message many-01"},
		{"malformed, and the rest counted", sensorTopic, many, validate.ErrMalformedJSON, "message many-09: validate " + sensorSchema + ": not valid JSON at byte 31: unexpected end of input in object; and 2 more"},
		{"invalid UTF-8", sensorTopic, []*message.Message{keyed("utf8", []byte("{\"resident_id\":\"\xff\"}"))}, validate.ErrInvalidUTF8, "the message breaks the contract, not published: message utf8: validate " + sensorSchema + ": not valid UTF-8 at byte 16"},
		{"too large", sensorTopic, []*message.Message{keyed("large", sensorEvent(t, 5, func(m map[string]any) { m["note"] = strings.Repeat(sensorSecret, 100) }))}, validate.ErrTooLarge, "payload too large"},
		{"another schema named", sensorTopic, []*message.Message{wrongSchema}, contracts.ErrSchemaMismatch, "message wrong-schema: topic " + sensorTopic + ": dataschema is not the topic's schema"},
		{"a topic without a contract", "test.no-contract.v1", []*message.Message{keyed("no-contract", sensorEvent(t, 6, nil))}, contracts.ErrNoContract, `bus: publish to test.no-contract.v1: the message breaks the contract, not published: message no-contract: no contract for topic "test.no-contract.v1"`},
	} {
		err := checked.Publish(tc.topic, tc.msgs...)
		if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Publish = %v, want %v with %q", tc.name, err, tc.kind, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), sensorSecret) {
			t.Errorf("%s: %q quotes the payload", tc.name, err)
		}
	}

	// A valid batch is published, with ce_dataschema filled in where absent.
	accepted := []*message.Message{keyed("accepted-1", sensorEvent(t, 7, nil)), keyed("accepted-2", sensorEvent(t, 8, nil))}
	accepted[1].Metadata.Set(bus.HeaderDataSchema, sensorSchema)
	if err := checked.Publish(sensorTopic, accepted...); err != nil {
		t.Fatalf("Publish of a valid batch: %v", err)
	}
	// One partition key: a refused message, had it been written, would be
	// read before the accepted ones.
	read := readTopic(t, conn, sensorTopic, "accepted-2")
	var ids []string
	for _, m := range read {
		ids = append(ids, m.UUID)
		if got := m.Metadata.Get(bus.HeaderDataSchema); got != sensorSchema {
			t.Errorf("%s: ce_dataschema %q, want %s", m.UUID, got, sensorSchema)
		}
	}
	if !slices.Equal(ids, []string{"accepted-1", "accepted-2"}) {
		t.Errorf("the topic holds %v, want only the accepted batch", ids)
	}

	if err := checked.Close(); err != nil {
		t.Fatal(err)
	}
	if err := plain.Publish(sensorTopic, keyed("after-close", sensorEvent(t, 9, nil))); !errors.Is(err, bus.ErrPublisherClosed) {
		t.Errorf("Close did not close the wrapped publisher: Publish = %v", err)
	}
}

func TestCheckedPublisherConstruction(t *testing.T) {
	_, err := bus.NewCheckedPublisher(nil, nil)
	if err == nil || err.Error() != "bus: checked publisher: a publisher is required\na contract is required" {
		t.Errorf("NewCheckedPublisher(nil, nil) = %v", err)
	}
	c := sensorContracts(t)
	if _, err := bus.CheckedPublishing(c)(nil); err == nil {
		t.Error("CheckedPublishing(c)(nil) is not an error")
	}
	// A decorated publisher refuses an invalid event without touching the
	// publisher it wraps, which here cannot reach any broker.
	unreachable, err := bus.NewPublisher(bus.PublisherConfig{Connection: bus.Connection{Brokers: []string{"127.0.0.1:1"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer unreachable.Close()
	pub, err := bus.CheckedPublishing(c)(unreachable)
	if err != nil {
		t.Fatal(err)
	}
	err = pub.Publish(sensorTopic, message.NewMessage("bad", []byte(`{}`)))
	if !errors.Is(err, validate.ErrInvalid) {
		t.Errorf("decorated Publish of {} = %v, want a contract error", err)
	}
}
