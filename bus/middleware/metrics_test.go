package middleware_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vasteras/civicbus/bus/middleware"
)

// TestMetrics feeds one success, one message that fails twice and is
// dead-lettered, one duplicate and one nacked for an outage. Outside a router the handler label is
// empty.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := middleware.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	ok := func(*message.Message) ([]*message.Message, error) { return nil, nil }
	fail := func(*message.Message) ([]*message.Message, error) { return nil, errors.New("x") }
	msg := message.NewMessage("a", nil)
	m.Handled(m.Attempt(ok))(msg)
	m.Handled(func(msg *message.Message) ([]*message.Message, error) {
		m.Attempt(fail)(msg)
		return m.Attempt(fail)(msg)
	})(msg)
	m.DeadLettered(msg, errors.New("x"))
	m.Duplicate(msg)
	m.Waiting(msg, errors.New("database down"))

	want := `
# HELP civicbus_handler_messages_total Messages handled, by handler and outcome (processed, dead_lettered, duplicate, waiting: nacked for an outage); failed counts attempts that returned an error.
# TYPE civicbus_handler_messages_total counter
civicbus_handler_messages_total{handler="",outcome="dead_lettered"} 1
civicbus_handler_messages_total{handler="",outcome="duplicate"} 1
civicbus_handler_messages_total{handler="",outcome="failed"} 2
civicbus_handler_messages_total{handler="",outcome="processed"} 1
civicbus_handler_messages_total{handler="",outcome="waiting"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "civicbus_handler_messages_total"); err != nil {
		t.Error(err)
	}
	if n, err := testutil.GatherAndCount(reg, "civicbus_handler_duration_seconds"); err != nil || n != 1 {
		t.Errorf("duration series = %d, %v; want 1", n, err)
	}
}

func TestMetricsRegistration(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := middleware.NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := middleware.NewMetrics(reg); err != nil {
		t.Errorf("a second Metrics on the same registry: %v", err)
	}
	clash := prometheus.NewRegistry()
	clash.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "civicbus_handler_messages_total", Help: "other"}))
	if _, err := middleware.NewMetrics(clash); err == nil || !strings.Contains(err.Error(), "metrics: register") {
		t.Errorf("a clashing collector: err = %v, want a registration error", err)
	}
}
