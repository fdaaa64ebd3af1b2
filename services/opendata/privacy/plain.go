package privacy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// phrases are the sentences of Plain, per language.
type phrases struct {
	intro, dropped, pseudonymised, rotated, generalised, kAnon, recordsSuppressed,
	smallCells, rowsHidden, noneHidden, secondary, noise, scanPassed, scanFailed, and string
	rows  func(n int) string // "1 rad", "12 rader"
	kinds map[Kind]string
}

var languages = map[string]phrases{
	"sv": {
		intro:             "Så skyddas enskilda personer i version %s av datamängden.",
		dropped:           "Uppgifter som direkt pekar ut en person har tagits bort (%s).",
		pseudonymised:     "Identiteter i %s har bytts mot koder som inte går att räkna tillbaka till personen.",
		rotated:           "Koderna byts ut i varje ny version, så versioner kan inte kopplas ihop genom dem.",
		generalised:       "Uppgifter som tillsammans skulle kunna peka ut någon har gjorts mindre detaljerade: %s.",
		kAnon:             "Varje kombination av de uppgifterna delas av minst %d personer (kravet är minst %d), så ingen rad går att knyta till en enskild person.",
		recordsSuppressed: "För att nå det har %d av %d rader tagits bort.",
		smallCells:        "Antal mellan 1 och %d visas inte, eftersom så små grupper kan avslöja enskilda.",
		rowsHidden:        "Siffrorna är dolda i %d av tabellens %s.",
		noneHidden:        "I den här versionen fanns inga så små grupper: alla tabellens %s visas med sina siffror.",
		secondary:         "Bland de dolda kan också finnas större grupper, som döljs för att de små inte ska kunna räknas fram ur summorna.",
		noise:             "Talen har fått ett litet slumpmässigt brus, så att ingen enskild persons uppgifter går att räkna fram (differentiell integritet, ε = %s).",
		scanPassed:        "Innan publiceringen söktes alla %d kolumner igenom efter personnummer, samordningsnummer, organisationsnummer, e-postadresser och telefonnummer. Inget hittades.",
		scanFailed:        "Sökningen efter personuppgifter hittade %s. Versionen får inte publiceras.",
		and:               " och ",
		rows:              func(n int) string { return plural(n, "rad", "rader") },
		kinds: map[Kind]string{
			KindPersonnummer: "personnummer", KindSamordningsnummer: "samordningsnummer",
			KindOrganisationsnummer: "organisationsnummer", KindEmail: "e-postadresser",
			KindPhone: "telefonnummer", KindDirectIdentifier: "värden i en kolumn som ska vara tom",
		},
	},
	"en": {
		intro:             "How individuals are protected in version %s of this dataset.",
		dropped:           "Data that directly identifies a person has been removed (%s).",
		pseudonymised:     "Identities in %s have been replaced by codes that cannot be traced back to the person.",
		rotated:           "The codes change with every new version, so versions cannot be linked through them.",
		generalised:       "Details that together could identify someone have been made less precise: %s.",
		kAnon:             "Every combination of those details is shared by at least %d people (at least %d required), so no row can be tied to a single person.",
		recordsSuppressed: "To achieve this, %d of %d rows were removed.",
		smallCells:        "Counts from 1 to %d are not shown, because such small groups could reveal individuals.",
		rowsHidden:        "Figures are hidden in %d of the table's %s.",
		noneHidden:        "This version had no such small groups: all the table's %s show their figures.",
		secondary:         "The hidden ones may include larger groups, hidden so that the small ones cannot be worked out from the totals.",
		noise:             "The figures have a little random noise added, so that no individual's data can be worked out (differential privacy, ε = %s).",
		scanPassed:        "Before publication, all %d columns were searched for personal identity numbers, coordination numbers, organisation numbers, e-mail addresses and phone numbers. None were found.",
		scanFailed:        "The search for personal data found %s. This version must not be published.",
		and:               " and ",
		rows:              func(n int) string { return plural(n, "row", "rows") },
		kinds: map[Kind]string{
			KindPersonnummer: "personal identity numbers", KindSamordningsnummer: "coordination numbers",
			KindOrganisationsnummer: "organisation numbers", KindEmail: "e-mail addresses",
			KindPhone: "phone numbers", KindDirectIdentifier: "values in a column that must be empty",
		},
	},
}

// Plain explains the report in a few sentences a citizen understands, in
// Swedish ("sv") or English ("en"; also any other lang). It states only
// what was done: a step the policy did not ask for is left out.
func (r *Report) Plain(lang string) string {
	p, ok := languages[lang]
	if !ok {
		p = languages["en"]
	}
	num := func(f float64) string {
		s := strconv.FormatFloat(f, 'g', 4, 64)
		if lang == "sv" {
			s = strings.ReplaceAll(s, ".", ",")
		}
		return s
	}
	list := func(items []string) string { return joinList(items, p.and) }
	s := []string{fmt.Sprintf(p.intro, r.Version)}
	if len(r.Policy.Dropped) > 0 {
		s = append(s, fmt.Sprintf(p.dropped, list(r.Policy.Dropped)))
	}
	if len(r.Policy.Pseudonymised) > 0 {
		s = append(s, fmt.Sprintf(p.pseudonymised, list(r.Policy.Pseudonymised)))
		if r.Policy.PseudonymLabel == r.Version {
			s = append(s, p.rotated)
		}
	}
	if levels := r.levels(); len(levels) > 0 {
		s = append(s, fmt.Sprintf(p.generalised, list(levels)))
	}
	if r.Policy.K > 0 && r.Results.KReached > 0 {
		s = append(s, fmt.Sprintf(p.kAnon, r.Results.KReached, r.Policy.K))
		if r.Results.RecordsSuppressed > 0 {
			s = append(s, fmt.Sprintf(p.recordsSuppressed, r.Results.RecordsSuppressed, r.Results.RecordsIn))
		}
	}
	s = append(s, r.smallCells(p)...)
	if r.Results.EpsilonSpent > 0 {
		s = append(s, fmt.Sprintf(p.noise, num(r.Results.EpsilonSpent)))
	}
	if r.Scan.Passed {
		s = append(s, fmt.Sprintf(p.scanPassed, len(r.Scan.ColumnsScanned)))
	} else if len(r.Scan.Findings) > 0 {
		var kinds []string
		for _, f := range r.Scan.Findings {
			if k := p.kinds[f.Kind]; !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
		s = append(s, fmt.Sprintf(p.scanFailed, list(kinds)))
	}
	return strings.Join(s, " ")
}

// SmallCells explains the small-cell suppression alone, one sentence per
// element, in Swedish ("sv") or English (any other lang); nil when the
// policy asked for none. Plain says the same among the rest; the portal
// uses it beside its own words for the other steps.
func (r *Report) SmallCells(lang string) []string {
	p, ok := languages[lang]
	if !ok {
		p = languages["en"]
	}
	return r.smallCells(p)
}

func (r *Report) smallCells(p phrases) []string {
	if r.Policy.SmallCellThreshold <= 1 {
		return nil
	}
	// In rows of the published table, not entries of the protected one
	// (CellsTotal counts totals and empty combinations too: a single row
	// of three dimensions is 8 of them).
	res := r.Results
	s := []string{fmt.Sprintf(p.smallCells, r.Policy.SmallCellThreshold-1)}
	switch suppressed := res.CellsSuppressedPrimary + res.CellsSuppressedSecondary; {
	case res.RowsHidden > 0:
		s = append(s, fmt.Sprintf(p.rowsHidden, res.RowsHidden, p.rows(res.RecordsOut)))
		if res.CellsSuppressedSecondary > 0 {
			s = append(s, p.secondary)
		}
	case suppressed == 0 && res.RecordsOut > 0:
		s = append(s, fmt.Sprintf(p.noneHidden, p.rows(res.RecordsOut)))
	}
	// A report from before rows_hidden (suppressed > 0, RowsHidden 0) says
	// no more than the first sentence.
	return s
}

// levels describes each generalised attribute as "attribute (level name)".
func (r *Report) levels() []string {
	var out []string
	for _, l := range r.Results.Generalisation {
		if l.Level > 0 {
			out = append(out, l.Attribute+" ("+l.LevelName+")")
		}
	}
	return out
}

// plural is "1 <one>" or "n <many>".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func joinList(items []string, and string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + and + items[len(items)-1]
}
