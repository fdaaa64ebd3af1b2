package schemas

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// checkInstance is a small, deliberately partial JSON Schema check used only
// to keep the examples honest against the generated schemas: type,
// required, enum, pattern, format, string length, numeric bounds and array
// size, through properties, items and local $refs. The real validator is
// package validate; this test must not depend on it.
func checkInstance(root, schema map[string]any, v any, at string) []string {
	if ref, ok := schema["$ref"].(string); ok {
		def, ok := resolve(root, strings.TrimPrefix(ref, "#"))
		if !ok {
			return []string{at + ": unresolved $ref " + ref}
		}
		return checkInstance(root, def.(map[string]any), v, at)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if typ, ok := schema["type"].(string); ok && !hasType(v, typ) {
		fail("want %s, got %T", typ, v)
		return errs
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, v) {
		fail("%v is not one of %v", v, enum)
	}
	switch v := v.(type) {
	case string:
		if p, ok := schema["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v) {
			fail("%q does not match %s", v, p)
		}
		if f, ok := schema["format"].(string); ok && !hasFormat(v, f) {
			fail("%q is not a valid %s", v, f)
		}
		if n, ok := schema["maxLength"].(float64); ok && float64(utf8.RuneCountInString(v)) > n {
			fail("longer than %v", n)
		}
		if n, ok := schema["minLength"].(float64); ok && float64(utf8.RuneCountInString(v)) < n {
			fail("shorter than %v", n)
		}
	case float64:
		if n, ok := schema["minimum"].(float64); ok && v < n {
			fail("%v must be >= %v", v, n)
		}
		if n, ok := schema["maximum"].(float64); ok && v > n {
			fail("%v must be <= %v", v, n)
		}
		if n, ok := schema["exclusiveMinimum"].(float64); ok && v <= n {
			fail("%v must be > %v", v, n)
		}
	case []any:
		if n, ok := schema["minItems"].(float64); ok && float64(len(v)) < n {
			fail("fewer than %v items", n)
		}
		if n, ok := schema["maxItems"].(float64); ok && float64(len(v)) > n {
			fail("more than %v items", n)
		}
		if items, ok := schema["items"].(map[string]any); ok {
			for i, item := range v {
				errs = append(errs, checkInstance(root, items, item, fmt.Sprintf("%s/%d", at, i))...)
			}
		}
	case map[string]any:
		required, _ := schema["required"].([]any)
		for _, r := range required {
			if _, ok := v[r.(string)]; !ok {
				fail("required property %q is missing", r)
			}
		}
		props, _ := schema["properties"].(map[string]any)
		for name, val := range v {
			if p, ok := props[name].(map[string]any); ok {
				errs = append(errs, checkInstance(root, p, val, at+"/"+name)...)
			}
		}
	}
	return errs
}

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	}
	return reflect.ValueOf(v).IsValid()
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func hasFormat(v, format string) bool {
	switch format {
	case "date":
		_, err := time.Parse(time.DateOnly, v)
		return err == nil
	case "date-time":
		_, err := time.Parse(time.RFC3339, v)
		return err == nil
	case "uuid":
		return uuidRE.MatchString(v)
	case "email":
		_, err := mail.ParseAddress(v)
		return err == nil
	case "uri":
		u, err := url.Parse(v)
		return err == nil && u.Scheme != ""
	}
	return true
}

func decodeSchemaJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// resolve resolves a local JSON pointer (no escapes) such as /$defs/Position.
func resolve(v any, ptr string) (any, bool) {
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
