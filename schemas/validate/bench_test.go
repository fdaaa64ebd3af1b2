package validate_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vasteras/civicbus/schemas/validate"
)

const weatherID = "https://civicbus.vasteras.se/schemas/test/weather-observation/v1.json"

// BenchmarkValidate validates a typical event of about 1 KiB: 20 fields, a
// nested object, an array of four objects, uuid and date-time formats, enums
// and limits. The target is 50,000 validations/s on one core; run it with
//
//	go test ./schemas/validate -run '^$' -bench Validate -cpu 1
func BenchmarkValidate(b *testing.B) {
	v := mustValidator(b, validate.Config{}, "testdata/weather-observation.schema.json")
	event := readFile(b, "testdata/weather-observation.json")
	b.SetBytes(int64(len(event)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(weatherID, event); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "validations/s")
}

// BenchmarkValidateParallel is BenchmarkValidate on every core at once, to
// show that validations do not contend.
func BenchmarkValidateParallel(b *testing.B) {
	v := mustValidator(b, validate.Config{}, "testdata/weather-observation.schema.json")
	event := readFile(b, "testdata/weather-observation.json")
	b.SetBytes(int64(len(event)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := v.Validate(weatherID, event); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "validations/s")
}

// BenchmarkValidateInvalid validates an event that breaks two rules, so it
// measures building an *Error too.
func BenchmarkValidateInvalid(b *testing.B) {
	v := mustValidator(b, validate.Config{}, "testdata/weather-observation.schema.json")
	event := mutate(b, readFile(b, "testdata/weather-observation.json"), func(m map[string]any) {
		delete(m, "station_id")
		m["readings"].([]any)[3].(map[string]any)["celsius"] = -70
	})
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(weatherID, event); err == nil {
			b.Fatal("valid")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "validations/s")
}

// BenchmarkBaseline measures what a validation costs without the package's
// decoder and fast path: jsonschema/v6 validating an already decoded event,
// and encoding/json decoding it (the two together are the straightforward
// way, about 120 µs a validation on the machine where BenchmarkValidate
// does about 7 µs).
func BenchmarkBaseline(b *testing.B) {
	event := readFile(b, "testdata/weather-observation.json")
	schemaJSON := readFile(b, "testdata/weather-observation.schema.json")
	b.Run("v6-validate-only", func(b *testing.B) {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		doc, _ := jsonschema.UnmarshalJSON(bytesReader(schemaJSON))
		_ = c.AddResource("urn:x", doc)
		sch := c.MustCompile("urn:x")
		var val any
		d := json.NewDecoder(bytesReader(event))
		d.UseNumber()
		_ = d.Decode(&val)
		b.ReportAllocs()
		for b.Loop() {
			if err := sch.Validate(val); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json-decode-only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var val any
			d := json.NewDecoder(bytesReader(event))
			d.UseNumber()
			if err := d.Decode(&val); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}
