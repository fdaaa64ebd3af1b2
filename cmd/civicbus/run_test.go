package main

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/vasteras/civicbus/bus"
)

func TestRunServesHealthReadinessAndMetrics(t *testing.T) {
	t.Parallel()
	r := start(t, freeDefaults, nil, "run", "--data", t.TempDir())
	base := strings.TrimSuffix(r.bannerValue(t, "HTTP"), "/")
	if !strings.HasPrefix(r.bannerValue(t, "Kafka bootstrap"), "127.0.0.1:") {
		t.Errorf("banner:\n%s", r.stdout)
	}
	if code, body := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s", code, body)
	}
	waitFor(t, 10*time.Second, "/readyz 200", func() bool {
		code, _ := get(t, base+"/readyz")
		return code == http.StatusOK
	})
	code, body := get(t, base+"/metrics")
	for _, want := range []string{"go_goroutines", "process_cpu_seconds_total", "civicbus_build_info"} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %s", code, want)
		}
	}
	for _, row := range []string{"health", "readiness", "metrics", "data dir"} {
		if r.bannerValue(t, row) == "" {
			t.Errorf("banner lacks %s:\n%s", row, r.stdout)
		}
	}
	if err, took := r.stop(t); err != nil || took > shutdownGrace {
		t.Errorf("stop: %v after %s", err, took)
	}
}

func TestRunReadyzFailsWithoutBroker(t *testing.T) {
	t.Parallel()
	r := start(t, freeDefaults, nil, "run", "--data", t.TempDir(), "--brokers", closedPort(t))
	base := strings.TrimSuffix(r.bannerValue(t, "HTTP"), "/")
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	code, body := get(t, base+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "not ready: kafka") {
		t.Errorf("/readyz: %d %q, want 503 with the reason", code, body)
	}
}

func TestRunTakenDefaultPortsMoveToTheNextFree(t *testing.T) {
	t.Parallel()
	defaults := defaultAddrs{HTTP: takenPort(t), KafkaListen: takenPort(t)}
	r := start(t, defaults, nil, "run", "--data", t.TempDir())
	httpURL := r.bannerValue(t, "HTTP")
	kafka := firstField(r.bannerValue(t, "Kafka bootstrap"))
	if httpURL == "http://"+defaults.HTTP+"/" || kafka == defaults.KafkaListen {
		t.Fatalf("a taken default was used:\n%s", r.stdout)
	}
	for _, want := range []string{
		defaults.HTTP + " (the default of --http) is taken; using ",
		defaults.KafkaListen + " (the default of --kafka-listen) is taken; using " + kafka,
	} {
		if !strings.Contains(r.stdout.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, r.stdout)
		}
	}
	if code, _ := get(t, httpURL+"healthz"); code != http.StatusOK {
		t.Errorf("/healthz on the moved port: %d", code)
	}
}

func TestRunTakenExplicitAddressIsAnError(t *testing.T) {
	t.Parallel()
	addr := takenPort(t)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"http flag", nil, []string{"--http", addr}, "given by --http"},
		{"http env", map[string]string{"CIVICBUS_HTTP": addr}, nil, "given by CIVICBUS_HTTP"},
		{"kafka flag", nil, []string{"--kafka-listen", addr}, "given by --kafka-listen"},
		{"kafka env", map[string]string{"CIVICBUS_KAFKA_LISTEN": addr}, nil, "given by CIVICBUS_KAFKA_LISTEN"},
		{"mqtt flag", nil, []string{"--mqtt-listen", addr}, "given by --mqtt-listen"},
		{"mqtt env", map[string]string{"CIVICBUS_MQTT_LISTEN": addr}, nil, "given by CIVICBUS_MQTT_LISTEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"run", "--data", t.TempDir()}, tc.args...)
			c := newCLI(&syncBuffer{}, &syncBuffer{}, func(k string) string { return tc.env[k] }, freeDefaults)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := c.main(ctx, args)
			if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s and %q", err, addr, tc.want)
			}
		})
	}
}

func TestRunSecondProcessOnSameDataDirFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := start(t, freeDefaults, nil, "run", "--data", dir)
	r.bannerValue(t, "HTTP")
	err := run(context.Background(), []string{"run", "--data", dir, "--http", "127.0.0.1:0", "--kafka-listen", "127.0.0.1:0"}, &syncBuffer{}, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "in use by another civicbus") {
		t.Fatalf("second run on %s: %v", dir, err)
	}
}

func TestRunStopsAndResumesFromItsDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const topic = "test.restart.v1"
	r := start(t, freeDefaults, nil, "run", "--data", dir)
	conn := bus.Connection{Brokers: []string{firstField(r.bannerValue(t, "Kafka bootstrap"))}}
	pub, err := bus.NewPublisher(bus.PublisherConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	msg := message.NewMessage("restart-1", []byte(`{"kept":true}`))
	if err := pub.Publish(topic, msg); err != nil {
		t.Fatalf("%v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	pub.Close()
	if err, took := r.stop(t); err != nil || took > shutdownGrace {
		t.Fatalf("stop: %v after %s", err, took)
	}

	r2 := start(t, freeDefaults, nil, "run", "--data", dir)
	conn = bus.Connection{Brokers: []string{firstField(r2.bannerValue(t, "Kafka bootstrap"))}}
	sub, err := bus.NewSubscriber(bus.SubscriberConfig{Connection: conn})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ch, err := sub.Subscribe(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-ch:
		got.Ack()
		if got.UUID != msg.UUID || string(got.Payload) != string(msg.Payload) {
			t.Errorf("read back %s %s, want %s %s", got.UUID, got.Payload, msg.UUID, msg.Payload)
		}
	case <-ctx.Done():
		t.Fatalf("the record published before the restart is gone")
	}
}

func TestHealthcheckProbesARunningProcess(t *testing.T) {
	t.Parallel()
	r := start(t, freeDefaults, nil, "run", "--data", t.TempDir())
	base := strings.TrimSuffix(r.bannerValue(t, "HTTP"), "/")
	out := &syncBuffer{}
	if err := run(context.Background(), []string{"healthcheck", "--url", base + "/healthz"}, out, &syncBuffer{}); err != nil {
		t.Errorf("healthcheck of a running process: %v", err)
	}
	err := run(context.Background(), []string{"healthcheck", "--url", "http://" + closedPort(t) + "/healthz"}, out, &syncBuffer{})
	if err == nil {
		t.Error("healthcheck of nothing succeeded")
	}
	err = run(context.Background(), []string{"healthcheck", "--url", base + "/nothing-here"}, out, &syncBuffer{})
	if err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("healthcheck of a 404: %v", err)
	}
}

func TestRunTakenDefaultMQTTPortMovesToTheNextFreeAndServesClients(t *testing.T) {
	t.Parallel()
	defaults := defaultAddrs{HTTP: "127.0.0.1:0", KafkaListen: "127.0.0.1:0", MQTTListen: takenPort(t)}
	r := start(t, defaults, nil, "run", "--data", t.TempDir())
	url := firstField(r.bannerValue(t, "MQTT"))
	addr, ok := strings.CutPrefix(url, "tcp://127.0.0.1:")
	if !ok || url == "tcp://"+defaults.MQTTListen {
		t.Fatalf("MQTT row %q, want tcp://127.0.0.1:<a port other than the taken default>:\n%s", url, r.stdout)
	}
	want := defaults.MQTTListen + " (the default of --mqtt-listen) is taken; using 127.0.0.1:" + addr
	if !strings.Contains(r.stdout.String(), want) {
		t.Errorf("banner lacks %q:\n%s", want, r.stdout)
	}

	lost := make(chan error, 1)
	sub := mqttConnect(t, url, "run-test-sub", func(_ paho.Client, err error) { lost <- err })
	got := make(chan string, 1)
	mqttWait(t, sub.Subscribe("vasteras/sensor/#", 1, func(_ paho.Client, m paho.Message) { got <- string(m.Payload()) }), "subscribe")
	pub := mqttConnect(t, url, "run-test-pub", nil)
	mqttWait(t, pub.Publish("vasteras/sensor/door", 1, false, "open"), "publish")
	select {
	case p := <-got:
		if p != "open" {
			t.Errorf("received %q, want open", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the published message did not arrive within 5 s")
	}

	if err, took := r.stop(t); err != nil || took > shutdownGrace {
		t.Errorf("stop: %v after %s", err, took)
	}
	select {
	case <-lost:
	case <-time.After(5 * time.Second):
		t.Error("the MQTT client stayed connected after the process stopped")
	}
}

func TestRunMQTTOff(t *testing.T) {
	t.Parallel()
	defaults := defaultAddrs{HTTP: "127.0.0.1:0", KafkaListen: "127.0.0.1:0", MQTTListen: "127.0.0.1:0"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"flag", nil, []string{"--mqtt-listen", "off"}},
		{"empty flag", nil, []string{"--mqtt-listen="}},
		{"env", map[string]string{"CIVICBUS_MQTT_LISTEN": "off"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := start(t, defaults, tc.env, append([]string{"run", "--data", t.TempDir()}, tc.args...)...)
			if got := r.bannerValue(t, "MQTT"); got != "off" {
				t.Errorf("MQTT row %q, want off:\n%s", got, r.stdout)
			}
		})
	}
}

func TestRunMQTTListenMustBeHostPort(t *testing.T) {
	t.Parallel()
	c := newCLI(&syncBuffer{}, &syncBuffer{}, func(string) string { return "" }, freeDefaults)
	err := c.main(context.Background(), []string{"run", "--data", t.TempDir(), "--mqtt-listen", "1883"})
	var usage usageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), `--mqtt-listen wants host:port or off, got "1883"`) {
		t.Fatalf("err = %v, want a usage error about --mqtt-listen", err)
	}
}

// mqttConnect connects an MQTT client to url ("tcp://host:port") and
// disconnects it when the test ends. lost, when set, is told when the broker
// drops the connection.
func mqttConnect(t *testing.T, url, id string, lost paho.ConnectionLostHandler) paho.Client {
	t.Helper()
	opts := paho.NewClientOptions().AddBroker(url).SetClientID(id).
		SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
	if lost != nil {
		opts.SetConnectionLostHandler(lost)
	}
	c := paho.NewClient(opts)
	mqttWait(t, c.Connect(), "connect "+id+" to "+url)
	t.Cleanup(func() { c.Disconnect(0) })
	return c
}

// mqttWait waits for tok with a deadline and fails the test on its error.
func mqttWait(t *testing.T, tok paho.Token, what string) {
	t.Helper()
	if !tok.WaitTimeout(5 * time.Second) {
		t.Fatalf("%s: no answer within 5 s", what)
	}
	if err := tok.Error(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestRunGivesEachServiceItsOwnSQLiteFile: by default every service of
// civicbus run keeps its state in <data>/<service>.db (SQLite takes one
// writer per file at a time, and the services write at once); a data dir
// from before, with the one civicbus.db, keeps using that, so that no
// service starts afresh.
func TestRunGivesEachServiceItsOwnSQLiteFile(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	r := start(t, freeDefaults, nil, "run", "--data", data, "--demo=false")
	base := strings.TrimSuffix(r.bannerValue(t, "HTTP"), "/")
	if got := r.bannerValue(t, "database"); got != filepath.Join(data, "<service>.db") {
		t.Errorf("database row %q", got)
	}
	waitFor(t, 20*time.Second, "/readyz 200", func() bool {
		code, _ := get(t, base+"/readyz")
		return code == http.StatusOK
	})
	for _, name := range []string{"registry", "opendata", "automation", "portal"} {
		if _, err := os.Stat(filepath.Join(data, name+".db")); err != nil {
			t.Errorf("%s's file: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(data, legacyDB)); err == nil {
		t.Errorf("a fresh data dir has %s", legacyDB)
	}
	r.stop(t)

	old := t.TempDir()
	if err := os.WriteFile(filepath.Join(old, legacyDB), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r = start(t, freeDefaults, nil, "run", "--data", old, "--demo=false")
	if got := r.bannerValue(t, "database"); got != filepath.Join(old, legacyDB) {
		t.Errorf("a data dir with %s: database row %q", legacyDB, got)
	}
}
