package demo_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/vasteras/civicbus/connectors"
	"github.com/vasteras/civicbus/demo"
	"github.com/vasteras/civicbus/services/casework"
)

func TestInstallWritesTheDemoOnceAndKeepsEdits(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	site, err := demo.Install(dir, demo.Options{MQTT: "tcp://127.0.0.1:1999"})
	if err != nil {
		t.Fatal(err)
	}
	if !site.Fresh || len(site.Notes) != 0 {
		t.Errorf("first install: fresh %v, notes %q", site.Fresh, site.Notes)
	}
	// Every connector file is there and points at this site's drop folders
	// and MQTT broker, not at the repository's.
	entries, err := os.ReadDir(site.ConnectorsDir)
	if err != nil || len(entries) < 10 {
		t.Fatalf("connectors.d: %d files, %v", len(entries), err)
	}
	scb := read(t, filepath.Join(site.ConnectorsDir, "scb-population.yaml"))
	if !strings.Contains(scb, `dir: "`+filepath.Join(dir, "drop", "scb")+`"`) || strings.Contains(scb, "dir: demo/drop") {
		t.Errorf("scb-population.yaml's dir is not the site's drop folder:\n%s", scb)
	}
	sensors := filepath.Join(site.ConnectorsDir, "home-sensors.yaml")
	if s := read(t, sensors); !strings.Contains(s, "broker: tcp://127.0.0.1:1999 ") {
		t.Errorf("home-sensors.yaml's broker is not the given one:\n%s", s)
	}
	// The written files still load as connector configurations.
	for _, e := range entries {
		p := filepath.Join(site.ConnectorsDir, e.Name())
		if _, err := connectors.ParseConfig([]byte(read(t, p)), p); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
	}
	// The licensed data is seeded; the folders without licensed data exist,
	// empty.
	for drop, file := range map[string]string{
		"scb": "SCB_alderkon_vastmanland_2019.csv", "smhi-snow": "Snodjup_Handsjo.csv",
		"smhi-temperature": "Temperatur_dygn_Ytterhogdal.csv", "smhi-precipitation": "Rainfall_dygn_Handsjon.csv",
	} {
		want := read(t, filepath.Join("data", strings.SplitN(drop, "-", 2)[0], file))
		if got := read(t, filepath.Join(site.DropDir, drop, file)); got != want {
			t.Errorf("drop/%s/%s differs from data/ (%d bytes, want %d)", drop, file, len(got), len(want))
		}
	}
	for _, empty := range []string{"scb-births", "vasteras-units"} {
		if es, err := os.ReadDir(filepath.Join(site.DropDir, empty)); err != nil || len(es) != 0 {
			t.Errorf("drop/%s: %d entries, %v; want an empty folder", empty, len(es), err)
		}
	}
	if !strings.Contains(read(t, filepath.Join(dir, "SOURCES.md")), "CC BY 4.0") {
		t.Error("the seeded data's SOURCES.md is missing")
	}
	if len(site.AdminToken) != 32 {
		t.Errorf("admin token %q, want 32 hex digits", site.AdminToken)
	}
	if fi, err := os.Stat(site.PseudonymKeyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("pseudonym key: %v %v, want mode 0600", fi, err)
	}

	// A second start: an edited file is kept, a deleted one stays deleted,
	// an untouched one follows the new MQTT address; the drop folders (the
	// connector moved the file away) are not seeded again; the secrets stay.
	edited := filepath.Join(site.ConnectorsDir, "smhi-snow-depth.yaml")
	write(t, edited, read(t, edited)+"# my edit\n")
	deleted := filepath.Join(site.DatasetsDir, "weather-per-station-day.yaml")
	if err := os.Remove(deleted); err != nil {
		t.Fatal(err)
	}
	processed := filepath.Join(site.DropDir, "scb", "processed")
	os.MkdirAll(processed, 0o755)
	os.Rename(filepath.Join(site.DropDir, "scb", "SCB_alderkon_vastmanland_2019.csv"), filepath.Join(processed, "x.csv"))

	again, err := demo.Install(dir, demo.Options{MQTT: "tcp://127.0.0.1:2000"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Fresh || again.AdminToken != site.AdminToken {
		t.Errorf("second install: fresh %v, token changed %v", again.Fresh, again.AdminToken != site.AdminToken)
	}
	if !strings.HasSuffix(read(t, edited), "# my edit\n") {
		t.Error("the edited file was overwritten")
	}
	if _, err := os.Stat(deleted); err == nil {
		t.Error("the deleted file came back")
	}
	if s := read(t, sensors); !strings.Contains(s, "broker: tcp://127.0.0.1:2000 ") {
		t.Errorf("the untouched home-sensors.yaml did not follow the broker:\n%s", s)
	}
	if _, err := os.Stat(filepath.Join(site.DropDir, "scb", "SCB_alderkon_vastmanland_2019.csv")); err == nil {
		t.Error("drop/scb was seeded again")
	}
	notes := strings.Join(again.Notes, "\n")
	for _, want := range []string{"connectors.d/smhi-snow-depth.yaml was edited", "datasets.d/weather-per-station-day.yaml was deleted"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}

	// Without MQTT the sensor connector is left out, with a note.
	bare, err := demo.Install(filepath.Join(t.TempDir(), "demo"), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(bare.ConnectorsDir, "home-sensors.yaml")); err == nil || !strings.Contains(strings.Join(bare.Notes, " "), "home-sensors") {
		t.Errorf("without MQTT: home-sensors.yaml written (%v), notes %q", err == nil, bare.Notes)
	}
}

func TestInstallSignInsMatchTheUsersFile(t *testing.T) {
	site, err := demo.Install(filepath.Join(t.TempDir(), "demo"), demo.Options{})
	if err != nil {
		t.Fatal(err)
	}
	users, err := casework.LoadUsers(site.UsersFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != len(demo.SignIns) {
		t.Errorf("%d users in the file, %d sign-ins", len(users), len(demo.SignIns))
	}
	for _, s := range demo.SignIns {
		u := users[s.Username]
		if u == nil {
			t.Errorf("%s is not in the users file", s.Username)
			continue
		}
		if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(s.Password)) != nil {
			t.Errorf("%s: the demo password does not match the hash", s.Username)
		}
		if string(u.Role) != s.Role || strings.Join(u.Units, ",") != strings.Join(s.Units, ",") {
			t.Errorf("%s: file has %s %v, sign-in says %s %v", s.Username, u.Role, u.Units, s.Role, s.Units)
		}
	}
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
