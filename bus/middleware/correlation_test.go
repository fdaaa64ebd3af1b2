package middleware_test

import (
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus/middleware"
)

func TestCorrelationID(t *testing.T) {
	produce := func(*message.Message) ([]*message.Message, error) {
		return []*message.Message{message.NewMessage("out-1", nil), message.NewMessage("out-2", nil)}, nil
	}
	for _, tc := range []struct{ name, given, want string }{
		{"a message without one starts a chain with its own id", "", "in-1"},
		{"a message with one passes it on", "chain-9", "chain-9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := message.NewMessage("in-1", nil)
			if tc.given != "" {
				in.Metadata.Set(middleware.CorrelationIDKey, tc.given)
			}
			out, err := middleware.CorrelationID(produce)(in)
			if err != nil {
				t.Fatal(err)
			}
			if got := in.Metadata.Get(middleware.CorrelationIDKey); got != tc.want {
				t.Errorf("consumed message's correlation id = %q, want %q", got, tc.want)
			}
			for _, m := range out {
				if got := m.Metadata.Get(middleware.CorrelationIDKey); got != tc.want {
					t.Errorf("%s: correlation id = %q, want %q", m.UUID, got, tc.want)
				}
			}
		})
	}
}
