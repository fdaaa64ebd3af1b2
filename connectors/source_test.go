package connectors_test

import (
	"encoding/json"
	"regexp"
	"testing"

	"github.com/vasteras/civicbus/connectors"
)

// jsonFieldsError is every error JSONFields may give: fixed words and a
// byte offset, never a piece of the input.
var jsonFieldsError = regexp.MustCompile(`^json: (not valid JSON at byte \d+|not valid JSON \(truncated or empty\)|(null|a string|a boolean|a number|an array), not a JSON object|more than one JSON value)$`)

func FuzzJSONFields(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":2.5,"c":"x","d":[1,{"e":null}]}`, `{"n":12345678901234567890}`, `[1]`, `"personnummer"`, `{"a":1} {"b":2}`, `{"a":`, ``, `nul`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fields, err := connectors.JSONFields(raw)
		if err != nil {
			if !jsonFieldsError.MatchString(err.Error()) {
				t.Fatalf("error %q is not one of the fixed messages", err)
			}
			return
		}
		if fields == nil {
			t.Fatal("no error and no fields")
		}
		if _, err := json.Marshal(fields); err != nil {
			t.Fatalf("fields do not marshal: %v", err)
		}
	})
}

func TestJSONFieldsNumbers(t *testing.T) {
	fields, err := connectors.JSONFields([]byte(`{"i":42,"f":2.5,"big":12345678901234567890,"nested":{"j":7}}`))
	if err != nil {
		t.Fatal(err)
	}
	if fields["i"] != int64(42) || fields["f"] != 2.5 || fields["big"] != 1.2345678901234567e19 || fields["nested"].(map[string]any)["j"] != int64(7) {
		t.Errorf("fields %#v", fields)
	}
}
