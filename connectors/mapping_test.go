package connectors_test

import (
	"strings"
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/schemas"
)

func foodWaste(t *testing.T) schemas.Event {
	t.Helper()
	e, ok := schemas.Lookup("meals.food-waste", 1)
	if !ok {
		t.Fatal("meals.food-waste v1 is not in the catalog")
	}
	return e
}

func TestMappingCompileErrorsNameTheField(t *testing.T) {
	_, err := connectors.CompileMapping(connectors.MappingConfig{Fields: map[string]string{
		"kitchen_id":     "row.kitchen",
		"total_waste_kg": "double(row.total",
		"date":           "",
	}}, foodWaste(t))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{`field "total_waste_kg"`, `field "date": the expression is empty`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestMappingApply(t *testing.T) {
	m, err := connectors.CompileMapping(connectors.MappingConfig{Fields: map[string]string{
		"kitchen_id":     "row.kitchen",
		"date":           "row.date",
		"meal":           `row.meal == "" ? null : row.meal`,
		"total_waste_kg": "double(row.total)",
		"diners":         "int(row.diners)",
	}}, foodWaste(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Apply(map[string]any{"kitchen": "k1", "date": "2021-10-01", "meal": "", "total": "15.5", "diners": "571"})
	if err != nil {
		t.Fatal(err)
	}
	if got["kitchen_id"] != "k1" || got["total_waste_kg"] != 15.5 || got["diners"] != int64(571) {
		t.Errorf("Apply = %#v", got)
	}
	if _, ok := got["meal"]; ok {
		t.Error("a null result must leave the property out")
	}
	if k := m.Key(got); k != "\"k1\"\x1f\"2021-10-01\"\x1fnull" {
		t.Errorf("Key = %q", k)
	}

	_, err = m.Apply(map[string]any{"kitchen": "k1", "date": "2021-10-01", "meal": "", "total": "secret-value", "diners": "1"})
	if err == nil || !strings.Contains(err.Error(), `field "total_waste_kg"`) || strings.Contains(err.Error(), "secret-value") {
		t.Errorf("Apply of a bad number: %v; want the field named and the value not quoted", err)
	}
}

// TestMappingErrorsQuoteNoValue: CEL's timestamp error quotes its input;
// the mapping's error must not.
func TestMappingErrorsQuoteNoValue(t *testing.T) {
	m, err := connectors.CompileMapping(connectors.MappingConfig{Fields: map[string]string{
		"date": `string(timestamp(row.when))`,
	}}, foodWaste(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Apply(map[string]any{"when": "19121212-1212"})
	if err == nil || strings.Contains(err.Error(), "19121212-1212") || !strings.Contains(err.Error(), `field "date"`) {
		t.Errorf("error = %v; want the field named and the value not quoted", err)
	}
}

func TestMappingVersion(t *testing.T) {
	cfg := connectors.MappingConfig{Fields: map[string]string{"kitchen_id": "row.k"}, Version: "int(row.rev)"}
	m, err := connectors.CompileMapping(cfg, foodWaste(t))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := m.Version(map[string]any{"k": "a", "rev": "7"}); err != nil || v != "7" {
		t.Errorf("Version = %q, %v; want 7", v, err)
	}
	cfg.Version = "int(row.rev"
	if _, err := connectors.CompileMapping(cfg, foodWaste(t)); err == nil || !strings.Contains(err.Error(), "mapping: version:") {
		t.Errorf("compile error = %v; want it to name the version", err)
	}
	cfg.Version = ""
	m, _ = connectors.CompileMapping(cfg, foodWaste(t))
	if v, err := m.Version(map[string]any{"k": "a"}); err != nil || v != "" {
		t.Errorf("Version without an expression = %q, %v", v, err)
	}
}
