package demo_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestDatasetsClassifyEveryField: every field that a demo dataset's topics
// carry (the properties of the topic's JSON Schema) is classified in the
// definition's source.fields. A field nobody classified stays out of the
// dataset, as it should, but the open-data service then warns about it on
// every first start: the demo would greet a new user with WARN lines about
// its own definitions.
func TestDatasetsClassifyEveryField(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("datasets.d", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dataset definitions: %v", err)
	}
	for _, f := range files {
		var def struct {
			Source struct {
				Topics []string          `yaml:"topics"`
				Fields map[string]string `yaml:"fields"`
			} `yaml:"source"`
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &def); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, topic := range def.Source.Topics {
			b, err := os.ReadFile(filepath.Join("..", "schemas", "json", topic+".json"))
			if err != nil {
				t.Fatalf("%s: the schema of %s: %v", f, topic, err)
			}
			var schema struct {
				Properties map[string]json.RawMessage `json:"properties"`
			}
			if err := json.Unmarshal(b, &schema); err != nil || len(schema.Properties) == 0 {
				t.Fatalf("%s: the schema of %s has no properties: %v", f, topic, err)
			}
			var missing []string
			for p := range schema.Properties {
				if _, ok := def.Source.Fields[p]; !ok {
					missing = append(missing, p)
				}
			}
			slices.Sort(missing)
			if len(missing) > 0 {
				t.Errorf("%s: fields of %s not classified in source.fields: %v", f, topic, missing)
			}
		}
	}
}
