package mqtt_test

import (
	"strings"
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/mqtt"
)

// TestConfigSchema: the JSON Schema of the config documents its fields.
func TestConfigSchema(t *testing.T) {
	reg, err := connectors.NewRegistry(mqtt.Kind())
	if err != nil {
		t.Fatal(err)
	}
	b, err := reg.ConfigSchema("mqtt")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"broker"`, `"topics"`, `"client_id"`, `"password_file"`, `"clean_session"`, `"qos"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("schema lacks %s", want)
		}
	}
	if strings.Contains(string(b), `"password"`) {
		t.Error("the schema offers an inline password")
	}
}
