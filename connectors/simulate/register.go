package simulate

import (
	"fmt"
	"time"
)

// The applicants: what the simulated e-service and population register
// know about each simulated application's child and guardian beyond the
// application's own draws. Each is drawn from its own random source (the
// seed, "applicant" and the application id), so the applications'
// earlier fields are those of the seed before these were added, and the
// population-register scenario finds the same child as the applications.
const (
	// missingEmailShare: applications without the guardian's e-mail (the
	// guardian left it out); missingHoursShare: without the hours a week.
	// Together a realistic few, about 4.5 %, are incomplete.
	missingEmailShare = 0.03
	missingHoursShare = 0.015
	// outsideShare: new children still registered in another municipality
	// when their application comes (a family moving to Västerås); their
	// residency check is referred.
	outsideShare = 0.03
	// bornHereShare: children registered in Västerås at birth; the others
	// moved in from elsewhere in Sweden or from abroad.
	bornHereShare = 0.8
	// registerLead is how many days before its application a child's
	// register notice is sent by the population-register scenario.
	registerLead = 30
)

// neighbours are SCB codes of municipalities near Västerås, where the
// simulated families who move in come from: Köping, Hallstahammar,
// Surahammar, Sala, Enköping, Eskilstuna, Uppsala, Stockholm.
var neighbours = []string{"1983", "1961", "1907", "1981", "0381", "0484", "0380", "0180"}

// countries are those the simulated immigrant children come from.
var countries = []string{"FI", "SY", "IQ", "PL", "IN", "SO", "ER", "DE"}

// applicant is the child's register record and the guardian's details of a
// simulated application.
type applicant struct {
	guardianPNR   string
	guardianEmail string // "" when left out
	noHours       bool   // hours_per_week left out
	municipality  string // where the child is registered: 1980 or a neighbour
	movedIn       time.Time
	fromMuni      string
	fromCountry   string
}

// applicantOf draws the applicant of ap, submitted on day d.
func applicantOf(seed int64, ap application, d time.Time) applicant {
	r := newRNG(seed, "applicant", ap.id)
	birth := birthOf(ap.pnr)
	var a applicant
	a.guardianPNR = syntheticPersonnummer(r, addDays(birth, -int(r.between(22, 42)*365.25)))
	a.guardianEmail = fmt.Sprintf("sim-vardnadshavare-%s@example.invalid", ap.id[:8])
	switch u := r.Float64(); {
	case u < missingEmailShare:
		a.guardianEmail = ""
	case u < missingEmailShare+missingHoursShare:
		a.noHours = true
	}
	a.municipality, a.movedIn = "1980", birth
	notice := addDays(d, -registerLead)
	if !ap.transfer && r.chance(outsideShare) {
		a.municipality = neighbours[r.IntN(len(neighbours))]
	}
	if r.chance(bornHereShare) {
		return a
	}
	if days := int(notice.Sub(birth).Hours() / 24); days > 0 {
		a.movedIn = addDays(birth, r.IntN(days+1))
	}
	if r.chance(0.8) {
		a.fromMuni = neighbours[r.IntN(len(neighbours))]
		if a.fromMuni == a.municipality {
			a.fromMuni = "1980"
		}
	} else {
		a.fromCountry = countries[r.IntN(len(countries))]
	}
	return a
}

// birthOf is the birth date in a (synthetic) personnummer YYYYMMDD-NNNN.
func birthOf(pnr string) time.Time {
	t, err := time.ParseInLocation("20060102", pnr[:8], Stockholm)
	if err != nil {
		panic(err) // made by syntheticPersonnummer
	}
	return t
}

// register is the population-register scenario: for every simulated
// application, the population.resident-moved-in notice of its child,
// registerLead days before the application is submitted (at the same clock
// time), so the register knows the child before its application comes.
// A child born in Västerås is registered from the birth date; one who
// moved in from the day of the move; a few new children are registered in
// a neighbouring municipality.
type register struct {
	p    params
	apps *applications
}

func newRegister(p params) *register { return &register{p: p, apps: newApplications(p)} }

func (g *register) day(d time.Time) []item {
	appDay := addDays(d, registerLead)
	apps := g.apps.of(appDay)
	out := make([]item, 0, len(apps))
	for _, ap := range apps {
		a := applicantOf(g.p.seed, ap, appDay)
		s := ap.submitted
		f := map[string]any{
			"register_event_id": "sim-navet-" + ap.id,
			"personnummer":      ap.pnr,
			"birth_date":        birthOf(ap.pnr).Format(time.DateOnly),
			"moved_in_on":       a.movedIn.Format(time.DateOnly),
			"municipality_code": a.municipality,
		}
		if a.municipality == "1980" {
			f["area_code"] = districts[ap.district].areaCode()
		}
		if a.fromMuni != "" {
			f["from_municipality_code"] = a.fromMuni
		}
		if a.fromCountry != "" {
			f["from_country"] = a.fromCountry
		}
		out = append(out, item{
			at:     time.Date(d.Year(), d.Month(), d.Day(), s.Hour(), s.Minute(), s.Second(), 0, Stockholm),
			key:    "sim-navet-" + ap.id,
			fields: f,
		})
	}
	return out
}
