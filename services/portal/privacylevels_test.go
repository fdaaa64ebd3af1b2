package portal

import (
	"strings"
	"testing"
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
