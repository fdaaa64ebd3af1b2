package contracts_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/contracts"
	"github.com/vasteras/civicbus/schemas/validate"
)

const (
	topic    = "care.sensor-activation.v1"
	schemaID = "https://schemas.civicbus.vasteras.se/care.sensor-activation/v1.json"
	// secret is a value only the payloads hold: no error may quote it.
	secret = "res-secret4711"
)

// activation is the first row of the real home in fall_adl/, as in the
// catalog's examples, with the resident under the secret pseudonym.
func activation(t *testing.T) []byte {
	t.Helper()
	b, err := json.Marshal(schemas.SensorActivation{
		ResidentID: secret, SensorID: "bed", SensorKind: schemas.SensorPressure, Object: "bed",
		Room:      schemas.RoomBedroom,
		StartedAt: time.Date(2011, 11, 28, 2, 27, 59, 0, time.FixedZone("CET", 3600)),
		EndedAt:   time.Date(2011, 11, 28, 10, 18, 11, 0, time.FixedZone("CET", 3600)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// edit decodes payload, applies change to it and encodes it again.
func edit(t *testing.T, payload []byte, change func(map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDefaultCoversTheCatalog(t *testing.T) {
	c, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	events := schemas.Events()
	if got := len(c.Topics()); got != len(events) {
		t.Errorf("%d topics, want one per catalog entry (%d)", got, len(events))
	}
	for _, e := range events {
		if id, ok := c.SchemaFor(e.Topic); !ok || id != e.SchemaID() {
			t.Errorf("SchemaFor(%s) = %q, %v; want %s", e.Topic, id, ok, e.SchemaID())
		}
	}
	if id, ok := c.SchemaFor("care.sensor-activation.v2"); ok {
		t.Errorf("SchemaFor of a topic not in the catalog = %q", id)
	}
}

func TestCheck(t *testing.T) {
	v, err := validate.New(validate.Config{MaxBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	c, err := contracts.New(v, schemas.Events())
	if err != nil {
		t.Fatal(err)
	}
	valid := activation(t)
	alarmID := schemas.SchemaID("care.alarm", 1)
	for _, tc := range []struct {
		name       string
		topic      string
		dataschema string
		payload    []byte
		kind       error  // nil: valid
		want       string // in the error text
	}{
		{"valid", topic, "", valid, nil, ""},
		{"valid, naming its schema", topic, schemaID, valid, nil, ""},
		{"unknown topic", "care.sensor-activation.v9", "", valid, contracts.ErrNoContract, `no contract for topic "care.sensor-activation.v9"`},
		{"unknown topic, naming a known schema", "test.other.v1", schemaID, valid, contracts.ErrNoContract, "no contract for topic"},
		{"another event's schema", topic, alarmID, valid, contracts.ErrSchemaMismatch, "the event names \"" + alarmID + "\", the topic carries " + schemaID},
		{"another version of the schema", topic, schemas.SchemaID("care.sensor-activation", 2), valid, contracts.ErrSchemaMismatch, "is not the topic's schema"},
		{"wrong type", topic, "", edit(t, valid, func(m map[string]any) { m["started_at"] = 20111128 }), validate.ErrInvalid, "/started_at: must be string, not number"},
		{"missing required", topic, "", edit(t, valid, func(m map[string]any) { delete(m, "object") }), validate.ErrInvalid, "/object: required property missing"},
		{"enum", topic, "", edit(t, valid, func(m map[string]any) { m["sensor_kind"] = "smoke-" + secret }), validate.ErrInvalid, "/sensor_kind: must be one of"},
		{"malformed JSON", topic, "", []byte(`{"resident_id":"` + secret + `",`), validate.ErrMalformedJSON, "not valid JSON at byte"},
		{"invalid UTF-8", topic, "", []byte(`{"resident_id":"` + secret + "\xff\xfe" + `"}`), validate.ErrInvalidUTF8, "not valid UTF-8 at byte"},
		{"too large", topic, "", edit(t, valid, func(m map[string]any) { m["note"] = strings.Repeat(secret, 100) }), validate.ErrTooLarge, "the maximum is 1024"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := c.Check(tc.topic, tc.dataschema, tc.payload)
			if tc.kind == nil {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.kind) {
				t.Fatalf("Check = %v, want %v", err, tc.kind)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check = %q, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "20111128") {
				t.Errorf("Check = %q: it quotes the payload", err)
			}
		})
	}
}

func TestCheckNamesEveryCause(t *testing.T) {
	c, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	bad := edit(t, activation(t), func(m map[string]any) {
		m["started_at"] = true
		delete(m, "sensor_id")
	})
	err = c.Check(topic, "", bad)
	var verr *validate.Error
	if !errors.As(err, &verr) {
		t.Fatalf("Check = %v, want a *validate.Error", err)
	}
	paths := map[string]bool{}
	for _, cause := range verr.Causes {
		paths[cause.Path] = true
	}
	if !paths["/started_at"] || !paths["/sensor_id"] || verr.Schema != schemaID {
		t.Errorf("causes %v of schema %s; want /started_at and /sensor_id of %s", verr.Causes, verr.Schema, schemaID)
	}
}

func TestNewRefuses(t *testing.T) {
	events := schemas.Events()
	v, err := validate.New(validate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := contracts.New(nil, events); err == nil || !strings.Contains(err.Error(), "a validator is required") {
		t.Errorf("New(nil) = %v", err)
	}
	twice := append(schemas.Events()[:1], events[0])
	twice[1].Version, twice[1].Subject = 1, "care.alarm"
	if _, err := contracts.New(v, twice); err == nil || !strings.Contains(err.Error(), "carries two schemas") {
		t.Errorf("New with a topic carrying two schemas = %v", err)
	}
	noTopic := []schemas.Event{events[0]}
	noTopic[0].Topic = ""
	if _, err := contracts.New(v, noTopic); err == nil || !strings.Contains(err.Error(), "has no topic") {
		t.Errorf("New with an event without a topic = %v", err)
	}
	taken, err := validate.New(validate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := taken.Add(events[0].SchemaID(), []byte(`{"type":"object"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := contracts.New(taken, events); err == nil || !strings.Contains(err.Error(), "already added") {
		t.Errorf("New on a validator holding another schema under a catalog id = %v", err)
	}
}

// TestCheckConcurrently runs under -race: Check is called from every handler
// goroutine at once.
func TestCheckConcurrently(t *testing.T) {
	c, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	valid, invalid := activation(t), []byte(`{"resident_id":1}`)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if err := c.Check(topic, schemaID, valid); err != nil {
					t.Error(err)
					return
				}
				if err := c.Check(topic, "", invalid); !errors.Is(err, validate.ErrInvalid) {
					t.Errorf("invalid event: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}
