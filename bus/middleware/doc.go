// Package middleware holds the Watermill handler middleware that every
// civicbus router runs: dead-lettering to <topic>.dlq, attempt counting,
// permanent errors that skip retries, deduplication by event id, correlation
// ids and Prometheus metrics. Each is a func(message.HandlerFunc)
// message.HandlerFunc or a method of that shape; bus.NewRouter puts them
// together in the right order, and its comment says why that order.
//
// The package knows no domain and no Kafka: it sees Watermill messages only.
package middleware
