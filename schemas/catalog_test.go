package schemas_test

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/schemas"
)

var (
	topicRE   = regexp.MustCompile(`^[a-z]+\.[a-z0-9-]+\.v[0-9]+$`)
	subjectRE = regexp.MustCompile(`^[a-z]+\.[a-z][a-z0-9-]*$`)
)

func TestCatalogNames(t *testing.T) {
	subjects := map[string]bool{}
	topics := map[string]bool{}
	types := map[reflect.Type]string{}
	for _, e := range schemas.Events() {
		if !subjectRE.MatchString(e.Subject) {
			t.Errorf("subject %q does not match %s", e.Subject, subjectRE)
		}
		if !topicRE.MatchString(e.Topic) {
			t.Errorf("%s: topic %q does not match %s", e.Subject, e.Topic, topicRE)
		}
		if want := e.Subject + ".v" + strconv.Itoa(e.Version); e.Topic != want {
			t.Errorf("%s: topic %q, want %q", e.Subject, e.Topic, want)
		}
		if e.Version < 1 {
			t.Errorf("%s: version %d, want >= 1", e.Subject, e.Version)
		}
		key := e.Subject + "/" + strconv.Itoa(e.Version)
		if subjects[key] {
			t.Errorf("subject %s version %d listed twice", e.Subject, e.Version)
		}
		subjects[key] = true
		if topics[e.Topic] {
			t.Errorf("topic %s listed twice", e.Topic)
		}
		topics[e.Topic] = true
		if e.Title == "" || e.Description == "" {
			t.Errorf("%s: title and description are required", e.Subject)
		}
		if len(e.Key) == 0 || e.PartitionKey == "" {
			t.Errorf("%s: Key and PartitionKey are required", e.Subject)
		}
		v := reflect.TypeOf(e.New())
		if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			t.Errorf("%s: New returns %v, want a pointer to a struct", e.Subject, v)
			continue
		}
		if other, dup := types[v]; dup {
			t.Errorf("%s and %s share the Go type %v", e.Subject, other, v)
		}
		types[v] = e.Subject
	}
}

func TestDerivedNames(t *testing.T) {
	e, ok := schemas.Lookup("care.sensor-activation", 1)
	if !ok {
		t.Fatal("care.sensor-activation v1 is not in the catalog")
	}
	for _, c := range []struct{ got, want string }{
		{e.Topic, "care.sensor-activation.v1"},
		{e.SchemaID(), "https://schemas.civicbus.vasteras.se/care.sensor-activation/v1.json"},
		{schemas.SchemaID("care.sensor-activation", 2), "https://schemas.civicbus.vasteras.se/care.sensor-activation/v2.json"},
		{e.CloudEventType(), "se.vasteras.civicbus.care.sensor-activation.v1"},
		{e.File(), "json/care.sensor-activation.v1.json"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if _, ok := schemas.Lookup("care.sensor-activation", 9); ok {
		t.Error("Lookup found a version that does not exist")
	}
}

// TestSchemasDocumentAndConstrain walks every committed schema: every
// property, nested ones included, has a title and a description; no object
// is closed (open content model); personal-data markers use known classes.
func TestSchemasDocumentAndConstrain(t *testing.T) {
	classes := map[string]bool{
		schemas.PersonalDirect: true, schemas.PersonalPseudonymous: true,
		schemas.PersonalQuasi: true, schemas.PersonalFreeText: true,
	}
	for _, e := range schemas.Events() {
		b, err := e.Schema()
		if err != nil {
			t.Fatal(err)
		}
		s := decodeSchema(t, e.Subject, b)
		for _, k := range []string{"title", "description"} {
			if str, _ := s[k].(string); str == "" {
				t.Errorf("%s: root has no %s", e.Subject, k)
			}
		}
		walkSchema(s, "#", func(ptr string, node map[string]any) {
			if ap, ok := node["additionalProperties"]; ok && ap == false {
				t.Errorf("%s %s: additionalProperties false breaks the open content model", e.Subject, ptr)
			}
			props, _ := node["properties"].(map[string]any)
			for name, p := range props {
				prop, _ := p.(map[string]any)
				for _, k := range []string{"title", "description"} {
					if str, _ := prop[k].(string); str == "" {
						t.Errorf("%s %s/properties/%s has no %s", e.Subject, ptr, name, k)
					}
				}
				if c, ok := prop["x-personal-data"]; ok && !classes[c.(string)] {
					t.Errorf("%s %s/properties/%s: unknown x-personal-data class %v", e.Subject, ptr, name, c)
				}
			}
		})
		if got, _ := s["x-personal-data"].(bool); got != e.PersonalData {
			t.Errorf("%s: root x-personal-data %v, catalog PersonalData %v", e.Subject, s["x-personal-data"], e.PersonalData)
		}
	}
}

// TestSchemasCarryConstraints spot-checks that the struct tags reach the
// generated schemas: bounds, formats, enums, patterns, required, $defs.
func TestSchemasCarryConstraints(t *testing.T) {
	for _, c := range []struct {
		subject, pointer string
		want             any
	}{
		{"roads.weather-observation", "/properties/air_temperature_c/minimum", -60.0},
		{"roads.weather-observation", "/properties/air_temperature_c/maximum", 60.0},
		{"roads.weather-observation", "/properties/observed_at/format", "date-time"},
		{"roads.weather-observation", "/required", []any{"station_id", "observed_at"}},
		{"care.sensor-activation", "/properties/sensor_kind/enum", []any{"motion", "contact", "pressure", "flush", "power"}},
		{"care.sensor-activation", "/properties/resident_id/x-personal-data", "pseudonymous"},
		{"care.alarm", "/properties/score/maximum", 1.0},
		{"school.unit", "/properties/position/$ref", "#/$defs/Position"},
		{"school.unit", "/$defs/Position/properties/lat/minimum", 55.0},
		{"school.preschool-application", "/properties/application_id/format", "uuid"},
		{"school.preschool-application", "/properties/guardian_email/format", "email"},
		{"school.preschool-application", "/properties/desired_start_date/format", "date"},
		{"population.resident-moved-in", "/properties/personnummer/x-personal-data", "direct"},
		{"meals.food-waste", "/required", []any{"kitchen_id", "date", "total_waste_kg"}},
		{"cases.decision-recorded", "/required", []any{"decision_id", "case_id", "case_type", "step_id",
			"decided_at", "decided_by", "automated", "inputs", "outcome", "motivering", "legal_basis", "delegation_ref"}},
	} {
		e, ok := schemas.Lookup(c.subject, 1)
		if !ok {
			t.Fatalf("%s is not in the catalog", c.subject)
		}
		b, err := e.Schema()
		if err != nil {
			t.Fatal(err)
		}
		got, ok := pointer(decodeSchema(t, c.subject, b), c.pointer)
		if !ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %s = %#v, want %#v", c.subject, c.pointer, got, c.want)
		}
	}
}

func decodeSchema(t *testing.T, subject string, b []byte) map[string]any {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", subject, err)
	}
	return s
}

// walkSchema calls fn for every schema object reachable from node through
// properties, items and $defs.
func walkSchema(node map[string]any, ptr string, fn func(string, map[string]any)) {
	fn(ptr, node)
	for _, k := range []string{"properties", "$defs"} {
		children, _ := node[k].(map[string]any)
		for name, c := range children {
			if child, ok := c.(map[string]any); ok {
				walkSchema(child, ptr+"/"+k+"/"+name, fn)
			}
		}
	}
	if items, ok := node["items"].(map[string]any); ok {
		walkSchema(items, ptr+"/items", fn)
	}
}

// pointer resolves a simple JSON pointer (no escapes) in v.
func pointer(v any, ptr string) (any, bool) {
	for _, tok := range strings.Split(ptr, "/")[1:] {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return v, true
}
