// Package testenv gives tests the real services they run against: the
// embedded Kafka-protocol broker on a free port, and the machine's
// PostgreSQL and Mosquitto when they are there.
//
// A test that needs an outside service skips with a clear message when the
// service is absent, and fails instead when CIVICBUS_REQUIRE_SERVICES=1 is
// set, as CI sets it.
package testenv

import (
	"os"
	"testing"

	"github.com/vasteras/civicbus/bus/embedded"
)

// Broker starts an embedded broker on a free loopback port, persisting to a
// temporary directory, and stops it when the test ends.
func Broker(t testing.TB) *embedded.Broker {
	t.Helper()
	return BrokerWith(t, embedded.Config{DataDir: t.TempDir()})
}

// BrokerWith starts an embedded broker with cfg and stops it when the test
// ends.
func BrokerWith(t testing.TB, cfg embedded.Config) *embedded.Broker {
	t.Helper()
	b, err := embedded.Start(cfg)
	if err != nil {
		t.Fatalf("start embedded broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// RequireServices reports whether CIVICBUS_REQUIRE_SERVICES=1 is set.
func RequireServices() bool { return os.Getenv("CIVICBUS_REQUIRE_SERVICES") == "1" }

// Unavailable skips the test because service is absent, or fails it when
// services are required.
func Unavailable(t testing.TB, service string, err error) {
	t.Helper()
	if RequireServices() {
		t.Fatalf("%s is required (CIVICBUS_REQUIRE_SERVICES=1) but not reachable: %v", service, err)
	}
	t.Skipf("%s is not reachable, skipping (set CIVICBUS_REQUIRE_SERVICES=1 to fail instead): %v", service, err)
}
