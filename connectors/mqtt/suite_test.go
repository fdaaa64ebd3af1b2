package mqtt_test

import (
	"fmt"
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/connectors/connectortest"
	"github.com/vasteras/civicbus/connectors/mqtt"
)

// fixture runs the connector suite on Mosquitto: each Config is a fresh
// client id and MQTT topic whose persistent session exists before rows are
// written, so the broker keeps them for the connector.
type fixture struct {
	url   string
	topic string
}

func (f *fixture) Kind() connectors.Kind { return mqtt.Kind() }

func (f *fixture) Config(t *testing.T) map[string]any {
	f.topic = unique(t) + "/waste"
	id := unique(t)
	session(t, f.url, id, f.topic)
	return map[string]any{"broker": f.url, "topics": []string{f.topic}, "client_id": id, "batch": 5, "max_wait": "10ms"}
}

func (f *fixture) Write(t *testing.T, rows []connectortest.Row) {
	t.Helper()
	payloads := make([][]byte, len(rows))
	for i, r := range rows {
		payloads[i] = fmt.Appendf(nil, `{"kitchen":%q,"date":%q,"total":%g}`, r.Kitchen, r.Date, r.Total)
	}
	publish(t, f.url, f.topic, payloads...)
}

func TestSuite(t *testing.T) {
	connectortest.Run(t, &fixture{url: mosquitto(t)})
}
