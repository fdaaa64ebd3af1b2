package validate_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vasteras/civicbus/schemas/validate"
)

const personID = "https://civicbus.vasteras.se/schemas/test/person-moved-in/v1.json"

func TestValidEvent(t *testing.T) {
	v := mustValidator(t, validate.Config{}, "testdata/weather-observation.schema.json")
	if err := v.Validate(weatherID, readFile(t, "testdata/weather-observation.json")); err != nil {
		t.Fatalf("valid event rejected: %v", err)
	}
}

// TestCauses checks the path and the words of each rule broken.
func TestCauses(t *testing.T) {
	v := mustValidator(t, validate.Config{}, "testdata/weather-observation.schema.json")
	event := readFile(t, "testdata/weather-observation.json")
	reading := func(m map[string]any, i int) map[string]any {
		return m["readings"].([]any)[i].(map[string]any)
	}
	tests := []struct {
		name   string
		change func(map[string]any)
		want   []string
	}{
		{"minimum in an array item", func(m map[string]any) { reading(m, 3)["celsius"] = -70 },
			[]string{"/readings/3/celsius: must be >= -60"}},
		{"maximum", func(m map[string]any) { reading(m, 0)["celsius"] = 61 },
			[]string{"/readings/0/celsius: must be <= 60"}},
		{"exclusive maximum", func(m map[string]any) { m["wind_speed_ms"] = 100 },
			[]string{"/wind_speed_ms: must be < 100"}},
		{"required", func(m map[string]any) { delete(m, "station_id"); delete(m, "source") },
			[]string{"/source: required property missing", "/station_id: required property missing"}},
		{"required in a $ref", func(m map[string]any) { delete(m["location"].(map[string]any), "lat") },
			[]string{"/location/lat: required property missing"}},
		{"type", func(m map[string]any) { m["road_class"] = "two" },
			[]string{"/road_class: must be integer, not string"}},
		{"integer", func(m map[string]any) { m["road_class"] = 2.5 },
			[]string{"/road_class: must be integer, not number"}},
		{"type union", func(m map[string]any) { m["comment"] = 5 },
			[]string{"/comment: must be null or string, not number"}},
		{"enum", func(m map[string]any) { m["source"] = "yr.no" },
			[]string{`/source: must be one of "smhi", "trafikverket", "municipal"`}},
		{"format date-time", func(m map[string]any) { m["observed_at"] = "2026-01-14 06:30" },
			[]string{"/observed_at: must be a valid date-time"}},
		{"format uuid", func(m map[string]any) { reading(m, 1)["sensor"] = "not-a-uuid" },
			[]string{"/readings/1/sensor: must be a valid uuid"}},
		{"pattern", func(m map[string]any) { m["station_id"] = "vs-142" },
			[]string{"/station_id: must match pattern ^[A-Z]{2}-[0-9]{4}$"}},
		{"minLength", func(m map[string]any) { m["station_name"] = "" },
			[]string{"/station_name: must be at least 1 character long"}},
		{"maxLength", func(m map[string]any) { m["tags"] = []any{strings.Repeat("x", 33)} },
			[]string{"/tags/0: must be at most 32 characters long"}},
		{"minItems", func(m map[string]any) { m["readings"] = []any{} },
			[]string{"/readings: must have at least 1 item"}},
		{"uniqueItems", func(m map[string]any) { m["tags"] = []any{"a", "b", "a"} },
			[]string{"/tags: items 0 and 2 must not be equal"}},
		{"additionalProperties false", func(m map[string]any) { reading(m, 2)["fahrenheit"] = 28 },
			[]string{"/readings/2/fahrenheit: property not allowed"}},
		{"whole payload", func(m map[string]any) { clear(m) },
			[]string{"/event_id: required property missing"}}, // and five more
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Validate(weatherID, mutate(t, event, tt.change))
			var verr *validate.Error
			if !errors.As(err, &verr) {
				t.Fatalf("got %v, want a *validate.Error", err)
			}
			if !errors.Is(err, validate.ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false")
			}
			var got []string
			for _, c := range verr.Causes {
				got = append(got, c.String())
			}
			slices.Sort(got)
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("causes %q lack %q", got, w)
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	v := mustValidator(t, validate.Config{}, "testdata/weather-observation.schema.json")
	event := mutate(t, readFile(t, "testdata/weather-observation.json"), func(m map[string]any) {
		delete(m, "station_id")
	})
	err := v.Validate(weatherID, event)
	want := "validate " + weatherID + ": /station_id: required property missing"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestMaxCauses(t *testing.T) {
	v := mustValidator(t, validate.Config{MaxCauses: 3}, "testdata/weather-observation.schema.json")
	err := v.Validate(weatherID, []byte(`{}`))
	var verr *validate.Error
	if !errors.As(err, &verr) {
		t.Fatalf("got %v", err)
	}
	if len(verr.Causes) != 3 || verr.Omitted != 3 {
		t.Fatalf("got %d causes and %d omitted, want 3 and 3: %v", len(verr.Causes), verr.Omitted, err)
	}
	if !strings.HasSuffix(err.Error(), "; and 3 more") {
		t.Errorf("message %q does not count the omitted causes", err)
	}
}

// TestBadInput checks that each kind of bad input gets its own error.
func TestBadInput(t *testing.T) {
	v := mustValidator(t, validate.Config{MaxBytes: 64, MaxDepth: 4}, "testdata/person.schema.json")
	tests := []struct {
		name string
		data string
		kind error
		msg  string
	}{
		{"too large", `{"personnummer": "` + strings.Repeat("1", 64) + `"}`, validate.ErrTooLarge,
			"payload too large: 84 bytes, the maximum is 64"},
		{"invalid UTF-8", "{\"district\": \"V\xe4ster\xe5s\"}", validate.ErrInvalidUTF8, "not valid UTF-8 at byte 15"},
		{"malformed", `{"district": "Vallby" "age": 3}`, validate.ErrMalformedJSON,
			"not valid JSON at byte 22: expected ',' or '}' in object"},
		{"truncated", `{"district": "Vallby", `, validate.ErrMalformedJSON, "not valid JSON at byte 23: expected a string as object key"},
		{"empty", ``, validate.ErrMalformedJSON, "not valid JSON at byte 0: unexpected end of input"},
		{"trailing data", `{} {}`, validate.ErrMalformedJSON, "not valid JSON at byte 3: unexpected data after the top-level value"},
		{"duplicate key", `{"age": 3, "age": 4}`, validate.ErrMalformedJSON, "not valid JSON at byte 11: duplicate object key"},
		{"huge exponent", `{"age": 1e999}`, validate.ErrMalformedJSON, "not valid JSON at byte 8: number exponent out of range"},
		{"too deep", `{"a":[[[[1]]]]}`, validate.ErrTooDeep, "nested deeper than 4 levels"},
		{"wrong types", `{"personnummer": 19121212, "district": "Vallby", "age": "3"}`, validate.ErrInvalid,
			"/age: must be integer, not string; /personnummer: must be string, not number"},
	}
	kinds := []error{validate.ErrTooLarge, validate.ErrInvalidUTF8, validate.ErrMalformedJSON, validate.ErrTooDeep, validate.ErrInvalid, validate.ErrUnknownSchema}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Validate(personID, []byte(tt.data))
			for _, k := range kinds {
				if errors.Is(err, k) != (k == tt.kind) {
					t.Errorf("errors.Is(%v, %v) = %v", err, k, !(k == tt.kind))
				}
			}
			if err == nil || !containsUnordered(err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", err, tt.msg)
			}
		})
	}
}

// containsUnordered reports whether msg contains want, or, for a list of
// causes separated by "; ", each of them.
func containsUnordered(msg, want string) bool {
	for _, part := range strings.Split(want, "; ") {
		if !strings.Contains(msg, part) {
			return false
		}
	}
	return true
}

func TestSyntaxErrorOffset(t *testing.T) {
	v := mustValidator(t, validate.Config{}, "testdata/person.schema.json")
	err := v.Validate(personID, []byte(`{"district": "Vallby",, "age": 3}`))
	var serr *validate.SyntaxError
	if !errors.As(err, &serr) || serr.Offset != 22 {
		t.Fatalf("got %v, want a *SyntaxError at byte 22", err)
	}
}

// TestNoValuesInErrors checks that no value from the payload, which may be
// personal data, appears in an error message.
func TestNoValuesInErrors(t *testing.T) {
	v := mustValidator(t, validate.Config{}, "testdata/person.schema.json")
	const secret = "19121212-121X"
	payloads := []string{
		`{"personnummer": "` + secret + `", "district": "Vallby", "age": 3}`,
		`{"personnummer": "19121212-1212", "district": "` + secret + `", "age": 3}`,
		`{"personnummer": "19121212-1212", "district": "Vallby", "age": 3, "name": "` + secret + `"}`,
		`{"personnummer": "19121212-1212", "district": "Vallby", "age": 3, "moved_at": "` + secret + `"}`,
		`{"personnummer": "19121212-1212", "district": "Vallby", "age": 3, "email": "` + secret + `"}`,
		`{"personnummer": "19121212-1212", "district": "Vallby", "age": 3, "household": "` + secret + `"}`,
		`{"personnummer": "19121212-1212", "district": "Vallby", "age": 1912121212}`,
		`{"personnummer": ["` + secret + `"], "district": "Vallby", "age": 3}`,
		`{"personnummer": "19121212-1212", "district": "Vallby", "age": 3, "extra": "` + secret + `"}`,
		`{"personnummer": "` + secret + `"`,
	}
	for i, p := range payloads {
		err := v.Validate(personID, []byte(p))
		if err == nil {
			t.Errorf("payload %d: accepted", i)
			continue
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "1912121212") {
			t.Errorf("payload %d: error echoes a value: %v", i, err)
		}
	}
}

// TestLargeIntegersExact checks that numbers are compared exactly, not as
// float64: 2^53+1 rounds to 2^53, the schema's maximum.
func TestLargeIntegersExact(t *testing.T) {
	v := mustValidator(t, validate.Config{}, "testdata/person.schema.json")
	base := `{"personnummer": "19121212-1212", "district": "Vallby", "age": 3, "population_count": %s}`
	if err := v.Validate(personID, fmt.Appendf(nil, base, "9007199254740992")); err != nil {
		t.Errorf("2^53 rejected: %v", err)
	}
	err := v.Validate(personID, fmt.Appendf(nil, base, "9007199254740993"))
	if err == nil || !strings.Contains(err.Error(), "/population_count: must be <= 9007199254740992") {
		t.Errorf("2^53+1 got %v, want it above the maximum", err)
	}
}

func TestUnknownSchema(t *testing.T) {
	v := mustValidator(t, validate.Config{})
	if err := v.Validate("nope", []byte(`{}`)); !errors.Is(err, validate.ErrUnknownSchema) {
		t.Fatalf("got %v, want ErrUnknownSchema", err)
	}
}

func TestAdd(t *testing.T) {
	v := mustValidator(t, validate.Config{}, "testdata/person.schema.json")
	schema := readFile(t, "testdata/person.schema.json")
	if err := v.Add("", schema); err != nil {
		t.Errorf("adding the same schema again: %v", err)
	}
	if err := v.Add(personID, []byte(`{"type": "string"}`)); err == nil {
		t.Error("a different schema under a taken id was accepted")
	}
	if err := v.Add("", []byte(`{"type": "string"}`)); err == nil {
		t.Error("a schema without id or $id was accepted")
	}
	for _, bad := range []string{`{"type": 5}`, `{"minimum": "x"}`, `[1]`, `{`, `{"pattern": "("}`} {
		if err := v.Add("bad", []byte(bad)); err == nil {
			t.Errorf("invalid schema %s accepted", bad)
		}
	}
	if err := v.Add("short", []byte(`{"type": "string", "maxLength": 2}`)); err != nil {
		t.Fatal(err)
	}
	if !v.Has("short") || !slices.Contains(v.IDs(), "short") {
		t.Error("the schema added under a plain id is missing")
	}
	if err := v.Validate("short", []byte(`"abc"`)); err == nil || err.Error() != "validate short: (root): must be at most 2 characters long" {
		t.Errorf("got %v", err)
	}
}

// TestRefToAddedSchema checks that a schema can $ref one added before it,
// and that nothing is loaded from disk or the network.
func TestRefToAddedSchema(t *testing.T) {
	v := mustValidator(t, validate.Config{}, "testdata/person.schema.json")
	wrapper := `{"$id": "https://civicbus.vasteras.se/schemas/test/batch/v1.json", "type": "array", "items": {"$ref": "` + personID + `"}}`
	if err := v.Add("", []byte(wrapper)); err != nil {
		t.Fatal(err)
	}
	err := v.Validate("https://civicbus.vasteras.se/schemas/test/batch/v1.json", []byte(`[{"district": "Vallby", "age": 3}]`))
	if err == nil || !strings.Contains(err.Error(), "/0/personnummer: required property missing") {
		t.Errorf("got %v", err)
	}
	for _, ref := range []string{"file:///etc/passwd", "testdata/person.schema.json", "https://example.com/schema.json"} {
		if err := v.Add("loads", []byte(`{"$ref": "`+ref+`"}`)); err == nil {
			t.Errorf("$ref %s was loaded", ref)
		}
	}
}

// TestConcurrent validates from many goroutines while schemas are added;
// run it with -race.
func TestConcurrent(t *testing.T) {
	v := mustValidator(t, validate.Config{}, "testdata/weather-observation.schema.json")
	event := readFile(t, "testdata/weather-observation.json")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if err := v.Validate(weatherID, event); err != nil {
					t.Error(err)
					return
				}
				if g == 0 {
					if err := v.Add(fmt.Sprint("s", i), []byte(`{"type": "integer"}`)); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if len(v.IDs()) != 51 {
		t.Errorf("got %d schemas, want 51", len(v.IDs()))
	}
}

func TestValidateValue(t *testing.T) {
	v := mustValidator(t, validate.Config{}, "testdata/person.schema.json")
	ok := map[string]any{"personnummer": "19121212-1212", "district": "Vallby", "age": 3.0}
	if err := v.ValidateValue(personID, ok); err != nil {
		t.Errorf("valid value rejected: %v", err)
	}
	bad := map[string]any{"personnummer": "19121212-1212", "district": "Vallby", "age": 131.0}
	if err := v.ValidateValue(personID, bad); err == nil || !strings.Contains(err.Error(), "/age: must be <= 130") {
		t.Errorf("got %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	if _, err := validate.New(validate.Config{MaxBytes: -1, MaxDepth: -1}); err == nil ||
		!strings.Contains(err.Error(), "MaxBytes") || !strings.Contains(err.Error(), "MaxDepth") {
		t.Errorf("got %v, want both settings named", err)
	}
}
