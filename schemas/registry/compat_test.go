package registry

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func mustParse(t testing.TB, text string) *Schema {
	t.Helper()
	s, err := Parse([]byte(text))
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return s
}

// obj builds an object schema from properties, a required list and an
// additionalProperties value ("" leaves it out).
func obj(props, required, additional string) string {
	s := `{"type": "object", "properties": {` + props + `}`
	if required != "" {
		s += `, "required": [` + required + `]`
	}
	if additional != "" {
		s += `, "additionalProperties": ` + additional
	}
	return s + "}"
}

func messages(list []Incompatibility) []string {
	var out []string
	for _, i := range list {
		out = append(out, i.String())
	}
	return out
}

// TestCheckRules checks each rule both ways: every change is compared from
// older to newer under BACKWARD and under FORWARD.
func TestCheckRules(t *testing.T) {
	const (
		id    = `"unit_id": {"type": "string"}`
		kind  = `"kind": {"type": "string", "enum": ["door", "bed", "x"]}`
		kind2 = `"kind": {"type": "string", "enum": ["door", "bed"]}`
	)
	num := func(kw string) string { return obj(`"celsius": {"type": "number", `+kw+`}`, "", "") }
	str := func(kw string) string { return obj(`"name": {"type": "string"`+kw+`}`, "", "") }
	tests := []struct {
		name          string
		older, newer  string
		backward, fwd []string // nil: compatible
	}{
		{"optional field added, open", obj(id, "", ""), obj(id+`, "note": {"type": "string"}`, "", ""), nil, nil},
		{"optional field added, closed", obj(id, "", "false"), obj(id+`, "note": {"type": "string"}`, "", "false"),
			nil, []string{"forward: field `note` added while additionalProperties is false"}},
		{"optional field removed, closed", obj(id+`, "note": {"type": "string"}`, "", "false"), obj(id, "", "false"),
			[]string{"backward: field `note` removed while additionalProperties is false"}, nil},
		{"optional field removed, open", obj(id+`, "note": {"type": "string"}`, "", ""), obj(id, "", ""), nil, nil},
		{"field became required", obj(id, "", ""), obj(id, `"unit_id"`, ""),
			[]string{"backward: field `unit_id` became required"}, nil},
		{"field no longer required", obj(id, `"unit_id"`, ""), obj(id, "", ""),
			nil, []string{"forward: field `unit_id` is no longer required"}},
		{"required field added", obj("", "", ""), obj(id, `"unit_id"`, ""),
			[]string{"backward: required field `unit_id` added"}, nil},
		{"required field removed", obj(id, `"unit_id"`, ""), obj("", "", ""),
			nil, []string{"forward: required field `unit_id` removed"}},
		{"required field with a default added", obj("", "", ""), obj(`"unit_id": {"type": "string", "default": "-"}`, `"unit_id"`, ""), nil, nil},
		{"enum value removed", obj(kind, "", ""), obj(kind2, "", ""),
			[]string{"backward: enum value `x` removed from `/properties/kind`"}, nil},
		{"enum value added", obj(kind2, "", ""), obj(kind, "", ""),
			nil, []string{"forward: enum value `x` added to `/properties/kind`"}},
		{"enum added", obj(`"kind": {"type": "string"}`, "", ""), obj(kind2, "", ""),
			[]string{"backward: `/properties/kind` is now limited to `door`, `bed`"}, nil},
		{"const changed", obj(`"v": {"const": 1}`, "", ""), obj(`"v": {"const": 2}`, "", ""),
			[]string{"backward: const of `/properties/v` changed from `1` to `2`"}, []string{"forward: const of `/properties/v` changed from `1` to `2`"}},
		{"type changed", obj(`"count": {"type": "integer"}`, "", ""), obj(`"count": {"type": "string"}`, "", ""),
			[]string{"backward: type of `/properties/count` changed from integer to string"},
			[]string{"forward: type of `/properties/count` changed from integer to string"}},
		{"type widened", obj(`"count": {"type": "integer"}`, "", ""), obj(`"count": {"type": "number"}`, "", ""),
			nil, []string{"forward: type of `/properties/count` changed from integer to number"}},
		{"null allowed", obj(`"c": {"type": "string"}`, "", ""), obj(`"c": {"type": ["string", "null"]}`, "", ""),
			nil, []string{"forward: `/properties/c` now also accepts null"}},
		{"maximum lowered", num(`"maximum": 60`), num(`"maximum": 50`),
			[]string{"backward: maximum of `/properties/celsius` lowered from 60 to 50"}, nil},
		{"maximum raised", num(`"maximum": 50`), num(`"maximum": 60`),
			nil, []string{"forward: maximum of `/properties/celsius` raised from 50 to 60"}},
		{"minimum raised", num(`"minimum": -60`), num(`"minimum": -50`),
			[]string{"backward: minimum of `/properties/celsius` raised from -60 to -50"}, nil},
		{"maximum added", num(`"minimum": 0`), num(`"minimum": 0, "maximum": 5`),
			[]string{"backward: maximum 5 added to `/properties/celsius`"}, nil},
		{"maximum removed", num(`"minimum": 0, "maximum": 5`), num(`"minimum": 0`),
			nil, []string{"forward: maximum 5 removed from `/properties/celsius`"}},
		{"maximum made exclusive", num(`"maximum": 60`), num(`"exclusiveMaximum": 60`),
			[]string{"backward: upper bound of `/properties/celsius` changed from <= 60 to < 60"}, nil},
		{"multipleOf added", num(`"minimum": 0`), num(`"minimum": 0, "multipleOf": 0.5`),
			[]string{"backward: multipleOf `0.5` added to `/properties/celsius`"}, nil},
		{"maxLength lowered", str(`, "maxLength": 64`), str(`, "maxLength": 32`),
			[]string{"backward: maxLength of `/properties/name` lowered from 64 to 32"}, nil},
		{"minLength added", str(``), str(`, "minLength": 1`),
			[]string{"backward: minLength 1 added to `/properties/name`"}, nil},
		{"pattern added", str(``), str(`, "pattern": "^[a-z]+$"`),
			[]string{"backward: pattern `^[a-z]+$` added to `/properties/name`"}, []string(nil)},
		{"pattern removed", str(`, "pattern": "^[a-z]+$"`), str(``),
			nil, []string{"forward: pattern `^[a-z]+$` removed from `/properties/name`"}},
		{"pattern changed", str(`, "pattern": "^a"`), str(`, "pattern": "^b"`),
			[]string{"backward: pattern of `/properties/name` changed from `^a` to `^b`"},
			[]string{"forward: pattern of `/properties/name` changed from `^a` to `^b`"}},
		{"format added", str(``), str(`, "format": "uuid"`),
			[]string{"backward: format `uuid` added to `/properties/name`"}, nil},
		{"items: nested maximum lowered",
			obj(`"readings": {"type": "array", "items": {"type": "object", "properties": {"celsius": {"type": "number", "maximum": 60}}}}`, "", ""),
			obj(`"readings": {"type": "array", "items": {"type": "object", "properties": {"celsius": {"type": "number", "maximum": 50}}}}`, "", ""),
			[]string{"backward: maximum of `/properties/readings/items/properties/celsius` lowered from 60 to 50"}, nil},
		{"minItems raised", obj(`"a": {"type": "array", "minItems": 0}`, "", ""), obj(`"a": {"type": "array", "minItems": 1}`, "", ""),
			[]string{"backward: minItems of `/properties/a` raised from 0 to 1"}, nil},
		{"uniqueItems", obj(`"a": {"type": "array"}`, "", ""), obj(`"a": {"type": "array", "uniqueItems": true}`, "", ""),
			[]string{"backward: items of `/properties/a` must now be unique"}, nil},
		{"$ref into $defs",
			`{"type": "object", "properties": {"position": {"$ref": "#/$defs/P", "title": "where"}}, "$defs": {"P": {"type": "object", "properties": {"lat": {"type": "number"}}}}}`,
			`{"type": "object", "properties": {"position": {"$ref": "#/$defs/P", "title": "where"}}, "$defs": {"P": {"type": "object", "properties": {"lat": {"type": "number"}}, "required": ["lat"]}}}`,
			[]string{"backward: field `lat` of `/properties/position` became required"}, nil},
		{"additionalProperties became false", obj(id, "", ""), obj(id, "", "false"),
			[]string{"backward: additionalProperties of `/` became false"}, nil},
		{"anyOf changed", obj(`"v": {"anyOf": [{"type": "string"}, {"type": "null"}]}`, "", ""), obj(`"v": {"anyOf": [{"type": "string"}]}`, "", ""),
			[]string{"backward: anyOf of `/properties/v` changed; changes to anyOf are not checked in detail and count as breaking"},
			[]string{"forward: anyOf of `/properties/v` changed; changes to anyOf are not checked in detail and count as breaking"}},
		{"false schema", obj(`"v": {}`, "", ""), obj(`"v": false`, "", ""),
			[]string{"backward: `/properties/v` no longer accepts any value"}, nil},
		{"annotations only", obj(`"v": {"type": "string", "title": "a", "description": "b", "examples": ["c"], "x-personal-data": "direct"}`, "", ""),
			obj(`"v": {"type": "string", "title": "A", "description": "B", "examples": ["C"]}`, "", ""), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			older, newer := mustParse(t, tt.older), mustParse(t, tt.newer)
			if got := messages(Check(Backward, older, newer)); !slices.Equal(got, tt.backward) {
				t.Errorf("BACKWARD:\n got %q\nwant %q", got, tt.backward)
			}
			if got := messages(Check(Forward, older, newer)); !slices.Equal(got, tt.fwd) {
				t.Errorf("FORWARD:\n got %q\nwant %q", got, tt.fwd)
			}
			full := messages(Check(Full, older, newer))
			if want := append(slices.Clone(tt.backward), tt.fwd...); !slices.Equal(full, want) {
				t.Errorf("FULL:\n got %q\nwant %q", full, want)
			}
			if got := Check(None, older, newer); got != nil {
				t.Errorf("NONE found %v", got)
			}
		})
	}
}

// TestOptionalFieldAllModes is the key case: adding an optional field is
// compatible in every mode under the open content model, and not FORWARD
// compatible under the closed one.
func TestOptionalFieldAllModes(t *testing.T) {
	base := `"station_id": {"type": "string"}, "observed_at": {"type": "string", "format": "date-time"}`
	added := base + `, "snow_depth_cm": {"type": "number", "minimum": 0}`
	for _, m := range modes {
		open := Check(m, mustParse(t, obj(base, `"station_id"`, "")), mustParse(t, obj(added, `"station_id"`, "")))
		if open != nil {
			t.Errorf("%s, open model: %v", m, open)
		}
		closed := Check(m, mustParse(t, obj(base, `"station_id"`, "false")), mustParse(t, obj(added, `"station_id"`, "false")))
		wantBreak := slices.Contains(m.directions(), DirForward)
		if (closed != nil) != wantBreak {
			t.Errorf("%s, closed model: got %v, want a break: %v", m, closed, wantBreak)
		}
	}
}

func TestCheckRecursiveSchema(t *testing.T) {
	node := func(max int) string {
		return fmt.Sprintf(`{"$ref": "#/$defs/node", "$defs": {"node": {"type": "object", "properties": {"v": {"type": "integer", "maximum": %d}, "next": {"$ref": "#/$defs/node"}}}}}`, max)
	}
	got := messages(Check(Backward, mustParse(t, node(10)), mustParse(t, node(5))))
	if len(got) != 1 || !strings.Contains(got[0], "maximum of `/properties/v` lowered from 10 to 5") {
		t.Errorf("got %q", got)
	}
}

func TestParseRejects(t *testing.T) {
	for _, bad := range []string{``, `[]`, `"x"`, `{"type": 5}`, `{} {}`, `{"$ref": "https://example.com/s.json"}`, "{\"a\": \"\xff\"}"} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	s := mustParse(t, `{ "type" : "object", "properties": {"b": {}, "a": {"maximum": 1.50}} }`)
	if want := `{"properties":{"a":{"maximum":1.50},"b":{}},"type":"object"}`; s.Canonical() != want {
		t.Errorf("canonical %s, want %s", s.Canonical(), want)
	}
}

// FuzzCheck compares any two schemas in every mode: it never panics, and a
// schema compared with itself is always compatible.
func FuzzCheck(f *testing.F) {
	f.Add(obj(`"a": {"type": "string"}`, `"a"`, ""), obj(`"a": {"type": "integer", "maximum": 3}`, "", "false"))
	f.Add(`{"$ref": "#/$defs/n", "$defs": {"n": {"properties": {"next": {"$ref": "#/$defs/n"}}}}}`, `{"$ref": "#", "maxProperties": 1}`)
	f.Add(`{"type": "array", "prefixItems": [true, {"enum": [1, "x", null]}], "items": false}`, `{"type": ["array", "null"], "uniqueItems": true}`)
	f.Add(`{"anyOf": [{"const": 1}], "allOf": [{"minimum": 0}]}`, `{"exclusiveMinimum": 0, "multipleOf": 0.5, "pattern": "^a"}`)
	f.Fuzz(func(t *testing.T, older, newer string) {
		a, errA := Parse([]byte(older))
		b, errB := Parse([]byte(newer))
		if errA != nil || errB != nil {
			return
		}
		for _, m := range modes {
			Check(m, a, b)
			if same := Check(m, a, a); len(same) > 0 && !strings.Contains(same[0].Message, "not checked") && !strings.Contains(same[0].Message, "too complex") {
				t.Fatalf("%s: a schema is incompatible with itself: %v", m, same)
			}
		}
	})
}
