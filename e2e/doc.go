// Package e2e tests civicbus end to end: the real binary, built once by
// TestMain, started as `civicbus run` in a temporary working directory with
// its embedded Kafka-protocol and MQTT brokers over real TCP, SQLite, and
// every service wired as the binary wires them. The tests reach it only as a
// user or an outside system does: files in a drop folder, webhooks, MQTT,
// HTTP pages and APIs, and the Kafka protocol for exact counts.
//
//	go test ./e2e/ -count=1
//
// Each test waits by polling with generous deadlines and logs how long the
// steps took; none asserts a time.
package e2e
