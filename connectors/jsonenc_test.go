package connectors

import (
	"encoding/json"
	"math"
	"testing"
)

// TestMarshalObjectIsJSONMarshal: the fast encoder writes what
// encoding/json writes.
func TestMarshalObjectIsJSONMarshal(t *testing.T) {
	objs := []map[string]any{
		{"b": "x", "a": int64(-3), "c": 1.5, "d": true, "e": nil},
		{"s": "åäö <tag> & \"q\" \\ \n\t", "u": uint64(math.MaxUint64)},
		{"f1": 1e21, "f2": 1e-7, "f3": 0.0, "f4": -123456.789, "f5": 100.0, "f6": 1.5e-10},
		{"list": []any{"a", 1.0}, "map": map[string]any{"z": 1.0, "a": "b"}},
		{},
	}
	for _, o := range objs {
		want, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		got, err := marshalObject(o)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("marshalObject = %s\n json.Marshal = %s", got, want)
		}
	}
	if _, err := marshalObject(map[string]any{"x": math.Inf(1)}); err == nil {
		t.Error("Inf must be an error, as in encoding/json")
	}
}

func FuzzAppendFloat(f *testing.F) {
	for _, x := range []float64{0, 1, -1, 1e21, 1e-7, 123.456, 5e-324, math.MaxFloat64} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return
		}
		want, _ := json.Marshal(x)
		if got := appendFloat(nil, x); string(got) != string(want) {
			t.Errorf("appendFloat(%v) = %s, json.Marshal = %s", x, got, want)
		}
	})
}
