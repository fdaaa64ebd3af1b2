package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/bus/embedded"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestServeOverTLSAndSCRAM runs `civicbus serve automation` with the Kafka
// TLS and SASL/SCRAM-SHA-512 flags against an embedded broker that
// requires both, the way a deployment configures it (a CA file, a user and
// a password file): the service consumes an application and publishes its
// decision record through that broker. A client without TLS, or with a
// wrong password, is refused.
func TestServeOverTLSAndSCRAM(t *testing.T) {
	dir := t.TempDir()
	serverTLS, caFile := testenv.SelfSignedTLS(t, dir)
	broker := testenv.BrokerWith(t, embedded.Config{
		TLS:  serverTLS,
		SASL: []embedded.User{{Mechanism: "SCRAM-SHA-512", Name: "civicbus-automation", Password: "right horse battery"}},
	})
	passwordFile := filepath.Join(dir, "kafka-password")
	if err := os.WriteFile(passwordFile, []byte("right horse battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Not parallel: the services read their settings from the process's
	// environment.
	t.Setenv("CIVICBUS_RULES_DIR", filepath.Join("benchdata", "rules.d"))
	flags := []string{"--brokers", broker.Addr(), "--kafka-tls", "--kafka-ca-file", caFile,
		"--kafka-sasl-mechanism", "SCRAM-SHA-512", "--kafka-sasl-user", "civicbus-automation",
		"--kafka-sasl-password-file", passwordFile}
	r := start(t, freeDefaults, nil, append([]string{"serve", "automation", "--db", filepath.Join(dir, "automation.db")}, flags...)...)
	base := strings.TrimSuffix(r.bannerValue(t, "HTTP"), "/")
	waitFor(t, 30*time.Second, "/readyz 200 over TLS and SCRAM", func() bool {
		code, _ := get(t, base+"/readyz")
		return code == 200
	})

	// The test's own client, configured by the same flags' settings.
	sec := bus.SecurityConfig{TLS: true, CAFile: caFile, SASLMechanism: "SCRAM-SHA-512", SASLUser: "civicbus-automation", SASLPasswordFile: passwordFile}
	conn := bus.Connection{Brokers: []string{broker.Addr()}, ClientID: "serve-tls-test"}
	if err := sec.Apply(&conn); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn, ConsumerGroup: "serve-tls-test", InitialOffset: bus.OffsetOldest})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	decisions, err := sub.Subscribe(ctx, "cases.decision-recorded.v1")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn, Source: "/test/e-service"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	const appID = "c0000000-0000-4000-8000-000000000001"
	app := message.NewMessage("c1000000-0000-4000-8000-000000000001", []byte(`{"application_id":"`+appID+`",
		"submitted_at":"2026-03-02T08:59:30+01:00","kind":"new","child_personnummer":"20230314-0001",
		"guardian_email":"vardnadshavare@example.se","desired_start_date":"2026-08-17",
		"preferred_unit_ids":["forskola-haga"],"hours_per_week":40}`))
	if err := pub.Publish("school.preschool-application.v1", app); err != nil {
		t.Fatalf("publish over TLS and SCRAM: %v", err)
	}
	select {
	case m := <-decisions:
		m.Ack()
		var d struct {
			CaseID  string `json:"case_id"`
			Outcome string `json:"outcome"`
			Trigger string `json:"trigger_event_id"`
		}
		if err := json.Unmarshal(m.Payload, &d); err != nil || d.CaseID != appID || d.Trigger != app.UUID {
			t.Errorf("decision %s (%v), want one for case %s triggered by %s", m.Payload, err, appID, app.UUID)
		}
	case <-ctx.Done():
		t.Fatalf("no decision record within 60 s; stderr:\n%s", r.stderr)
	}

	// Without TLS, and with a wrong password, the broker refuses.
	plain := bus.Connection{Brokers: []string{broker.Addr()}}
	short, cancelShort := context.WithTimeout(ctx, 5*time.Second)
	defer cancelShort()
	if err := bus.Ping(short, plain); err == nil {
		t.Error("a client without TLS and SASL was served")
	}
	wrongFile := filepath.Join(dir, "wrong-password")
	if err := os.WriteFile(wrongFile, []byte("wrong horse battery\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := start(t, freeDefaults, nil, "serve", "automation", "--db", filepath.Join(dir, "bad.db"), "--http", "127.0.0.1:0",
		"--brokers", broker.Addr(), "--kafka-tls", "--kafka-ca-file", caFile, "--kafka-sasl-mechanism", "SCRAM-SHA-512",
		"--kafka-sasl-user", "civicbus-automation", "--kafka-sasl-password-file", wrongFile)
	badBase := strings.TrimSuffix(bad.bannerValue(t, "HTTP"), "/")
	code, body := get(t, badBase+"/readyz")
	if code != 503 || !strings.Contains(body, "SCRAM-SHA-512 that is most often a wrong user or password") {
		t.Errorf("/readyz with a wrong password: %d %q, want 503 saying the user or password is wrong", code, body)
	}
	if strings.Contains(body, "wrong horse") || strings.Contains(bad.stderr.String(), "wrong horse") {
		t.Error("the password appears in an answer or a log")
	}
	t.Logf("with a wrong password: %s", strings.TrimSpace(body))
}
