package portal

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/vasteras/civicbus/services/opendata/privacy"
)

// privacyReport is the part of a version's privacy report (as the open-data
// service writes it) that the dataset page puts in plain words.
type privacyReport struct {
	Shape  string `json:"shape"`
	Policy struct {
		Dropped       []string `json:"dropped"`
		Pseudonymised []string `json:"pseudonymised"`
		Generalised   []struct {
			Attribute string `json:"attribute"`
		} `json:"generalised"`
		K                  int     `json:"k"`
		L                  int     `json:"l"`
		LColumn            string  `json:"l_column"`
		SuppressionBudget  float64 `json:"suppression_budget"`
		SmallCellThreshold int     `json:"small_cell_threshold"`
		Epsilon            float64 `json:"epsilon"`
	} `json:"policy"`
	Results struct {
		KReached          int `json:"k_reached"`
		RecordsIn         int `json:"records_in"`
		RecordsSuppressed int `json:"records_suppressed"`
		Generalisation    []struct {
			Attribute string `json:"attribute"`
			LevelName string `json:"level_name"`
		} `json:"generalisation"`
		InformationLoss float64 `json:"information_loss"`
		EpsilonSpent    float64 `json:"epsilon_spent"`
	} `json:"results"`
}

// plainPrivacy says what a privacy report says, one sentence per step, in
// lang ("en" or Swedish). A report it cannot read says so.
func plainPrivacy(raw json.RawMessage, lang string) []string {
	sv := lang != "en"
	say := func(svText, enText string, args ...any) string {
		if sv {
			return fmt.Sprintf(svText, args...)
		}
		return fmt.Sprintf(enText, args...)
	}
	var r privacyReport
	if err := json.Unmarshal(raw, &r); err != nil {
		return []string{say("Integritetsrapporten kan inte läsas; se den maskinläsbara rapporten.", "The privacy report cannot be read; see the machine-readable report.")}
	}
	var out []string
	p, res := r.Policy, r.Results
	if len(p.Dropped) > 0 {
		out = append(out, say("Kolumnerna %s publiceras aldrig.", "The columns %s are never published.", strings.Join(p.Dropped, ", ")))
	}
	if len(p.Pseudonymised) > 0 {
		out = append(out, say("Kolumnerna %s är ersatta med pseudonymer (en nyckelad hash med ny nyckel för varje version, så versioner kan inte kopplas ihop).",
			"The columns %s are replaced by pseudonyms (a keyed hash with a new key for every version, so versions cannot be linked).", strings.Join(p.Pseudonymised, ", ")))
	}
	if p.K > 0 {
		qi := say("bakgrundsuppgifterna", "the quasi-identifiers")
		if len(p.Generalised) > 0 {
			var names []string
			for _, g := range p.Generalised {
				names = append(names, g.Attribute)
			}
			qi = strings.Join(names, ", ")
		}
		out = append(out, say("k-anonymitet: varje kombination av %s delas av minst %d rader (uppnått: %d).",
			"k-anonymity: every combination of %s is shared by at least %d rows (reached: %d).", qi, p.K, res.KReached))
	}
	for _, g := range res.Generalisation {
		level := g.LevelName
		if sv {
			level = levelNameSV(level)
		}
		out = append(out, say("%s är generaliserad till nivån ”%s”.", "%s is generalised to the level “%s”.", g.Attribute, level))
	}
	if res.RecordsSuppressed > 0 {
		out = append(out, say("%d av %d rader har tagits bort för att nå k.", "%d of %d rows were suppressed to reach k.", res.RecordsSuppressed, res.RecordsIn))
	}
	if p.L > 0 {
		out = append(out, say("l-diversitet: minst %d olika värden av %s i varje grupp.", "l-diversity: at least %d distinct values of %s in every group.", p.L, p.LColumn))
	}
	if p.SmallCellThreshold > 0 {
		// The open-data service's own words, in rows of the published
		// table (its cells_* count the protected table's totals too).
		var full privacy.Report
		if err := json.Unmarshal(raw, &full); err == nil {
			lang := "en"
			if sv {
				lang = "sv"
			}
			out = append(out, full.SmallCells(lang)...)
		}
	}
	if p.Epsilon > 0 {
		out = append(out, say("Slumpmässigt brus (Laplace) är tillagt till antal och summor: ε = %g.", "Random (Laplace) noise is added to counts and sums: ε = %g.", p.Epsilon))
	}
	if res.InformationLoss > 0 {
		out = append(out, say("Informationsförlust genom anonymiseringen: %.0f %%.", "Information lost to anonymisation: %.0f %%.", 100*res.InformationLoss))
	}
	if len(out) == 0 {
		out = append(out, say("Datamängden innehåller inga uppgifter om personer som behövt anonymiseras.", "The dataset holds nothing about persons that needed anonymising."))
	}
	return out
}

// levelNameSV is a generalisation level's name, as the open-data service
// writes it in English (its report is for programs too), in Swedish; a name
// it does not know stays as it is.
func levelNameSV(name string) string {
	switch name {
	case "value":
		return "exakt värde"
	case "coordinate":
		return "koordinat"
	case "day":
		return "dag"
	case "month":
		return "månad"
	case "year":
		return "år"
	case "district":
		return "distrikt"
	case "area (when the file names areas)":
		return "område"
	case "*":
		return "helt dolt (*)"
	}
	for _, r := range levelPatternsSV {
		if m := r.re.FindStringSubmatch(name); m != nil {
			return fmt.Sprintf(r.sv, m[1])
		}
	}
	return name
}

var levelPatternsSV = []struct {
	re *regexp.Regexp
	sv string
}{
	{regexp.MustCompile(`^level (\d+)$`), "nivå %s i hierarkin"},
	{regexp.MustCompile(`^bands of (\S+)$`), "intervall om %s"},
	{regexp.MustCompile(`^last (\d+) characters hidden$`), "de sista %s tecknen dolda"},
	{regexp.MustCompile(`^levels of (.+)$`), "nivåerna i %s"},
}
