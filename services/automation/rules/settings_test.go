package rules_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/services/automation/rules"
)

// TestModelSettingsLoadErrors: an unknown model, a threshold outside
// [0,1], areas for a model other than snow-clearing, an area without
// stations and one model given twice are refused at load with the file and
// the model.
func TestModelSettingsLoadErrors(t *testing.T) {
	good := "kind: model-settings\nmodel: snow-clearing\nthreshold: 0.6\norg_unit: gata-park\nareas:\n  - {id: \"1980-422\", stations: [\"124290\"]}\n"
	dir := t.TempDir()
	write(t, filepath.Join(dir, "s.yaml"), good)
	e, err := rules.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := e.Settings("snow-clearing"); !ok || *m.Threshold != 0.6 || len(m.Areas) != 1 || m.Areas[0].Stations[0] != "124290" {
		t.Errorf("%+v", m)
	}
	for _, tc := range []struct{ text, want string }{
		{strings.Replace(good, "snow-clearing", "crystal-ball", 1), "model must be one of"},
		{strings.Replace(good, "0.6", "1.5", 1), "threshold must lie in [0,1]"},
		{strings.Replace(good, "snow-clearing", "meal-demand", 1), "areas are for snow-clearing only"},
		{strings.Replace(good, `stations: ["124290"]`, "stations: []", 1), "needs stations"},
	} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "s.yaml"), tc.text)
		if _, err := rules.Load(dir); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "s.yaml:") {
			t.Errorf("%v, want %q", err, tc.want)
		}
	}
	dir = t.TempDir()
	write(t, filepath.Join(dir, "a.yaml"), good)
	write(t, filepath.Join(dir, "b.yaml"), good)
	if _, err := rules.Load(dir); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("twice: %v", err)
	}
}

// TestExternalModelSettings: meal-demand may name an external OIP model;
// a bad URL, a missing version, a bad timeout or another model are refused.
func TestExternalModelSettings(t *testing.T) {
	good := "kind: model-settings\nmodel: meal-demand\nexternal: {url: \"http://models:8080\", model: kok-modell, version: \"3\", timeout: 2s}\n"
	dir := t.TempDir()
	write(t, filepath.Join(dir, "s.yaml"), good)
	e, err := rules.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := e.Settings("meal-demand"); m.External == nil || m.External.Model != "kok-modell" {
		t.Errorf("%+v", m)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`"http://models:8080"`, `"models:8080"`, "http(s) URL"},
		{`version: "3", `, ``, "needs model"},
		{`timeout: 2s`, `timeout: soon`, "positive duration"},
		{`model: meal-demand`, `model: routine`, "meal-demand only"},
	} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "s.yaml"), strings.Replace(good, tc.from, tc.to, 1))
		if _, err := rules.Load(dir); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.to, err, tc.want)
		}
	}
}
