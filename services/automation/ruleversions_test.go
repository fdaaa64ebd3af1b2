package automation

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/internal/testenv"
)

// TestRuleChangedWithoutNewVersionRefused: the service records each rule
// version's content when it first loads it. Comments, layout and retiring
// a version (active: false) load again; a changed reason under the same
// version is refused with the rule id, the version and what to do; the
// same change as a new version loads.
func TestRuleChangedWithoutNewVersionRefused(t *testing.T) {
	src := filepath.Join("rules", "testdata", "examples", "snow")
	dir := t.TempDir()
	for _, f := range []string{"case-type.yaml", "area-scheduled.yaml"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rule := filepath.Join(dir, "area-scheduled.yaml")
	orig, _ := os.ReadFile(rule)
	db := filepath.Join(t.TempDir(), "a.db")
	conn := bus.Connection{Brokers: []string{testenv.Broker(t).Addr()}}
	load := func() error {
		s, err := New(context.Background(), Config{RulesDir: dir, DB: db, Conn: conn})
		if err == nil {
			s.Close()
		}
		return err
	}
	if err := load(); err != nil {
		t.Fatal(err)
	}
	// Comments, blank lines and retiring the version: the same content.
	same := "# a new comment\n\n" + strings.Replace(string(orig), "active: true", "active: false", 1)
	os.WriteFile(rule, []byte(same), 0o644)
	if err := load(); err != nil {
		t.Fatalf("a comment and active: false refused: %v", err)
	}
	// A changed reason under version 1.
	changed := strings.Replace(string(orig), "En arbetsledare bedömer anmälan.", "En arbetsledare bedömer anmälan inom en dag.", 1)
	if changed == string(orig) {
		t.Fatal("the test's edit did not apply")
	}
	os.WriteFile(rule, []byte(changed), 0o644)
	err := load()
	if err == nil {
		t.Fatal("a rule changed without a new version was loaded")
	}
	for _, want := range []string{"area-scheduled.yaml", "rule snow-area-scheduled", "version 1 changed since it was first loaded", "give it version 2"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// The change as version 2, version 1 kept as it was.
	os.WriteFile(rule, orig, 0o644)
	os.WriteFile(filepath.Join(dir, "area-scheduled-v2.yaml"), []byte(strings.Replace(changed, "version: 1", "version: 2", 1)), 0o644)
	if err := load(); err != nil {
		t.Fatalf("version 2 refused: %v", err)
	}
}
