package middleware_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	wmmiddleware "github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/vasteras/civicbus/bus/middleware"
)

func TestAttemptsWithoutACounterIsZero(t *testing.T) {
	msg := message.NewMessage("a", nil)
	h := middleware.CountAttempts(func(m *message.Message) ([]*message.Message, error) { return nil, nil })
	if _, err := h(msg); err != nil {
		t.Fatal(err)
	}
	if n := middleware.Attempts(msg.Context()); n != 0 {
		t.Errorf("Attempts = %d without a counter, want 0", n)
	}
}

// TestStopRetryOnPermanent runs Watermill's Retry over a handler that fails
// transiently or permanently and counts the attempts each way.
func TestStopRetryOnPermanent(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"transient", errors.New("timeout"), 4},
		{"permanent", middleware.Permanent(errors.New("bad schema")), 1},
		{"wrapped permanent", errors.Join(errors.New("row 3"), middleware.Permanent(errors.New("bad date"))), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs := 0
			h := func(*message.Message) ([]*message.Message, error) { runs++; return nil, tc.err }
			retry := wmmiddleware.Retry{MaxRetries: 3, InitialInterval: time.Millisecond, MaxInterval: time.Millisecond, Multiplier: 1}
			msg := message.NewMessage("a", nil)
			msg.SetContext(context.Background())
			_, err := retry.Middleware(middleware.StopRetryOnPermanent(h))(msg)
			if runs != tc.want {
				t.Errorf("handler ran %d times, want %d", runs, tc.want)
			}
			if err == nil || err.Error() != tc.err.Error() || middleware.IsPermanent(err) != middleware.IsPermanent(tc.err) {
				t.Errorf("err = %v, want %v as returned", err, tc.err)
			}
		})
	}
}
