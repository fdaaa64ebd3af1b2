package validate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/schemas/validate"
)

// badInputMessage is every message Validate gives for input that is not
// checked against the schema: each names a byte offset and a reason from a
// fixed list, never the input.
var badInputMessage = regexp.MustCompile(`^validate [^ ]+: (` +
	`payload too large: \d+ bytes, the maximum is \d+|` +
	`not valid UTF-8 at byte \d+|` +
	`not valid JSON at byte \d+: (` + strings.Join([]string{
	`unexpected end of input( in (object|array|string))?`,
	`unexpected data after the top-level value`,
	`unexpected character, expected a value`,
	`invalid literal, expected true, false or null`,
	`nested deeper than \d+ levels`,
	`expected a string as object key`,
	`duplicate object key`,
	`expected ':' after object key`,
	`expected ',' or '\}' in object`,
	`expected ',' or '\]' in array`,
	`control character in string`,
	`invalid escape sequence in string`,
	`invalid number(, expected a digit (after '\.'|in the exponent))?`,
	`number exponent out of range \(at most 1e±\d+\)`,
	`number longer than \d+ characters`,
}, "|") + `))$`)

// FuzzValidate checks the validation entry point on any input: it never
// panics, returns nil or an error of exactly one kind, and never echoes a
// value from the payload in its message.
func FuzzValidate(f *testing.F) {
	files := []string{"testdata/weather-observation.schema.json", "testdata/person.schema.json", "testdata/keywords.schema.json"}
	v := mustValidator(f, validate.Config{MaxBytes: 4096, MaxDepth: 32}, files...)
	var schemaText strings.Builder
	for _, file := range files {
		schemaText.Write(readFile(f, file))
	}
	f.Add(readFile(f, "testdata/weather-observation.json"))
	f.Add([]byte(`{"personnummer": "19121212-121X", "district": "Västerås", "age": 1e3, "extra": [1, {"a": null}]}`))
	f.Add([]byte(`{"personnummer": "19121212-1212", "district": "Vallby", "age": 3, "email": "anna@example.se"}`))
	f.Add([]byte("{\"district\": \"\xff\"}"))
	f.Add([]byte(`{"readings": [{"celsius": -70.5}], "source": "x", "station_id": "ab-1"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, id := range v.IDs() {
			err := v.Validate(id, data)
			if err == nil {
				continue
			}
			checkKind(t, err)
			var verr *validate.Error
			if !errors.As(err, &verr) {
				if !badInputMessage.MatchString(err.Error()) {
					t.Fatalf("unexpected message %q", err)
				}
				continue
			}
			for _, val := range payloadValues(data) {
				if !strings.Contains(schemaText.String(), val) && strings.Contains(causeRules(verr), val) {
					t.Fatalf("error %q echoes the payload value %q", err, val)
				}
			}
		}
	})
}

// checkKind fails unless exactly one error kind matches err.
func checkKind(t *testing.T, err error) {
	t.Helper()
	n := 0
	for _, k := range []error{validate.ErrTooLarge, validate.ErrInvalidUTF8, validate.ErrMalformedJSON, validate.ErrTooDeep, validate.ErrInvalid} {
		if errors.Is(err, k) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %q matches %d kinds", err, n)
	}
}

func causeRules(e *validate.Error) string {
	var b strings.Builder
	for _, c := range e.Causes {
		b.WriteString(c.Rule)
		b.WriteByte('\n')
	}
	return b.String()
}

// payloadValues lists the string and number values in data (not the keys)
// of three characters or more.
func payloadValues(data []byte) []string {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var doc any
	if d.Decode(&doc) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if len(v) >= 3 {
				out = append(out, v)
			}
		case json.Number:
			if len(v) >= 3 {
				out = append(out, string(v))
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return out
}
