package portal

import (
	"strings"
	"testing"
	"time"
)

// TestPrivacyLevelsInSwedish: the Swedish page names each generalisation
// level in Swedish; the report (for programs) keeps the open-data
// service's English names, and so does the English page. The demo's
// preschool applications said "generaliserad till nivån ”year”" and
// "”level 1”".
func TestPrivacyLevelsInSwedish(t *testing.T) {
	raw := []byte(`{"shape":"microdata","policy":{"k":5,"generalised":[{"attribute":"area_code"}]},"results":{"k_reached":5,"generalisation":[
		{"attribute":"area_code","level":1,"level_name":"level 1"},{"attribute":"desired_start","level":2,"level_name":"year"},
		{"attribute":"submitted","level":1,"level_name":"month"},{"attribute":"hours_per_week","level":5,"level_name":"*"},
		{"attribute":"age","level":2,"level_name":"bands of 10"},{"attribute":"postcode","level":2,"level_name":"last 2 characters hidden"},
		{"attribute":"home","level":1,"level_name":"district"},{"attribute":"other","level":1,"level_name":"something new"}]}}`)
	sv := strings.Join(plainPrivacy(raw, "sv"), "\n")
	mustContain(t, "the Swedish report", sv,
		"area_code är generaliserad till nivån ”nivå 1 i hierarkin”.", "desired_start är generaliserad till nivån ”år”.",
		"submitted är generaliserad till nivån ”månad”.", "hours_per_week är generaliserad till nivån ”helt dolt (*)”.",
		"age är generaliserad till nivån ”intervall om 10”.", "postcode är generaliserad till nivån ”de sista 2 tecknen dolda”.",
		"home är generaliserad till nivån ”distrikt”.", "other är generaliserad till nivån ”something new”.")
	for _, en := range []string{"”year”", "”month”", "”level 1”", "”bands of"} {
		if strings.Contains(sv, en) {
			t.Errorf("the Swedish report still says %s:\n%s", en, sv)
		}
	}
	mustContain(t, "the English report", strings.Join(plainPrivacy(raw, "en"), "\n"),
		"desired_start is generalised to the level “year”.", "area_code is generalised to the level “level 1”.")
}

// TestColumnTypesInWords: the dataset page's column table names types in
// the page's language (it said string, integer, number in Swedish), and a
// count is an integer there as in the Parquet file (it said number).
func TestColumnTypesInWords(t *testing.T) {
	s := newSeeded(t)
	def := Definition{ID: "0b7c3e52-9a14-4d8f-b6e1-2f5a8c9d7e30", Name: "counted", Title: Text{SV: "Räknat"}, Licence: "cc0",
		Shape: Shape{Kind: "aggregate", Columns: []Column{{Name: "area"}, {Name: "day", Type: "date"}, {Name: "open", Type: "boolean"}},
			Measures: []Measure{{Name: "alarms", Fn: "count"}, {Name: "mean_kg", Fn: "mean", Column: "kg"}}}}
	seedVersion(t, s.svc.store, def, 1, time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), []string{"area", "day", "open", "alarms", "mean_kg"},
		[]Row{raw(`"Norr"`, `"2026-11-01"`, `true`, `7`, `1.5`)})
	_, sv := html(t, s, "/datasets/counted")
	mustContain(t, "the Swedish page", sv, "<code>area</code></td><td>text</td>", "<code>day</code></td><td>datum</td>",
		"<code>open</code></td><td>sant/falskt</td>", "<code>alarms</code></td><td>heltal</td>", "<code>mean_kg</code></td><td>tal</td>")
	_, en := html(t, s, "/datasets/counted?lang=en")
	mustContain(t, "the English page", en, "<code>area</code></td><td>text</td>", "<code>alarms</code></td><td>integer</td>", "<code>mean_kg</code></td><td>number</td>")
}
