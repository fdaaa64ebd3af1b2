package demo_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestPublishedColumnsAreDescribed: every column a demo dataset publishes
// (a microdata dataset's columns, an aggregate's group-by columns) has a
// description in Swedish and English, which the portal's column table
// shows; most of the demo's were empty.
func TestPublishedColumnsAreDescribed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("datasets.d", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dataset definitions: %v", err)
	}
	for _, f := range files {
		var def struct {
			Shape struct {
				Kind    string `yaml:"kind"`
				Columns []struct {
					Name        string `yaml:"name"`
					Description struct {
						SV string `yaml:"sv"`
						EN string `yaml:"en"`
					} `yaml:"description"`
				} `yaml:"columns"`
				GroupBy []string `yaml:"group_by"`
			} `yaml:"shape"`
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &def); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range def.Shape.Columns {
			published := def.Shape.Kind != "aggregate" || slices.Contains(def.Shape.GroupBy, c.Name)
			if published && (c.Description.SV == "" || c.Description.EN == "") {
				t.Errorf("%s: column %s has no description in both languages", f, c.Name)
			}
		}
	}
}
