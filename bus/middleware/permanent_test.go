package middleware_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/vasteras/civicbus/bus/middleware"
)

func TestPermanent(t *testing.T) {
	cause := errors.New("age is negative")
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", cause, false},
		{"marked", middleware.Permanent(cause), true},
		{"marked then wrapped", fmt.Errorf("validate row 3: %w", middleware.Permanent(cause)), true},
		{"joined", errors.Join(errors.New("other"), middleware.Permanent(cause)), true},
	} {
		if got := middleware.IsPermanent(tc.err); got != tc.want {
			t.Errorf("%s: IsPermanent = %v, want %v", tc.name, got, tc.want)
		}
	}
	if middleware.Permanent(nil) != nil {
		t.Error("Permanent(nil) is not nil")
	}
	if p := middleware.Permanent(cause); !errors.Is(p, cause) || p.Error() != cause.Error() {
		t.Errorf("Permanent(cause) = %v: it must wrap the cause and keep its text", p)
	}
}
