package connectors

import (
	"fmt"

	"github.com/vasteras/civicbus/bus"
)

// Converter makes events of records: the mapping, the deterministic event
// id and the contract check. It is the one conversion of the project: the
// Runtime publishes what it makes, `civicbus connectors try` prints it. It is
// safe for concurrent use.
type Converter struct {
	// SourceURI is the ce_source of the events, part of their ids.
	SourceURI string
	// Mapping makes the event's properties of a record's fields.
	Mapping *Mapping
	// Contract checks every event against its schema.
	Contract bus.Contract
}

// Conversion is what Convert made of one record.
type Conversion struct {
	// ID is the event's ce_id; "" when the record did not map.
	ID string
	// Key is the natural key the id is made of, with the record's version
	// when the mapping declares one.
	Key string
	// PartitionKey is the event's Kafka key; "" when the event has none.
	PartitionKey string
	// Payload is the event's JSON; it is set when the record mapped, even
	// when the event then broke its contract.
	Payload []byte
	// Err says why the record is a dead letter, naming the field or rule
	// and never a value; nil when it is an event.
	Err error
}

// Convert maps rec, checks the event against its contract and gives it its
// id. A record read with an error (Record.Err) is not mapped.
func (c Converter) Convert(rec Record) Conversion {
	var out Conversion
	if rec.Err != nil {
		out.Err = rec.Err
		return out
	}
	props, err := c.Mapping.Apply(rec.Fields)
	if err != nil {
		out.Err = err
		return out
	}
	if out.Payload, err = c.Mapping.Marshal(props); err != nil {
		out.Payload, out.Err = nil, fmt.Errorf("mapping: %w", err)
		return out
	}
	ver, err := c.Mapping.Version(rec.Fields)
	if err != nil {
		out.Err = err
		return out
	}
	ev := c.Mapping.Event()
	out.Key = rec.Key
	if len(ev.Key) > 0 {
		out.Key = c.Mapping.Key(props)
	}
	if ver != "" {
		out.Key += "\x1fversion=" + ver
	}
	out.ID = EventID(c.SourceURI, out.Key, ev.Version)
	out.PartitionKey = c.Mapping.PartitionKey(props)
	if err := c.Contract.Check(ev.Topic, ev.SchemaID(), out.Payload); err != nil {
		out.Err = fmt.Errorf("contract: %w", err)
	}
	return out
}
