package bus_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/embedded"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestTLSAndSCRAM runs the bus against an embedded broker that requires TLS
// and SASL/SCRAM-SHA-512, configured the way a deployment configures it:
// a CA file and a password file.
func TestTLSAndSCRAM(t *testing.T) {
	dir := t.TempDir()
	serverTLS, caFile := testenv.SelfSignedTLS(t, dir)
	broker := testenv.BrokerWith(t, embedded.Config{
		TLS:  serverTLS,
		SASL: []embedded.User{{Mechanism: "SCRAM-SHA-512", Name: "civicbus", Password: "s3cret-pass"}},
	})
	passwordFile := filepath.Join(dir, "password")
	if err := os.WriteFile(passwordFile, []byte("s3cret-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sec := bus.SecurityConfig{TLS: true, CAFile: caFile, SASLMechanism: "SCRAM-SHA-512", SASLUser: "civicbus", SASLPasswordFile: passwordFile}
	conn := bus.Connection{Brokers: []string{broker.Addr()}}
	if err := sec.Apply(&conn); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bus.Ping(ctx, conn); err != nil {
		t.Fatalf("ping over TLS with SCRAM: %v", err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	publishN(t, pub, "test.secure.v1", 0, 10)
	got := collect(ctx, t, newSubscriber(t, conn, "secure"), "test.secure.v1")
	waitFor(t, 30*time.Second, "10 messages over TLS", func() bool { return got.distinct() == 10 })

	// A wrong password is refused.
	if err := os.WriteFile(passwordFile, []byte("wrong"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := bus.Connection{Brokers: []string{broker.Addr()}}
	if err := sec.Apply(&bad); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(ctx, 5*time.Second)
	defer cancelShort()
	err = bus.Ping(short, bad)
	if err == nil {
		t.Fatal("ping with a wrong password succeeded")
	}
	// The embedded broker closes the connection on a failed SCRAM exchange
	// (Kafka answers SASL_AUTHENTICATION_FAILED): the error says what that
	// most often means, and never the password.
	if !strings.Contains(err.Error(), "with SASL SCRAM-SHA-512 that is most often a wrong user or password") || strings.Contains(err.Error(), "wrong\"") {
		t.Errorf("ping with a wrong password: %v", err)
	}
}

func TestSecurityConfigErrors(t *testing.T) {
	var conn bus.Connection
	err := bus.SecurityConfig{KeyFile: "k.pem", SASLMechanism: "GSSAPI", SASLUser: "u", SASLPasswordFile: "/nonexistent"}.Apply(&conn)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"cert_file and key_file go together", "sasl_password_file"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
