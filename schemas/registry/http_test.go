package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

const testToken = "s3cret-admin-token"

// server is a registry on a store behind a real HTTP server, mounted under
// /registry/ as the service mounts it.
type server struct {
	t   *testing.T
	url string
	reg *Registry
}

func newServer(t *testing.T, dsn, token string) *server {
	t.Helper()
	reg := New(openStore(t, dsn))
	mux := http.NewServeMux()
	mux.Handle("/registry/", http.StripPrefix("/registry", NewHandler(reg, HandlerConfig{AdminToken: token, MaxBodyBytes: 64 << 10})))
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return &server{t: t, url: ts.URL + "/registry", reg: reg}
}

func sqliteServer(t *testing.T, token string) *server {
	return newServer(t, filepath.Join(t.TempDir(), "registry.db"), token)
}

// do sends a request and decodes the JSON answer into a generic value.
func (s *server) do(method, path, token string, body any) (int, any) {
	s.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ContentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != ContentType {
		s.t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	data, _ := io.ReadAll(resp.Body)
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		out = string(data) // the raw schema routes
	}
	return resp.StatusCode, out
}

// expect checks the status and, for an error, the Confluent error code and
// a part of the message.
func (s *server) expect(method, path, token string, body any, status int, code int, msgPart string) any {
	s.t.Helper()
	got, out := s.do(method, path, token, body)
	if got != status {
		s.t.Fatalf("%s %s: status %d, want %d: %v", method, path, got, status, out)
	}
	if code == 0 {
		return out
	}
	m, _ := out.(map[string]any)
	if m["error_code"] != float64(code) || !strings.Contains(m["message"].(string), msgPart) {
		s.t.Fatalf("%s %s: got %v, want error_code %d and a message with %q", method, path, out, code, msgPart)
	}
	return out
}

func schemaBody(schema string) map[string]any {
	return map[string]any{"schema": schema, "schemaType": "JSON"}
}

const (
	alarmV1 = `{"type": "object", "properties": {"alarm_id": {"type": "string"}, "kind": {"type": "string", "enum": ["fall", "door"]}}, "required": ["alarm_id"]}`
	// alarmV2 adds an optional field: compatible.
	alarmV2 = `{"type": "object", "properties": {"alarm_id": {"type": "string"}, "kind": {"type": "string", "enum": ["fall", "door"]}, "note": {"type": "string"}}, "required": ["alarm_id"]}`
	// alarmBad requires a new field and drops an enum value: incompatible.
	alarmBad = `{"type": "object", "properties": {"alarm_id": {"type": "string"}, "kind": {"type": "string", "enum": ["fall"]}, "unit_id": {"type": "string"}}, "required": ["alarm_id", "unit_id"]}`
)

func TestHTTPRegisterAndRead(t *testing.T) {
	s := sqliteServer(t, testToken)
	const subj = "/subjects/care.alarm.v1"
	s.expect("GET", "/subjects", "", nil, 200, 0, "")
	got := s.expect("POST", subj+"/versions", testToken, schemaBody(alarmV1), 200, 0, "")
	if got.(map[string]any)["id"] != float64(1) {
		t.Fatalf("register: %v", got)
	}
	// Idempotent, whatever the layout.
	compact := strings.ReplaceAll(alarmV1, " ", "")
	if got := s.expect("POST", subj+"/versions", testToken, schemaBody(compact), 200, 0, ""); got.(map[string]any)["id"] != float64(1) {
		t.Fatalf("register again: %v", got)
	}
	s.expect("POST", subj+"/versions", testToken, schemaBody(alarmV2), 200, 0, "")
	if got := s.expect("GET", "/subjects", "", nil, 200, 0, ""); !equalJSON(got, `["care.alarm.v1"]`) {
		t.Fatalf("subjects: %v", got)
	}
	if got := s.expect("GET", "/", "", nil, 200, 0, ""); !equalJSON(got, `{}`) {
		t.Fatalf("subjects: %v", got)
	}
	if got := s.expect("GET", subj+"/versions", "", nil, 200, 0, ""); !equalJSON(got, `[1, 2]`) {
		t.Fatalf("versions: %v", got)
	}
	v1 := s.expect("GET", subj+"/versions/1", "", nil, 200, 0, "").(map[string]any)
	if v1["subject"] != "care.alarm.v1" || v1["version"] != float64(1) || v1["id"] != float64(1) || v1["schemaType"] != "JSON" {
		t.Fatalf("version 1: %v", v1)
	}
	if parsed, err := Parse([]byte(v1["schema"].(string))); err != nil || parsed.Canonical() != mustParse(t, alarmV1).Canonical() {
		t.Fatalf("version 1 schema: %v", v1["schema"])
	}
	if latest := s.expect("GET", subj+"/versions/latest", "", nil, 200, 0, "").(map[string]any); latest["version"] != float64(2) {
		t.Fatalf("latest: %v", latest)
	}
	if raw := s.expect("GET", subj+"/versions/1/schema", "", nil, 200, 0, ""); !equalJSON(raw, v1["schema"].(string)) {
		t.Fatalf("raw schema: %v", raw)
	}
	byID := s.expect("GET", "/schemas/ids/2", "", nil, 200, 0, "").(map[string]any)
	if byID["schemaType"] != "JSON" || byID["schema"] != mustParse(t, alarmV2).Canonical() {
		t.Fatalf("schema 2: %v", byID)
	}
	// The same schema under another subject keeps its global id.
	if got := s.expect("POST", "/subjects/other/versions", testToken, schemaBody(alarmV2), 200, 0, ""); got.(map[string]any)["id"] != float64(2) {
		t.Fatalf("global id: %v", got)
	}
	// A subject with a slash travels escaped.
	s.expect("POST", "/subjects/team%2Falarm/versions", testToken, schemaBody(alarmV1), 200, 0, "")
	if got := s.expect("GET", "/subjects/team%2Falarm/versions/1", "", nil, 200, 0, ""); got.(map[string]any)["subject"] != "team/alarm" {
		t.Fatalf("escaped subject: %v", got)
	}
	found := s.expect("POST", subj, "", schemaBody(alarmV1), 200, 0, "").(map[string]any)
	if found["version"] != float64(1) || found["id"] != float64(1) {
		t.Fatalf("lookup: %v", found)
	}
}

func TestHTTPErrors(t *testing.T) {
	s := sqliteServer(t, testToken)
	const subj = "/subjects/care.alarm.v1"
	s.expect("POST", subj+"/versions", testToken, schemaBody(alarmV1), 200, 0, "")
	tests := []struct {
		name, method, path string
		body               any
		status, code       int
		msg                string
	}{
		{"subject not found", "GET", "/subjects/nope/versions", nil, 404, 40401, "Subject 'nope' not found."},
		{"version not found", "GET", subj + "/versions/7", nil, 404, 40402, "Version '7' not found."},
		{"invalid version", "GET", subj + "/versions/first", nil, 422, 42202, "is not a valid version id"},
		{"version zero", "GET", subj + "/versions/0", nil, 422, 42202, "not a valid version id"},
		{"schema id not found", "GET", "/schemas/ids/99", nil, 404, 40403, "Schema not found"},
		{"schema id not a number", "GET", "/schemas/ids/x", nil, 404, 40403, "Schema not found"},
		{"lookup, unknown schema", "POST", subj, schemaBody(alarmV2), 404, 40403, "Schema not found"},
		{"lookup, unknown subject", "POST", "/subjects/nope", schemaBody(alarmV1), 404, 40401, "Subject 'nope' not found."},
		{"incompatible", "POST", subj + "/versions", schemaBody(alarmBad), 409, 409, "backward, against version 1: required field `unit_id` added"},
		{"incompatible, enum", "POST", subj + "/versions", schemaBody(alarmBad), 409, 409, "enum value `door` removed from `/properties/kind`"},
		{"invalid schema", "POST", subj + "/versions", schemaBody(`{"type": 5}`), 422, 42201, "Invalid schema"},
		{"schema not JSON", "POST", subj + "/versions", schemaBody(`{"type": `), 422, 42201, "Invalid schema"},
		{"empty schema", "POST", subj + "/versions", map[string]any{"schemaType": "JSON"}, 422, 42201, "empty schema"},
		{"AVRO", "POST", subj + "/versions", map[string]any{"schema": `"string"`, "schemaType": "AVRO"}, 422, 42201, "JSON Schema only"},
		{"references", "POST", subj + "/versions", map[string]any{"schema": alarmV1, "references": []any{map[string]any{"name": "x"}}}, 422, 42201, "references are not supported"},
		{"body not JSON", "POST", subj + "/versions", `{"schema": `, 400, 400, "not the JSON expected"},
		{"body too large", "POST", subj + "/versions", schemaBody(`{"description": "` + strings.Repeat("x", 70<<10) + `"}`), 413, 413, "larger than"},
		{"invalid level", "PUT", "/config", map[string]any{"compatibility": "SIDEWAYS"}, 422, 42203, "Invalid compatibility level"},
		{"invalid subject", "PUT", "/config/a%01b", map[string]any{"compatibility": "FULL"}, 422, 42208, "Invalid subject"},
		{"compat, subject not found", "POST", "/compatibility/subjects/nope/versions/latest", schemaBody(alarmV1), 404, 40401, "not found"},
		{"compat, version not found", "POST", "/compatibility/subjects/care.alarm.v1/versions/3", schemaBody(alarmV1), 404, 40402, "not found"},
		{"compat, invalid version", "POST", "/compatibility/subjects/care.alarm.v1/versions/x", schemaBody(alarmV1), 422, 42202, "not a valid version"},
		{"unknown route", "GET", "/nothing/here", nil, 404, 404, "HTTP 404 Not Found"},
		{"wrong method", "DELETE", subj + "/versions", nil, 405, 405, "HTTP 405 Method Not Allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.t = t
			s.expect(tt.method, tt.path, testToken, tt.body, tt.status, tt.code, tt.msg)
		})
	}
}

// TestHTTPUncleanPath checks that the handler answers a path the mux would
// redirect (losing the /registry prefix) with a 404 of its own. (Through a
// server, the outer mux redirects first.)
func TestHTTPUncleanPath(t *testing.T) {
	h := NewHandler(newRegistry(t), HandlerConfig{AdminToken: testToken})
	for _, p := range []string{"/subjects//versions", "/subjects/a/../b/versions", "/config/."} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != 404 || !strings.Contains(rec.Body.String(), `"error_code":404`) {
			t.Errorf("%s: %d %s", p, rec.Code, rec.Body)
		}
	}
}

func TestHTTPAuth(t *testing.T) {
	s := sqliteServer(t, testToken)
	write := []struct{ method, path string }{{"POST", "/subjects/a/versions"}, {"PUT", "/config"}, {"PUT", "/config/a"}}
	body := map[string]any{"schema": alarmV1, "compatibility": "FULL"}
	for _, w := range write {
		s.expect(w.method, w.path, "", body, 401, 40101, "admin token")
		s.expect(w.method, w.path, "wrong", body, 401, 40101, "admin token")
		s.expect(w.method, w.path, testToken, body, 200, 0, "")
	}
	// Reads need no token.
	s.expect("GET", "/subjects/a/versions", "", nil, 200, 0, "")
	s.expect("POST", "/compatibility/subjects/a/versions/latest", "", schemaBody(alarmV1), 200, 0, "")

	closed := sqliteServer(t, "")
	closed.expect("POST", "/subjects/a/versions", "", schemaBody(alarmV1), 403, 40301, "no admin token")
	closed.expect("POST", "/subjects/a/versions", "anything", schemaBody(alarmV1), 403, 40301, "no admin token")
}

func TestHTTPCompatibilityAndConfig(t *testing.T) {
	s := sqliteServer(t, testToken)
	const subj = "care.alarm.v1"
	if got := s.expect("GET", "/config", "", nil, 200, 0, ""); !equalJSON(got, `{"compatibilityLevel": "BACKWARD"}`) {
		t.Fatalf("default config: %v", got)
	}
	s.expect("POST", "/subjects/"+subj+"/versions", testToken, schemaBody(alarmV1), 200, 0, "")
	got := s.expect("POST", "/compatibility/subjects/"+subj+"/versions/latest", "", schemaBody(alarmV2), 200, 0, "")
	if !equalJSON(got, `{"is_compatible": true, "messages": []}`) {
		t.Fatalf("compatible: %v", got)
	}
	got = s.expect("POST", "/compatibility/subjects/"+subj+"/versions/1", "", schemaBody(alarmBad), 200, 0, "")
	if m := got.(map[string]any); m["is_compatible"] != false || len(m["messages"].([]any)) != 2 {
		t.Fatalf("incompatible: %v", got)
	}
	// FORWARD: adding an enum value breaks, removing one does not.
	if got := s.expect("PUT", "/config/"+subj, testToken, map[string]any{"compatibility": "forward"}, 200, 0, ""); !equalJSON(got, `{"compatibility": "FORWARD"}`) {
		t.Fatalf("put config: %v", got)
	}
	if got := s.expect("GET", "/config/"+subj, "", nil, 200, 0, ""); !equalJSON(got, `{"compatibilityLevel": "FORWARD"}`) {
		t.Fatalf("subject config: %v", got)
	}
	more := strings.Replace(alarmV1, `["fall", "door"]`, `["fall", "door", "smoke"]`, 1)
	s.expect("POST", "/subjects/"+subj+"/versions", testToken, schemaBody(more), 409, 409, "forward, against version 1: enum value `smoke` added to `/properties/kind`")
	// The global level is untouched by the subject's.
	if got := s.expect("GET", "/config", "", nil, 200, 0, ""); !equalJSON(got, `{"compatibilityLevel": "BACKWARD"}`) {
		t.Fatalf("global config: %v", got)
	}
	s.expect("PUT", "/config", testToken, map[string]any{"compatibility": "NONE"}, 200, 0, "")
	if got := s.expect("GET", "/config/other", "", nil, 200, 0, ""); !equalJSON(got, `{"compatibilityLevel": "NONE"}`) {
		t.Fatalf("a subject without its own level takes the global one: %v", got)
	}
}

// TestHTTPTransitive shows BACKWARD accepting what BACKWARD_TRANSITIVE
// refuses: a field dropped in version 2 comes back with another type in
// version 3, which only version 1 shows to be a break.
func TestHTTPTransitive(t *testing.T) {
	w1 := `{"type": "object", "properties": {"a": {"type": "string"}}}`
	w2 := `{"type": "object", "properties": {}}`
	w3 := `{"type": "object", "properties": {"a": {"type": "integer"}}}`
	for _, tt := range []struct {
		mode   string
		status int
	}{{"BACKWARD", 200}, {"BACKWARD_TRANSITIVE", 409}} {
		s := sqliteServer(t, testToken)
		s.expect("PUT", "/config/x", testToken, map[string]any{"compatibility": tt.mode}, 200, 0, "")
		for _, v := range []string{w1, w2} {
			s.expect("POST", "/subjects/x/versions", testToken, schemaBody(v), 200, 0, "")
		}
		out := s.expect("POST", "/subjects/x/versions", testToken, schemaBody(w3), tt.status, 0, "")
		if tt.status == 409 && !strings.Contains(out.(map[string]any)["message"].(string), "against version 1: type of `/properties/a` changed from string to integer") {
			t.Fatalf("%s: %v", tt.mode, out)
		}
	}
}

// TestHTTPOnEveryStore runs the API against each store of the suite.
func TestHTTPOnEveryStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, dsn string) {
		s := newServer(t, dsn, testToken)
		s.expect("POST", "/subjects/care.alarm.v1/versions", testToken, schemaBody(alarmV1), 200, 0, "")
		s.expect("POST", "/subjects/care.alarm.v1/versions", testToken, schemaBody(alarmBad), 409, 409, "required field `unit_id` added")
		s.expect("PUT", "/config/care.alarm.v1", testToken, map[string]any{"compatibility": "FULL"}, 200, 0, "")
		if got := s.expect("GET", "/subjects/care.alarm.v1/versions/latest", "", nil, 200, 0, ""); got.(map[string]any)["version"] != float64(1) {
			t.Fatalf("latest: %v", got)
		}
		if m, err := s.reg.Mode(context.Background(), "care.alarm.v1"); err != nil || m != Full {
			t.Fatalf("mode: %v, %v", m, err)
		}
	})
}

func equalJSON(got any, want string) bool {
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		return false
	}
	if s, ok := got.(string); ok {
		if err := json.Unmarshal([]byte(s), &got); err != nil {
			return false
		}
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(w)
	return bytes.Equal(a, b)
}
