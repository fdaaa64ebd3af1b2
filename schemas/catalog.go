package schemas

import (
	"fmt"
	"io/fs"
	"strconv"
)

// SchemaBaseURI is the prefix of every schema's `$id`. The `$id` is also the
// CloudEvents `dataschema` attribute of the events it describes.
const SchemaBaseURI = "https://schemas.civicbus.vasteras.se/"

// CloudEventsTypePrefix is the prefix of every CloudEvents `type` attribute:
// `se.vasteras.civicbus.<subject>.v<version>`.
const CloudEventsTypePrefix = "se.vasteras.civicbus."

// Event describes one event contract in the catalog.
//
// A subject names an event type for as long as it exists
// (`<domain>.<event>`, e.g. `care.sensor-activation`); Version is its major
// version. Everything else is derived from the pair: the Kafka topic
// (`care.sensor-activation.v1`), the schema `$id`
// ([SchemaID]), the CloudEvents type ([CloudEventType]) and the file in
// [Files]. A compatible change (an optional field added) keeps the version;
// an incompatible one is a new catalog entry with Version+1 and a new topic.
type Event struct {
	// Subject is the event name, `<domain>.<event>` in lower-case kebab case.
	Subject string
	// Version is the major version; it appears in the topic, the `$id` and
	// the CloudEvents type.
	Version int
	// Topic is the Kafka topic the events travel on: `<subject>.v<version>`.
	Topic string
	// Title is a short human name for the event, used as the schema title.
	Title string
	// Description says what one event means and who sends it; it becomes
	// the schema description.
	Description string
	// Key lists the JSON properties whose values together identify one
	// event. Producers build deterministic event ids from the source, these
	// values and the version, so a re-read record is recognised downstream.
	// An optional property in Key counts as empty when absent.
	Key []string
	// PartitionKey is the required JSON property whose value is the Kafka
	// record key, so that events about one thing (a resident, a case, a
	// kitchen) keep their order. It is never a direct identifier such as a
	// personnummer: record keys end up in logs and tools.
	PartitionKey string
	// PersonalData is true when the event carries personal data (direct
	// identifiers or pseudonyms). Such events are never published raw; the
	// properties concerned carry `x-personal-data` in the schema.
	PersonalData bool
	// New returns a pointer to a zero value of the Go type.
	New func() any
}

// SchemaID returns the stable `$id` of the schema for subject at a major
// version, e.g.
// `https://schemas.civicbus.vasteras.se/care.sensor-activation/v1.json`.
func SchemaID(subject string, version int) string {
	return SchemaBaseURI + subject + "/v" + strconv.Itoa(version) + ".json"
}

// CloudEventType returns the CloudEvents `type` attribute for subject at a
// major version, e.g. `se.vasteras.civicbus.care.sensor-activation.v1`.
func CloudEventType(subject string, version int) string {
	return CloudEventsTypePrefix + subject + ".v" + strconv.Itoa(version)
}

// SchemaID returns the event's schema `$id` (see [SchemaID]).
func (e Event) SchemaID() string { return SchemaID(e.Subject, e.Version) }

// CloudEventType returns the event's CloudEvents `type` (see [CloudEventType]).
func (e Event) CloudEventType() string { return CloudEventType(e.Subject, e.Version) }

// File returns the path of the event's schema in [Files] and, relative to
// this package's directory, on disk: `json/<subject>.v<version>.json`.
func (e Event) File() string {
	return "json/" + e.Subject + ".v" + strconv.Itoa(e.Version) + ".json"
}

// Schema returns the committed JSON Schema of the event from [Files].
func (e Event) Schema() ([]byte, error) {
	b, err := fs.ReadFile(Files, e.File())
	if err != nil {
		return nil, fmt.Errorf("schemas: %s v%d: %w", e.Subject, e.Version, err)
	}
	return b, nil
}

// Lookup returns the catalog entry for subject at a major version.
func Lookup(subject string, version int) (Event, bool) {
	for _, e := range Events() {
		if e.Subject == subject && e.Version == version {
			return e, true
		}
	}
	return Event{}, false
}
