package connectors_test

import (
	"encoding/json"
	"testing"

	"github.com/vasteras/civicbus/connectors/all"
)

func TestConfigSchema(t *testing.T) {
	b, err := all.Registry().ConfigSchema("filedrop")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]struct {
			Const      string                     `json:"const"`
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"properties"`
		AdditionalProperties *bool `json:"additionalProperties"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.Properties["kind"].Const != "filedrop" {
		t.Errorf("kind is not const filedrop:\n%s", b)
	}
	for _, p := range []string{"dir", "delimiter", "encoding", "decimal_comma", "poll_interval_ms", "batch_size"} {
		if _, ok := s.Properties["config"].Properties[p]; !ok {
			t.Errorf("config.%s missing from the schema", p)
		}
	}
	if s.AdditionalProperties == nil || *s.AdditionalProperties {
		t.Error("the schema must refuse unknown fields, as the decoder does")
	}
	if _, err := all.Registry().ConfigSchema("nope"); err == nil {
		t.Error("an unknown kind must be an error")
	}
}
