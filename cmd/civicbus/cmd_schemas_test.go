package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/registry"
)

func TestSchemasList(t *testing.T) {
	t.Parallel()
	out := runCommand(t, "schemas", "list")
	for _, e := range schemas.Events() {
		if !strings.Contains(out, e.Topic) || !strings.Contains(out, e.SchemaID()) || !strings.Contains(out, e.Title) {
			t.Errorf("schemas list lacks %s, its title or its $id:\n%s", e.Topic, out)
		}
	}
	if !strings.Contains(out, "PERSONAL DATA") || !regexpLine(out, "care.alarm.v1", "yes") || !regexpLine(out, "meals.menu.v1", "no") {
		t.Errorf("schemas list does not say which events carry personal data:\n%s", out)
	}

	lines := strings.Split(strings.TrimSpace(runCommand(t, "schemas", "list", "--json")), "\n")
	if len(lines) != len(schemas.Events()) {
		t.Fatalf("schemas list --json: %d lines for %d events", len(lines), len(schemas.Events()))
	}
	var row struct {
		Topic        string `json:"topic"`
		Version      int    `json:"version"`
		PersonalData bool   `json:"personal_data"`
		ID           string `json:"id"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &row); err != nil || row.Topic != "care.alarm.v1" || row.Version != 1 || !row.PersonalData || row.ID == "" {
		t.Errorf("first row %s: %+v, %v", lines[0], row, err)
	}
}

// regexpLine reports whether a line of out has both words.
func regexpLine(out, a, b string) bool {
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, a+" ") && slices.Contains(strings.Fields(line), b) {
			return true
		}
	}
	return false
}

func TestSchemasShow(t *testing.T) {
	t.Parallel()
	e, _ := schemas.Lookup("care.alarm", 1)
	want, err := e.Schema()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"care.alarm.v1", "care.alarm"} {
		if got := runCommand(t, "schemas", "show", name); got != string(want) {
			t.Errorf("schemas show %s is not the committed schema:\n%s", name, got)
		}
	}
	if _, err := runCommandErr(t, "schemas", "show", "care.nothing.v1"); err == nil || !strings.Contains(err.Error(), "civicbus schemas list") {
		t.Errorf("show of an unknown subject: %v", err)
	}

	url, reg := testRegistry(t)
	added := withProperty(t, want, "added_later")
	if _, err := reg.Register(context.Background(), e.Topic, added); err != nil {
		t.Fatal(err)
	}
	got := runCommand(t, "schemas", "show", "care.alarm", "--registry", url)
	if !strings.Contains(got, "\n  \"properties\": {\n    \"added_later\": {") || canonicalOf(t, []byte(got)) != canonicalOf(t, added) {
		t.Errorf("schemas show --registry is not the registry's latest, indented:\n%s", got)
	}
	if _, err := runCommandErr(t, "schemas", "show", "unknown.v1", "--registry", url); err == nil || !strings.Contains(err.Error(), "40401") {
		t.Errorf("show --registry of an unknown subject: %v", err)
	}
}

// An observation that matches roads.weather-observation.v1, and two that
// do not.
const (
	goodObservation = `{"station_id": "124290", "observed_at": "2006-04-02T06:00:00Z", "air_temperature_c": -3.1}`
	coldObservation = `{"station_id": "124290", "observed_at": "2006-04-02T06:00:00Z", "air_temperature_c": -70}`
	brokenJSON      = `{"station_id": "124290", "observed_at" "2006-04-02T06:00:00Z"}`
)

func TestSchemasCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", "{\n  \"station_id\": \"124290\",\n  \"observed_at\": \"2006-04-02T06:00:00Z\"\n}\n")
	if out := runCommand(t, "schemas", "check", good, "--subject", "roads.weather-observation"); !strings.Contains(out, "ok: "+good+" matches roads.weather-observation.v1") {
		t.Errorf("a good event: %s", out)
	}

	for _, tc := range []struct {
		name, content string
		want          []string // lines of stdout
		err           string
	}{
		{"cold.json", coldObservation, []string{"cold.json: /air_temperature_c: must be >= -60"}, "does not match roads.weather-observation.v1"},
		{"missing.json", `{"observed_at": "2006-04-02T06:00:00Z"}`, []string{"missing.json: /station_id: required property missing"}, "does not match"},
		{"broken.json", "{\n  \"station_id\": \"1\",\n  \"observed_at\" 5\n}", []string{"broken.json:3:17: not valid JSON at byte 39: expected ':' after object key"}, "does not match"},
		{"lines.ndjson", goodObservation + "\n" + coldObservation + "\r\n\n" + brokenJSON + "\n" + goodObservation + "\n",
			[]string{"lines.ndjson:2: /air_temperature_c: must be >= -60", "lines.ndjson:4:40: not valid JSON at byte 39"},
			"2 of 4 events in " + filepath.Join(dir, "lines.ndjson") + " do not match"},
	} {
		out, err := runCommandErr(t, "schemas", "check", write(tc.name, tc.content), "--subject", "roads.weather-observation.v1")
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
		}
		for _, want := range tc.want {
			if !strings.Contains(out, filepath.Join(dir, want)) {
				t.Errorf("%s: output lacks %q:\n%s", tc.name, want, out)
			}
		}
	}

	lines := write("all-good.ndjson", goodObservation+"\n"+goodObservation+"\n")
	if out := runCommand(t, "schemas", "check", "--subject", "roads.weather-observation.v1", lines); !strings.Contains(out, "ok: all 2 events in") {
		t.Errorf("good NDJSON: %s", out)
	}
	for _, args := range [][]string{
		{"schemas", "check", good},
		{"schemas", "check", "--subject", "roads.weather-observation"},
		{"schemas", "check", good, "extra", "--subject", "roads.weather-observation"},
	} {
		var usage usageError
		if _, err := runCommandErr(t, args...); !errors.As(err, &usage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	if _, err := runCommandErr(t, "schemas", "check", good, "--subject", "roads.nothing"); err == nil || !strings.Contains(err.Error(), "no topic or event in the catalog") {
		t.Errorf("unknown subject: %v", err)
	}
	if _, err := runCommandErr(t, "schemas", "check", filepath.Join(dir, "absent.json"), "--subject", "roads.weather-observation"); err == nil {
		t.Error("a missing file: no error")
	}
}

// TestSchemasCheckStdin is not parallel: it replaces schemasStdin.
func TestSchemasCheckStdin(t *testing.T) {
	old := schemasStdin
	defer func() { schemasStdin = old }()
	schemasStdin = strings.NewReader(coldObservation)
	out, err := runCommandErr(t, "schemas", "check", "-", "--subject", "roads.weather-observation")
	if err == nil || !strings.Contains(out, "<stdin>: /air_temperature_c: must be >= -60") {
		t.Errorf("stdin: %v\n%s", err, out)
	}
}

func TestSchemasDiff(t *testing.T) {
	t.Parallel()
	url, reg := testRegistry(t)
	committed := catalogSchemas(t)
	// care.alarm.v1: the registry's version requires less than the
	// committed one, which therefore breaks BACKWARD.
	register(t, reg, "care.alarm.v1", withoutRequired(t, committed["care.alarm.v1"], "status"))
	// school.enrolment.v1: the committed schema adds an optional field.
	register(t, reg, "school.enrolment.v1", withoutProperty(t, committed["school.enrolment.v1"], "age"))
	// roads.fault-report.v1: the registry is a version ahead.
	register(t, reg, "roads.fault-report.v1", committed["roads.fault-report.v1"])
	register(t, reg, "roads.fault-report.v1", withProperty(t, committed["roads.fault-report.v1"], "added_later"))
	register(t, reg, "legacy.thing.v1", []byte(`{"type": "object"}`))
	for topic, data := range committed {
		if !slices.Contains([]string{"care.alarm.v1", "school.enrolment.v1", "roads.fault-report.v1", "school.unit.v1"}, topic) {
			register(t, reg, topic, data)
		}
	}

	out, err := runCommandErr(t, "schemas", "diff", "--registry", url)
	n := len(schemas.Events())
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("1 of %d subjects incompatible", n)) {
		t.Errorf("diff: err = %v, want one incompatible subject", err)
	}
	for _, want := range []string{
		"care.alarm.v1                    INCOMPATIBLE under BACKWARD:\n",
		"    - backward, against version 1: field `status` became required\n",
		"school.enrolment.v1              compatible change under BACKWARD: would be version 2\n",
		"roads.fault-report.v1            behind the registry: this schema is its version 1, the latest is 2\n",
		"school.unit.v1                   new subject\n",
		"population.births.v1             unchanged (version 1)\n",
		"in the registry only (not in this catalog): legacy.thing.v1\n",
		fmt.Sprintf("%d subjects against %s: %d unchanged, 1 compatible, 1 new, 1 behind, 1 incompatible\n", n, url, n-4),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff output lacks %q:\n%s", want, out)
		}
	}
}

// TestSchemasDiffModes: the subject's own mode decides, and a _TRANSITIVE
// one checks every version.
func TestSchemasDiffModes(t *testing.T) {
	t.Parallel()
	url, reg := testRegistry(t)
	committed := catalogSchemas(t)
	const topic = "meals.food-waste.v1"
	for subject, data := range committed {
		if subject != topic {
			register(t, reg, subject, data)
		}
	}
	// Version 1 lets total_waste_kg out, which the committed schema
	// requires; version 2 requires it and has a field more.
	setMode(t, reg, topic, registry.None)
	register(t, reg, topic, withoutRequired(t, committed[topic], "total_waste_kg"))
	register(t, reg, topic, withProperty(t, committed[topic], "added_later"))
	for _, tc := range []struct {
		mode registry.Mode
		want string
	}{
		{registry.Backward, "compatible change under BACKWARD: would be version 3\n"},
		{registry.BackwardTransitive, "INCOMPATIBLE under BACKWARD_TRANSITIVE:\n" +
			strings.Repeat(" ", len("population.population-by-age.v1")+4) + "- backward, against version 1: field `total_waste_kg` became required\n"},
		{registry.None, "compatible change under NONE: would be version 3\n"},
	} {
		setMode(t, reg, topic, tc.mode)
		out, err := runCommandErr(t, "schemas", "diff", "--registry", url+"/")
		if !strings.Contains(out, topic+"              "+tc.want) {
			t.Errorf("%s: diff output lacks %q:\n%s", tc.mode, tc.want, out)
		}
		if incompatible := strings.Contains(tc.want, "INCOMPATIBLE"); incompatible != (err != nil) {
			t.Errorf("%s: err = %v", tc.mode, err)
		}
	}
}

func catalogSchemas(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, e := range schemas.Events() {
		data, err := e.Schema()
		if err != nil {
			t.Fatal(err)
		}
		out[e.Topic] = data
	}
	return out
}

func register(t *testing.T, reg *registry.Registry, subject string, schema []byte) {
	t.Helper()
	if _, err := reg.Register(context.Background(), subject, schema); err != nil {
		t.Fatal(err)
	}
}

func setMode(t *testing.T, reg *registry.Registry, subject string, mode registry.Mode) {
	t.Helper()
	if err := reg.SetMode(context.Background(), subject, mode); err != nil {
		t.Fatal(err)
	}
}

func TestSchemasDiffUnreachable(t *testing.T) {
	t.Parallel()
	_, err := runCommandErr(t, "schemas", "diff", "--registry", "http://"+closedPort(t)+"/registry")
	if err == nil || !strings.Contains(err.Error(), "does not answer") {
		t.Errorf("diff against nothing: %v", err)
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	if _, err := runCommandErr(t, "schemas", "diff", "--registry", srv.URL); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("diff against a server that is no registry: %v", err)
	}
}

func TestSchemasUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"schemas"}, {"schemas", "frob"}, {"schemas", "show"}, {"schemas", "list", "extra"}, {"schemas", "diff", "x"}} {
		var usage usageError
		if _, err := runCommandErr(t, args...); !errors.As(err, &usage) {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
	if out := runCommand(t, "help", "schemas"); !strings.Contains(out, "civicbus schemas check <file.json | -> --subject") {
		t.Errorf("help schemas: %s", out)
	}
	if out := runCommand(t, "help"); !strings.Contains(out, "civicbus schemas diff") {
		t.Errorf("help lacks schemas: %s", out)
	}
}

// testRegistry serves a registry backed by SQLite in a temporary directory
// at <url>/registry, as the service mounts it, and returns that URL.
func testRegistry(t *testing.T) (string, *registry.Registry) {
	t.Helper()
	store, err := registry.Open(context.Background(), filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	reg := registry.New(store)
	mux := http.NewServeMux()
	mux.Handle("/registry/", http.StripPrefix("/registry", registry.NewHandler(reg, registry.HandlerConfig{})))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() { srv.Close(); store.Close() })
	return srv.URL + "/registry", reg
}

// editSchema decodes a schema, changes it and encodes it again.
func editSchema(t *testing.T, schema []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(schema, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func withProperty(t *testing.T, schema []byte, name string) []byte {
	return editSchema(t, schema, func(m map[string]any) {
		m["properties"].(map[string]any)[name] = map[string]any{"type": "string", "description": "added later"}
	})
}

func withoutProperty(t *testing.T, schema []byte, name string) []byte {
	return editSchema(t, schema, func(m map[string]any) {
		props := m["properties"].(map[string]any)
		if _, ok := props[name]; !ok {
			t.Fatalf("the schema has no property %s", name)
		}
		delete(props, name)
	})
}

func withoutRequired(t *testing.T, schema []byte, name string) []byte {
	return editSchema(t, schema, func(m map[string]any) {
		req := m["required"].([]any)
		if !slices.Contains(req, any(name)) {
			t.Fatalf("the schema does not require %s", name)
		}
		m["required"] = slices.DeleteFunc(req, func(v any) bool { return v == name })
	})
}

func canonicalOf(t *testing.T, schema []byte) string {
	t.Helper()
	s, err := registry.Parse(schema)
	if err != nil {
		t.Fatal(err)
	}
	return s.Canonical()
}
