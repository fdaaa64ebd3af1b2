package validate_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/vasteras/civicbus/schemas/validate"
)

// mustValidator returns a Validator with the schema files added under their
// own $id.
func mustValidator(tb testing.TB, cfg validate.Config, schemaFiles ...string) *validate.Validator {
	tb.Helper()
	v, err := validate.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range schemaFiles {
		if err := v.Add("", readFile(tb, f)); err != nil {
			tb.Fatal(err)
		}
	}
	return v
}

// mutate decodes a JSON object, lets change alter it, and encodes it again.
func mutate(tb testing.TB, data []byte, change func(map[string]any)) []byte {
	tb.Helper()
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		tb.Fatal(err)
	}
	change(m)
	out, err := json.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
