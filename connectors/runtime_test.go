package connectors_test

import (
	"strings"
	"testing"

	"github.com/vasteras/civicbus/connectors"
)

func TestRuntimeConfigErrors(t *testing.T) {
	_, err := connectors.NewRuntime(connectors.RuntimeConfig{})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"a name is required", "a source is required", "a mapping is required",
		"a publisher is required", "a contract is required", "a checkpoint store is required"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}
