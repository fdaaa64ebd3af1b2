package mqtt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vasteras/civicbus/connectors/mqtt"
)

// TestCleanSessionForgets: with clean_session: true (and QoS 0) the broker
// keeps nothing while the connector is down: the opt-out from the default.
func TestCleanSessionForgets(t *testing.T) {
	url := mosquitto(t)
	base := unique(t)
	qos := 0
	cfg := mqtt.Config{Broker: url, Topics: []string{base + "/#"}, ClientID: unique(t), CleanSession: true, QoS: &qos, MaxWait: "5ms"}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	open := func() *mqtt.Source {
		s, err := mqtt.New(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Connect(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := open()
	_ = s.Close(ctx)
	publish(t, url, base+"/while-down", []byte(`{"n":1}`))
	s = open()
	defer s.Close(ctx)
	publish(t, url, base+"/after", []byte(`{"n":2}`))
	b, ack, err := s.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = ack(ctx, nil)
	if len(b) != 1 || b[0].Fields[mqtt.TopicField] != base+"/after" {
		t.Errorf("read %+v; want only the message published while connected", b)
	}
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancelShort()
	if b, _, err := s.Read(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("then %d records, %v; want nothing", len(b), err)
	}
}
