// Package faults holds the fault tests of the whole product: civicbus run
// and civicbus serve as child processes, built from cmd/civicbus, fed a
// stream of events while something breaks — the process is killed with
// SIGKILL, the broker stops and starts, PostgreSQL restarts, a poison
// event sits in the middle of a partition — and each test ends in exact
// counts by event id: what went in came out once.
//
// What "once" means follows the design: the bus is at-least-once (a
// connector killed mid-batch sends that batch again, with the same event
// ids, so a topic may hold a record twice), and consumers are idempotent
// (the open-data service stores each event id in the transaction that
// applies it), so every dataset counts each event exactly once. The tests
// count both: distinct ids on the topic, and the dataset's applied changes,
// which they never deduplicate themselves.
//
// The package has no code of its own; the tests are in its _test files.
//
//	go test -count=1 ./faults/
package faults
