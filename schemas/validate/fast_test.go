package validate

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vasteras/civicbus/schemas"
)

// fuzzSchemas are the schemas FuzzFastPath holds the fast path to v6 on.
var fuzzSchemas = []string{
	"testdata/weather-observation.schema.json",
	"testdata/person.schema.json",
	"testdata/keywords.schema.json",
}

func compileFile(tb testing.TB, path string) *jsonschema.Schema {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return compileBytes(tb, data)
}

func compileBytes(tb testing.TB, data []byte) *jsonschema.Schema {
	tb.Helper()
	doc, err := parseSchema(data)
	if err != nil {
		tb.Fatal(err)
	}
	c := newCompiler()
	if err := c.AddResource("civicbus:///test", doc); err != nil {
		tb.Fatal(err)
	}
	sch, err := c.Compile("civicbus:///test")
	if err != nil {
		tb.Fatal(err)
	}
	return sch
}

func TestFastPathBuilds(t *testing.T) {
	for _, f := range fuzzSchemas {
		if _, ok := buildFast(compileFile(t, f)); !ok {
			t.Errorf("%s: no fast path", f)
		}
	}
	c := newCompiler()
	doc := map[string]any{"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"}
	_ = c.AddResource("civicbus:///d7", doc)
	if _, ok := buildFast(c.MustCompile("civicbus:///d7")); ok {
		t.Error("a draft-07 schema got a fast path")
	}
}

// TestFastPathRefCycle checks that a $ref cycle that consumes no input
// leaves the fast path unsure instead of recursing forever.
func TestFastPathRefCycle(t *testing.T) {
	c := newCompiler()
	_ = c.AddResource("civicbus:///cycle", map[string]any{"$ref": "#"})
	n, ok := buildFast(c.MustCompile("civicbus:///cycle"))
	if !ok {
		t.Fatal("no fast path")
	}
	if got := n.check(json.Number("1"), 0); got != unsure {
		t.Errorf("tree check = %d, want unsure", got)
	}
	if got := streamCheck([]byte(`{"a": 1}`), n, 10); got != unsure {
		t.Errorf("stream check = %d, want unsure", got)
	}
}

// FuzzFastPath holds the fast path to v6: whenever it answers valid or
// invalid, v6 must agree. (Unsure is always allowed.)
func FuzzFastPath(f *testing.F) {
	seeds := []string{
		`{"c": {"k": [1, "x"]}, "e": 2.50, "n": 1.5, "i": 9007199254740993, "s": "abc"}`,
		`{"f": "2026-01-14", "dt": "2026-01-14T23:59:60Z", "u": "6F1C2A9E-8D4B-4F7A-9C3E-1B2D3E4F5A6B"}`,
		`{"one": 3.5, "all": "x", "cond": 4, "arr": ["a", 1, true], "has": [7, 8], "tuple": [1]}`,
		`{"ref": {"v": 1, "next": {"v": 2}}, "pure": {"v": 1}, "open": {"a": 1}, "pat": {"x-a": "s"}}`,
		`{"dep": {"a": 1, "b": 2, "c": 3, "d": 4}, "anything": [{}], "e": {"o": 1.0}}`,
		`{"personnummer": "19121212-1212", "district": "Vallby", "age": 3, "moved_at": "2024-02-29"}`,
		`{"i": 1e0, "n": -0.5, "e": [1.0], "f": "23:59:60-01:00"}`,
		`{"station_id": "SMHI-97510", "observed_at": "2026-01-14T06:00:00Z", "position": {"lat": 59.6, "lon": 16.5}, "air_temperature_c": -7.5, "network": "smhi"}`,
		`{"resident_id": "3f1c2a9e-8d4b-4f7a-9c3e-1b2d3e4f5a6b", "sensor": "bed", "state": "on", "at": "2026-01-14T02:10:00+01:00"}`,
	}
	event, _ := os.ReadFile("testdata/weather-observation.json")
	seeds = append(seeds, string(event))
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	type target struct {
		v6   *jsonschema.Schema
		fast *fastNode
	}
	var targets []target
	for _, path := range fuzzSchemas {
		sch := compileFile(f, path)
		fast, _ := buildFast(sch)
		targets = append(targets, target{sch, fast})
	}
	for _, e := range schemas.Events() { // the generated schemas too
		data, err := e.Schema()
		if err != nil {
			f.Fatal(err)
		}
		sch := compileBytes(f, data)
		fast, _ := buildFast(sch)
		targets = append(targets, target{sch, fast})
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		tg := targets[int(which)%len(targets)]
		doc, err := decodeJSON(data, 64)
		streamed := streamCheck(data, tg.fast, 64)
		if err != nil {
			if streamed == valid {
				t.Fatalf("streaming accepted malformed input: %v", err)
			}
			return
		}
		v6ok := tg.v6.Validate(doc) == nil
		if tree := tg.fast.check(doc, 0); tree != unsure && (tree == valid) != v6ok {
			t.Fatalf("tree check says %d, v6 says valid=%v", tree, v6ok)
		}
		if streamed != unsure && (streamed == valid) != v6ok {
			t.Fatalf("stream check says %d, v6 says valid=%v", streamed, v6ok)
		}
	})
}

// FuzzFormats holds the fast format checks to v6's: they accept nothing v6
// rejects.
func FuzzFormats(f *testing.F) {
	for _, s := range []string{"2026-01-14T06:30:00+01:00", "2024-02-29", "23:59:60Z", "00:59:60+01:00", "6f1c2a9e-8d4b-4f7a-9c3e-1b2d3e4f5a6b", "2026-01-14t06:30:00.5z"} {
		f.Add(s)
	}
	v6 := map[string]*jsonschema.Schema{}
	for name := range fastFormats {
		c := newCompiler()
		_ = c.AddResource("civicbus:///"+name, map[string]any{"format": name})
		v6[name] = c.MustCompile("civicbus:///" + name)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, fast := range fastFormats {
			if fast(s) && v6[name].Validate(s) != nil {
				t.Errorf("fast %s accepts %q, v6 does not", name, s)
			}
		}
	})
}
