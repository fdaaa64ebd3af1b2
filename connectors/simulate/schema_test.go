package simulate

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/vasteras/civicbus/connectors/connectortest"
)

// TestConfigSchema: the config's JSON Schema offers exactly the built-in
// scenarios, and documents every field.
func TestConfigSchema(t *testing.T) {
	b, err := connectortest.Registry(t, Kind()).ConfigSchema("simulate")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties struct {
			Config struct {
				Properties map[string]struct {
					Enum        []string `json:"enum"`
					Description string   `json:"description"`
				} `json:"properties"`
			} `json:"config"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	props := s.Properties.Config.Properties
	enum := slices.Sorted(slices.Values(props["scenario"].Enum))
	if want := slices.Sorted(maps.Keys(builtin)); !slices.Equal(enum, want) {
		t.Errorf("the schema offers scenarios %v, the kind has %v", enum, want)
	}
	for _, f := range []string{"scenario", "seed", "start", "end", "follow", "speed", "volume", "batch_size"} {
		if props[f].Description == "" {
			t.Errorf("config field %s is not documented", f)
		}
	}
}
