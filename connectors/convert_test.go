package connectors_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/schemas/contracts"
)

func TestConvert(t *testing.T) {
	m, err := connectors.CompileMapping(connectors.MappingConfig{Fields: map[string]string{
		"kitchen_id": "row.kitchen", "date": "row.date", "total_waste_kg": "double(row.total)",
	}}, foodWaste(t))
	if err != nil {
		t.Fatal(err)
	}
	ct, err := contracts.Default()
	if err != nil {
		t.Fatal(err)
	}
	conv := connectors.Converter{SourceURI: "/civicbus/connectors/t", Mapping: m, Contract: ct}

	good := conv.Convert(connectors.Record{Fields: map[string]any{"kitchen": "k1", "date": "2024-01-02", "total": "3.5"}})
	if good.Err != nil {
		t.Fatalf("good record: %v", good.Err)
	}
	key := `"k1"` + "\x1f" + `"2024-01-02"` + "\x1fnull"
	if want := connectors.EventID("/civicbus/connectors/t", key, 1); good.ID != want || good.Key != key {
		t.Errorf("id %s key %q; want %s %q", good.ID, good.Key, want, key)
	}
	if !strings.Contains(string(good.Payload), `"total_waste_kg":3.5`) {
		t.Errorf("payload %s", good.Payload)
	}

	bad := conv.Convert(connectors.Record{Fields: map[string]any{"kitchen": "k1", "date": "2024-01-02", "total": "-7.25"}})
	if bad.Err == nil || !strings.HasPrefix(bad.Err.Error(), "contract: ") || strings.Contains(bad.Err.Error(), "7.25") {
		t.Errorf("contract breach: %v; want a contract error without the value", bad.Err)
	}
	if bad.Payload == nil {
		t.Error("a contract breach keeps the mapped payload, for try to show")
	}

	readErr := errors.New("csv: line 3: 2 columns, want 3")
	if c := conv.Convert(connectors.Record{Err: readErr}); !errors.Is(c.Err, readErr) || c.Payload != nil {
		t.Errorf("a record read with an error: %+v", c)
	}
}
