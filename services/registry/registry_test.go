package registry

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/internal/testenv"
	"github.com/vasteras/civicbus/schemas"
	schemaregistry "github.com/vasteras/civicbus/schemas/registry"
)

// stores lists the databases every service test runs on: SQLite (in a
// directory that does not exist yet, which the service creates), and
// PostgreSQL when it is reachable or required.
var stores = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "data", "civicbus.db") }},
	{"postgres", func(t *testing.T) string { return testenv.PostgresDSN(t) }},
}

func forEachStore(t *testing.T, test func(t *testing.T, dsn string)) {
	for _, s := range stores {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			test(t, s.dsn(t))
		})
	}
}

const (
	testToken = "test-admin-token"
	testTopic = "care.alarm.v1"
)

// TestServeSeedEvolveRestart runs the service, reads the seeded catalog
// through HTTP, registers a compatible and a breaking change, and runs the
// service again on the same database.
func TestServeSeedEvolveRestart(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, dsn string) {
		in := startService(t, Config{DB: dsn, AdminToken: testToken})
		checkSeeded(t, in.url)

		added := committed(t, testTopic)
		added["properties"].(map[string]any)["added_later"] = map[string]any{"type": "string", "description": "a field added later"}
		versions := in.url + "/subjects/" + testTopic + "/versions"
		for _, token := range []string{"", "wrong-token"} {
			if status, body := call(t, http.MethodPost, versions, token, map[string]string{"schema": text(t, added)}); status != http.StatusUnauthorized {
				t.Errorf("POST with token %q: %d %s, want 401", token, status, body)
			}
		}
		if status, body := call(t, http.MethodPost, versions, testToken, map[string]string{"schema": text(t, added)}); status != http.StatusOK {
			t.Fatalf("registering an optional field: %d %s", status, body)
		}
		breaking := committed(t, testTopic)
		breaking["properties"] = added["properties"]
		breaking["required"] = append(breaking["required"].([]any), "added_later")
		status, body := call(t, http.MethodPost, versions, testToken, map[string]string{"schema": text(t, breaking)})
		if status != http.StatusConflict || !strings.Contains(body, `"error_code":409`) || !strings.Contains(body, "`added_later` became required") {
			t.Errorf("registering a new required field: %d %s, want 409 naming the break", status, body)
		}
		in.stop(t)

		in = startService(t, Config{DB: dsn, AdminToken: testToken})
		checkSeeded(t, in.url) // no new version from seeding again
		var latest struct {
			Version int
			Schema  string
		}
		getJSON(t, in.url+"/subjects/"+testTopic+"/versions/latest", &latest)
		if latest.Version != 2 || latest.Schema != canonical(t, []byte(text(t, added))) {
			t.Errorf("after the restart the latest of %s is version %d: %s; want 2 with added_later", testTopic, latest.Version, latest.Schema)
		}
	})
}

// checkSeeded checks that the registry has every catalog topic as a subject,
// with the committed schema as its version 1, and no other version but the
// test's one of testTopic.
func checkSeeded(t *testing.T, url string) {
	t.Helper()
	var subjects []string
	getJSON(t, url+"/subjects", &subjects)
	var want []string
	for _, e := range schemas.Events() {
		want = append(want, e.Topic)
	}
	slices.Sort(want)
	if !slices.Equal(subjects, want) {
		t.Errorf("GET /registry/subjects = %v, want the catalog's topics %v", subjects, want)
	}
	for _, e := range schemas.Events() {
		var first struct {
			Subject string
			Version int
			Schema  string
		}
		getJSON(t, url+"/subjects/"+e.Topic+"/versions/1", &first)
		data, err := e.Schema()
		if err != nil {
			t.Fatal(err)
		}
		if first.Subject != e.Topic || first.Schema != canonical(t, data) {
			t.Errorf("%s version 1 is not the committed schema: %+v", e.Topic, first)
		}
		var versions []int
		getJSON(t, url+"/subjects/"+e.Topic+"/versions", &versions)
		if e.Topic != testTopic && len(versions) != 1 {
			t.Errorf("%s has versions %v, want [1]", e.Topic, versions)
		}
	}
}

func canonical(t *testing.T, schema []byte) string {
	t.Helper()
	s, err := schemaregistry.Parse(schema)
	if err != nil {
		t.Fatal(err)
	}
	return s.Canonical()
}

// TestIncompatibleCommittedSchemaStopsStart stores a version of a subject
// that the committed schema breaks: the service must refuse to start, name
// every break, and leave the stored version as it was.
func TestIncompatibleCommittedSchemaStopsStart(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		looser := committed(t, testTopic)
		looser["required"] = slices.DeleteFunc(looser["required"].([]any), func(v any) bool { return v == "status" || v == "kind" })
		if !schemaregistry.IsPostgres(dsn) {
			if err := os.MkdirAll(filepath.Dir(dsn), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		store, err := schemaregistry.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		if _, err := schemaregistry.New(store).Register(ctx, testTopic, []byte(text(t, looser))); err != nil {
			t.Fatal(err)
		}

		err = runErr(t, Config{DB: dsn, AdminToken: testToken})
		msg := err.Error()
		if !errors.Is(err, schemaregistry.ErrIncompatible) {
			t.Errorf("error %v is not ErrIncompatible", err)
		}
		for _, want := range []string{"1 committed schema is incompatible", testTopic + " (compatibility BACKWARD)", "`kind` became required", "`status` became required", "new major version"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error lacks %q:\n%s", want, msg)
			}
		}
		vs, err := schemaregistry.New(store).Versions(ctx, testTopic)
		if err != nil || len(vs) != 1 || vs[0].Schema != canonical(t, []byte(text(t, looser))) {
			t.Errorf("the stored version was changed: %+v, %v", vs, err)
		}
	})
}

// TestWritesRefusedWithoutToken: with no token configured, the registry
// serves reads, refuses writes with 403, and logs that once.
func TestWritesRefusedWithoutToken(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer
	in := startService(t, Config{DB: filepath.Join(t.TempDir(), "civicbus.db"), Logger: slog.New(slog.NewTextHandler(&log, nil))})
	schema := text(t, committed(t, testTopic))
	for range 2 {
		status, body := call(t, http.MethodPost, in.url+"/subjects/"+testTopic+"/versions", testToken, map[string]string{"schema": schema})
		if status != http.StatusForbidden || !strings.Contains(body, "40301") {
			t.Errorf("POST without a configured token: %d %s, want 403", status, body)
		}
	}
	if status, body := call(t, http.MethodPut, in.url+"/config", "", map[string]string{"compatibility": "NONE"}); status != http.StatusForbidden {
		t.Errorf("PUT /config without a configured token: %d %s, want 403", status, body)
	}
	in.stop(t)
	if n := strings.Count(log.String(), "writes are disabled"); n != 1 {
		t.Errorf("logged %d times that writes are disabled, want once:\n%s", n, log.String())
	}
}

// TestTokenFromFile reads the token from a mounted secret, trimming the
// newline that editors and `echo` leave.
func TestTokenFromFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("  from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := startService(t, Config{DB: filepath.Join(t.TempDir(), "civicbus.db"), AdminTokenFile: file})
	url := in.url + "/config/" + testTopic
	if status, body := call(t, http.MethodPut, url, "from-a-file", map[string]string{"compatibility": "FULL"}); status != http.StatusOK {
		t.Errorf("PUT with the file's token: %d %s", status, body)
	}
	var cfg struct{ CompatibilityLevel string }
	getJSON(t, url, &cfg)
	if cfg.CompatibilityLevel != "FULL" {
		t.Errorf("mode of %s = %q, want FULL", testTopic, cfg.CompatibilityLevel)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "civicbus.db")
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{DB: db, AdminToken: "a", AdminTokenFile: empty}, "both CIVICBUS_REGISTRY_TOKEN and CIVICBUS_REGISTRY_TOKEN_FILE are set"},
		{Config{DB: db, AdminTokenFile: filepath.Join(dir, "missing")}, "CIVICBUS_REGISTRY_TOKEN_FILE"},
		{Config{DB: db, AdminTokenFile: empty}, "is empty"},
		{Config{}, "no database"},
		{Config{DB: db, Prefix: "registry"}, "must start and end with /"},
		{Config{DB: db, Schemas: func() (map[string][]byte, error) {
			return map[string][]byte{"broken.v1": []byte(`{"type": 5}`)}, nil
		}}, "seed broken.v1"},
	} {
		if err := runErr(t, tc.cfg); !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

// TestRedact keeps passwords out of errors and logs.
func TestRedact(t *testing.T) {
	t.Parallel()
	got := redact("postgres://civicbus:s3cret@postgres:5432/civicbus?sslmode=disable")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "postgres:5432") {
		t.Errorf("redact = %q", got)
	}
	if got := redact("/data/civicbus.db"); got != "/data/civicbus.db" {
		t.Errorf("redact of a path = %q", got)
	}
}
