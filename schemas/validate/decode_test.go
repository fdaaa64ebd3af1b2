package validate

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`null`, nil},
		{` true `, true},
		{`"a\"b\\c\/d\b\f\n\r\t\u00e5\ud83d\ude00"`, "a\"b\\c/d\b\f\n\r\tå😀"},
		{`"\ud83d"`, "\uFFFD"}, // a lone surrogate, as encoding/json does
		{`-0.5e+3`, json.Number("-0.5e+3")},
		{`123456789012345678901234567890`, json.Number("123456789012345678901234567890")},
		{`{"a": [1, {"b": null}], "c": {}}`, map[string]any{"a": []any{json.Number("1"), map[string]any{"b": nil}}, "c": map[string]any{}}},
		{`[]`, []any{}},
	}
	for _, tt := range tests {
		got, err := decodeJSON([]byte(tt.in), 10)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("decode %s = %#v, %v; want %#v", tt.in, got, err, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int64
		reason string
	}{
		{`{"a" 1}`, 5, "expected ':' after object key"},
		{`{"a": 1,}`, 8, "expected a string as object key"},
		{`[1 2]`, 3, "expected ',' or ']' in array"},
		{`"abc`, 4, "unexpected end of input in string"},
		{"\"a\tb\"", 2, "control character in string"},
		{`"\x"`, 1, "invalid escape sequence in string"},
		{`"\u12"`, 1, "invalid escape sequence in string"},
		{`01`, 1, "unexpected data after the top-level value"},
		{`1.`, 2, "invalid number, expected a digit after '.'"},
		{`1e`, 2, "invalid number, expected a digit in the exponent"},
		{`-`, 1, "invalid number"},
		{`tru`, 0, "invalid literal, expected true, false or null"},
		{`{"a": 1, "a": 2}`, 9, "duplicate object key"},
		{`1e401`, 0, "number exponent out of range (at most 1e±400)"},
		{strings.Repeat("1", 101), 0, "number longer than 100 characters"},
		{`[[[`, 2, "nested deeper than 2 levels"},
		{`@`, 0, "unexpected character, expected a value"},
	}
	for _, tt := range tests {
		_, err := decodeJSON([]byte(tt.in), 2)
		var serr *SyntaxError
		if !errors.As(err, &serr) || serr.Offset != tt.offset || serr.Reason != tt.reason {
			t.Errorf("decode %q: got %v, want byte %d: %s", tt.in, err, tt.offset, tt.reason)
		}
	}
}

// FuzzDecode holds decodeJSON to encoding/json: it accepts what that
// accepts (but for duplicate keys and the number limits) with the same
// values, and rejects what that rejects. The streaming parser must accept no
// more than decodeJSON.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a": [1, 2.5e-3, "x\u00e5"], "b": {"c": null}}`, `[true, false]`, `"\ud800\udc00"`, `-0`, `{"a":1,"a":2}`, `[[[[]]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			return
		}
		got, err := decodeJSON(data, 64)
		streamed := streamCheck(data, anyNode, 64)
		if streamed == valid && err != nil {
			t.Fatalf("streaming accepted what decodeJSON rejects: %v", err)
		}
		if err == nil && streamed != valid && len(data) < 300 {
			t.Fatalf("streaming rejected what decodeJSON accepts")
		}
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		var want any
		stdErr := d.Decode(&want)
		if stdErr == nil {
			if _, tokErr := d.Token(); tokErr == nil || tokErr.Error() != "EOF" {
				stdErr = errors.New("trailing data")
			}
		}
		if err == nil {
			if stdErr != nil {
				t.Fatalf("accepted what encoding/json rejects (%v)", stdErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %#v, encoding/json %#v", got, want)
			}
			return
		}
		var serr *SyntaxError
		if !errors.As(err, &serr) {
			t.Fatalf("error %v is not a *SyntaxError", err)
		}
		lenient := serr.Reason == "duplicate object key" || strings.HasPrefix(serr.Reason, "number") || serr.tooDeep
		if stdErr == nil && !lenient {
			t.Fatalf("rejected what encoding/json accepts: %v", err)
		}
	})
}
