package registry

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
)

// FuzzRegisterHandler sends any body to the POST and PUT routes, for any
// subject: the handler never panics, never answers 5xx, and always answers
// JSON, in Confluent's error shape for an error.
func FuzzRegisterHandler(f *testing.F) {
	store, err := Open(f.Context(), filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })
	reg := New(store)
	if _, err := reg.Register(f.Context(), "care.alarm.v1", []byte(alarmV1)); err != nil {
		f.Fatal(err)
	}
	h := NewHandler(reg, HandlerConfig{AdminToken: testToken, MaxBodyBytes: 8 << 10})
	seeds := []string{
		`{"schema": "{\"type\": \"object\"}"}`,
		`{"schema": ` + jsonString(alarmV2) + `, "schemaType": "JSON"}`,
		`{"schema": ` + jsonString(alarmBad) + `}`,
		`{"schema": "{\"$ref\": \"#/$defs/a\", \"$defs\": {\"a\": {\"$ref\": \"#/$defs/a\"}}}"}`,
		`{"schema": "{\"type\": 5}"}`, `{"schema": "true"}`, `{"schema": 5}`, `{"schemaType": "AVRO"}`,
		`{"compatibility": "full"}`, `[]`, `null`, `{`, ``, "\xff",
	}
	for i, s := range seeds {
		f.Add(uint8(i), "care.alarm.v1", []byte(s))
	}
	routes := []struct{ method, path string }{
		{"POST", "/subjects/%s/versions"},
		{"POST", "/subjects/%s"},
		{"POST", "/compatibility/subjects/%s/versions/latest"},
		{"POST", "/compatibility/subjects/%s/versions/1"},
		{"POST", "/compatibility/subjects/%s/versions"},
		{"PUT", "/config/%s"},
	}
	f.Fuzz(func(t *testing.T, route uint8, subject string, body []byte) {
		rt := routes[int(route)%len(routes)]
		target := "/" + rt.path[1:]
		target = replaceSubject(target, url.PathEscape(subject))
		req, err := http.NewRequestWithContext(t.Context(), rt.method, "http://registry.test"+target, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+testToken)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s: status %d: %s", rt.method, target, rec.Code, rec.Body)
		}
		var out any
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %q", rt.method, target, rec.Body)
		}
		if rec.Code >= 400 {
			m, ok := out.(map[string]any)
			if _, hasCode := m["error_code"].(float64); !ok || !hasCode {
				t.Fatalf("%s %s: error without error_code: %s", rt.method, target, rec.Body)
			}
		}
	})
}

func replaceSubject(pattern, subject string) string {
	return string(bytes.Replace([]byte(pattern), []byte("%s"), []byte(subject), 1))
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
