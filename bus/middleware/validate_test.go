package middleware_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/vasteras/civicbus/bus/middleware"
)

// call is one Check the contract was asked.
type call struct{ topic, dataschema, payload string }

// recordingContract refuses the payloads in refuse with their error and
// records every call.
type recordingContract struct {
	refuse map[string]error
	mu     sync.Mutex
	calls  []call
}

func (c *recordingContract) Check(topic, dataschema string, payload []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, call{topic, dataschema, string(payload)})
	return c.refuse[string(payload)]
}

// outcome is what became of one message: whether the handler saw it, and
// the error the middleware chain ended with.
type outcome struct {
	handled bool
	err     error
}

// throughValidate passes msgs through Validate(c) in a Watermill router on
// Go channels, consuming topic, and returns each message's outcome by UUID.
// An outermost middleware takes the error and acks, as the dead-letter
// middleware would, so that nothing is redelivered.
func throughValidate(t *testing.T, c middleware.Contract, topic string, msgs ...*message.Message) map[string]outcome {
	t.Helper()
	pubsub := gochannel.NewGoChannel(gochannel.Config{}, watermill.NopLogger{})
	defer pubsub.Close()
	router, err := message.NewRouter(message.RouterConfig{}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[string]outcome{}
	done := make(chan struct{}, len(msgs))
	router.AddMiddleware(func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			_, err := h(msg)
			mu.Lock()
			o := got[msg.UUID]
			o.err = err
			got[msg.UUID] = o
			mu.Unlock()
			done <- struct{}{}
			return nil, nil
		}
	}, middleware.Validate(c))
	router.AddConsumerHandler("validated", topic, pubsub, func(msg *message.Message) error {
		mu.Lock()
		defer mu.Unlock()
		got[msg.UUID] = outcome{handled: true}
		return nil
	})
	go func() {
		if err := router.Run(context.Background()); err != nil {
			t.Errorf("router: %v", err)
		}
	}()
	defer router.Close()
	<-router.Running()
	if err := pubsub.Publish(topic, msgs...); err != nil {
		t.Fatal(err)
	}
	for range msgs {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("timed out: %d of %d messages came through", len(got), len(msgs))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return got
}

func TestValidate(t *testing.T) {
	const topic = "test.validate.v1"
	broken := errors.New("/age: must be >= 0")
	c := &recordingContract{refuse: map[string]error{`{"age":-1}`: broken}}
	valid := message.NewMessage("valid", []byte(`{"age":7}`))
	valid.Metadata.Set("ce_dataschema", "https://example.org/person/v1.json")
	invalid := message.NewMessage("invalid", []byte(`{"age":-1}`))
	undecodable := message.NewMessage("undecodable", []byte(`{"age":7}`))
	undecodable.Metadata.Set("bus_unmarshal_error", "unsupported encoding")

	got := throughValidate(t, c, topic, valid, invalid, undecodable)

	if o := got["valid"]; !o.handled || o.err != nil {
		t.Errorf("valid event: handled %v, error %v; want handled", o.handled, o.err)
	}
	if o := got["invalid"]; o.handled || !middleware.IsPermanent(o.err) || !errors.Is(o.err, broken) || o.err.Error() != "invalid event: /age: must be >= 0" {
		t.Errorf("invalid event: handled %v, error %v; want a permanent \"invalid event: \" error wrapping the contract's", o.handled, o.err)
	}
	if o := got["undecodable"]; o.handled || !middleware.IsPermanent(o.err) || o.err.Error() != "invalid event: the record cannot be decoded: unsupported encoding" {
		t.Errorf("undecodable record: handled %v, error %v; want a permanent error with the reason", o.handled, o.err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	want := map[call]bool{
		{topic, "https://example.org/person/v1.json", `{"age":7}`}: true,
		{topic, "", `{"age":-1}`}:                                  true,
	}
	if len(c.calls) != len(want) {
		t.Errorf("the contract was asked %v; want the valid and the invalid event once each, the undecodable not at all", c.calls)
	}
	for _, cl := range c.calls {
		if !want[cl] {
			t.Errorf("unexpected check %+v", cl)
		}
	}
}

// TestValidateOutsideARouter: without a subscribe topic there is no contract
// to check, so the message fails, but not permanently: it is the wiring's
// fault, not the event's.
func TestValidateOutsideARouter(t *testing.T) {
	c := &recordingContract{}
	ran := false
	_, err := middleware.Validate(c)(func(*message.Message) ([]*message.Message, error) {
		ran = true
		return nil, nil
	})(message.NewMessage("m", []byte(`{}`)))
	if ran || err == nil || middleware.IsPermanent(err) || !strings.Contains(err.Error(), "names no subscribe topic") {
		t.Errorf("handler ran %v, error %v; want a plain error and no run", ran, err)
	}
	if len(c.calls) != 0 {
		t.Errorf("the contract was asked %v", c.calls)
	}
}
