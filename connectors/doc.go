// Package connectors is the connector SDK: where outside data enters the bus.
//
// A connector is a Source in the style of Redpanda Connect: Connect, Read and
// Close, each with a context, and no retry loop of its own. The Runtime
// drives a Source: it connects and reconnects with exponential backoff, maps
// every Record to the target event with the CEL expressions of a Mapping,
// checks the result against the bus Contract, publishes the good events and
// sends the bad records to the topic's dead-letter topic, and only then
// stores the Source's position in Checkpoints and acknowledges the batch. So a
// restart resumes where the last published batch ended, and a record read
// twice becomes an event with the same deterministic id (EventID).
//
// Connector kinds are registered in one explicit list (see the all package);
// importing a connector package has no side effects.
package connectors
