package mqtt_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/mqtt"
)

// TestConfigErrors: every problem is reported at once, without Mosquitto.
func TestConfigErrors(t *testing.T) {
	qos := 2
	err := mqtt.Config{Broker: "http://x:1883", Topics: []string{"a/#/b", "a/b+"}, QoS: &qos,
		PasswordFile: "/x", PasswordEnv: "X", Batch: -1, Queue: -1, MaxWait: "soon"}.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"broker: scheme", `topics[0]: "a/#/b" has # before`, `topics[1]: "a/b+" has a wildcard`,
		"qos: 2", "client_id: required", "only one of password_file", "username: required", "batch:", "queue:", "max_wait:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if err := (mqtt.Config{}).Validate(); err == nil || !strings.Contains(err.Error(), "broker: required") ||
		!strings.Contains(err.Error(), "topics: at least one") {
		t.Errorf("empty config: %v", err)
	}
	if err := (mqtt.Config{Broker: "tcp://127.0.0.1:1883", Topics: []string{"homes/+/sensors/#", "#"}, ClientID: "c"}).Validate(); err != nil {
		t.Errorf("good config: %v", err)
	}
}

// TestConfigStrictYAML: an unknown field is an error with its line, and an
// inline password is one (there is no such field).
func TestConfigStrictYAML(t *testing.T) {
	reg, err := connectors.NewRegistry(mqtt.Kind())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := connectors.ParseConfig([]byte(`name: sensors
kind: mqtt
topic: care.sensor-activation.v1
config:
  broker: tcp://127.0.0.1:1883
  topics: [homes/#]
  client_id: c
  password: hunter2
mapping:
  fields: {resident_id: row.r}
`), "sensors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = reg.Build(cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "line 8: field password not found") {
		t.Errorf("inline password: %v; want it refused with its line", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Error("the error shows the password")
	}
}

// TestPasswordFromFileOrEnv: the password is read by New; a missing one is
// an error that names where it was looked for, never a value.
func TestPasswordFromFileOrEnv(t *testing.T) {
	base := mqtt.Config{Broker: "tcp://127.0.0.1:1883", Topics: []string{"a"}, ClientID: "c", Username: "u"}
	f := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(f, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := base
	c.PasswordFile = f
	if _, err := mqtt.New(c, nil); err != nil {
		t.Errorf("password_file: %v", err)
	}
	c = base
	c.PasswordFile = filepath.Join(t.TempDir(), "missing")
	if _, err := mqtt.New(c, nil); err == nil || !strings.Contains(err.Error(), "password_file") {
		t.Errorf("missing password_file: %v", err)
	}
	c = base
	c.PasswordEnv = "CIVICBUS_TEST_MQTT_PASSWORD"
	t.Setenv(c.PasswordEnv, "")
	if _, err := mqtt.New(c, nil); err == nil || !strings.Contains(err.Error(), "$CIVICBUS_TEST_MQTT_PASSWORD is not set") {
		t.Errorf("unset password_env: %v", err)
	}
	t.Setenv(c.PasswordEnv, "s3cret")
	if _, err := mqtt.New(c, nil); err != nil {
		t.Errorf("password_env: %v", err)
	}
}

// TestExampleConfig: the example in testdata builds once its secret
// exists, and maps a gateway's message to a valid event.
func TestExampleConfig(t *testing.T) {
	b, err := os.ReadFile("testdata/home-sensors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "mqtt-password")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "/run/secrets/mqtt-password", secret, 1)
	cfg, err := connectors.ParseConfig([]byte(text), "home-sensors.yaml")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := connectors.NewRegistry(mqtt.Kind())
	if err != nil {
		t.Fatal(err)
	}
	_, m, err := reg.Build(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	props, err := m.Apply(map[string]any{mqtt.TopicField: "homes/res-7f3a9c/sensors/bed-1",
		"kind": "pressure", "object": "bed", "started_at": "2011-11-28T02:27:59+01:00"})
	if err != nil {
		t.Fatal(err)
	}
	if props["resident_id"] != "res-7f3a9c" || props["sensor_id"] != "bed-1" {
		t.Errorf("props %v", props)
	}
	if _, ok := props["room"]; ok {
		t.Errorf("room without a room: %v", props)
	}
}
