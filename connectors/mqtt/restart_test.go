package mqtt_test

import (
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/internal/mqttbroker"
)

// TestBrokerRestart: the broker goes away and comes back on the same
// address; the connector reconnects through the Runtime's backoff and what
// is published afterwards flows. Runs on the embedded broker (which keeps
// no sessions across a restart, so the connector subscribes again).
func TestBrokerRestart(t *testing.T) {
	b, err := mqttbroker.Start(mqttbroker.Config{})
	if err != nil {
		t.Fatal(err)
	}
	addr := b.Addr()
	t.Cleanup(func() { b.Close() })
	url := "tcp://" + addr
	e := newEnv(t, sensorTopic)
	events := e.Collect(sensorTopic)
	base := unique(t)
	r := e.Start(sensorYAML(url, base, unique(t)))
	waitFor(t, "the connector to subscribe", 10*time.Second, func() bool {
		return r.Runtime.Status().RecordsIn == 0 && r.Runtime.Status().State == connectors.StateRunning
	})
	as := activations(4)
	publishAll(t, url, base, as[:2])
	waitFor(t, "2 events", 10*time.Second, func() bool { return len(events.All()) == 2 })

	b.Close()
	waitFor(t, "the connector to notice", 10*time.Second, func() bool { return r.Runtime.Status().State != connectors.StateRunning })
	b, err = mqttbroker.Start(mqttbroker.Config{Listen: addr})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the connector to reconnect", 10*time.Second, func() bool { return r.Runtime.Status().State == connectors.StateRunning })
	publishAll(t, url, base, as[2:])
	waitFor(t, "4 events", 10*time.Second, func() bool { return len(ids(events.All())) == 4 })
	got := ids(events.All())
	for i, a := range as {
		if got[a.id()] == 0 {
			t.Errorf("activation %d is not on the bus", i)
		}
	}
	if s := r.Runtime.Status(); s.LastError == "" {
		t.Error("the lost connection is not in the status")
	}
}
