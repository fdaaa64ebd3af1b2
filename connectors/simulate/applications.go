package simulate

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
)

// The volumes of the preschool-applications scenario at volume 1.
const (
	// newPerYear: about 1,700 births a year in Västerås (SCB), of whom
	// about nine in ten start preschool (Skolverket: 86 % of 1–5-year-olds,
	// more of the older ones), plus children who move in: 1,800.
	newPerYear = 1800
	// transfersPerYear: changes of preschool (omplacering), about a fifth
	// of the new applications: 400.
	transfersPerYear = 400
	// preschools: about 80 municipal preschools.
	preschools = 80
)

// monthWeight is each month's share (percent) of the year's applications:
// the spring peak for the August intake (guardians apply at least four
// months ahead, skollagen 8 kap. 14 §), a trough in the summer.
var monthWeight = [12]float64{8, 10, 13, 13, 11, 6, 4, 8, 8, 7, 7, 5}

// weekdayWeight is each weekday's rate relative to the mean (Sunday first):
// e-service traffic is highest early in the week and lowest on Saturdays.
var weekdayWeight = [7]float64{0.95, 1.15, 1.15, 1.1, 1.05, 0.85, 0.75}

// hourWeight is the hour of day applications are sent: from home, peaking
// in the evening.
var hourWeight = [24]float64{1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 6, 7, 8, 7, 5, 2}

// prefCount is the weight of listing 1 to 5 preferred preschools.
var prefCount = []float64{18, 17, 30, 15, 20}

// application is one simulated preschool application.
type application struct {
	id        string
	submitted time.Time
	transfer  bool
	pnr       string
	desired   time.Time
	prefs     []string
	hours     float64
	district  int
}

// applications is the preschool-applications scenario.
type applications struct {
	p     params
	units []place
}

func newApplications(p params) *applications {
	return &applications{p: p, units: spread("sim-fsk", preschools)}
}

func (a *applications) day(d time.Time) []item {
	apps := a.of(d)
	out := make([]item, len(apps))
	for i, ap := range apps {
		kind := "new"
		if ap.transfer {
			kind = "transfer"
		}
		f := map[string]any{
			"application_id":     ap.id,
			"submitted_at":       ap.submitted.Format(time.RFC3339),
			"kind":               kind,
			"child_personnummer": ap.pnr,
			"desired_start_date": ap.desired.Format(time.DateOnly),
			"preferred_unit_ids": ap.prefs,
			"hours_per_week":     ap.hours,
			"area_code":          districts[ap.district].areaCode(),
			"district":           districts[ap.district].name,
		}
		// The guardian, and the few incomplete applications (see applicant).
		g := applicantOf(a.p.seed, ap, d)
		f["guardian_personnummer"] = g.guardianPNR
		if g.guardianEmail != "" {
			f["guardian_email"] = g.guardianEmail
		}
		if g.noHours {
			delete(f, "hours_per_week")
		}
		out[i] = item{at: ap.submitted, key: ap.id, fields: f}
	}
	return out
}

// of returns the applications submitted on d, by time.
func (a *applications) of(d time.Time) []application {
	date := d.Format(time.DateOnly)
	r := newRNG(a.p.seed, "preschool-applications", date)
	perYear := float64(newPerYear+transfersPerYear) * a.p.volume
	days := float64(addDays(time.Date(d.Year(), d.Month()+1, 1, 0, 0, 0, 0, Stockholm), -1).Day())
	mean := perYear * monthWeight[d.Month()-1] / 100 / days * weekdayWeight[d.Weekday()]
	n := r.poisson(mean)
	out := make([]application, n)
	for i := range out {
		out[i] = a.one(r, d, simID(a.p.seed, "preschool-application", date+"/"+strconv.Itoa(i)))
	}
	slices.SortStableFunc(out, func(x, y application) int { return x.submitted.Compare(y.submitted) })
	return out
}

func (a *applications) one(r rng, d time.Time, id string) application {
	ap := application{id: id, transfer: r.chance(float64(transfersPerYear) / (newPerYear + transfersPerYear))}
	// Wall-clock time, so that a day of 23 or 25 hours (daylight saving)
	// keeps every application on its day.
	ap.submitted = time.Date(d.Year(), d.Month(), d.Day(), r.weighted(hourWeight[:]), 0, r.IntN(3600), 0, Stockholm)
	weights := make([]float64, len(districts))
	for i, dd := range districts {
		weights[i] = dd.weight
	}
	ap.district = r.weighted(weights)
	var birth time.Time
	if ap.transfer {
		ap.desired = addDays(d, 30+r.IntN(90))
		birth = addDays(d, -int(r.between(1.5, 5)*365))
	} else {
		ap.desired = addDays(d, 120+r.IntN(90))
		if d.Month() <= time.May && r.chance(0.6) {
			ap.desired = augustIntake(d.Year())
		}
		birth = addDays(ap.desired, -int(r.between(12, 22)*30.4))
		if !birth.Before(d) {
			birth = addDays(d, -30-r.IntN(150))
		}
	}
	ap.pnr = syntheticPersonnummer(r, birth)
	ap.hours = hoursPerWeek(r, ap.transfer)
	ap.prefs = a.preferences(r, ap.district)
	return ap
}

// augustIntake is the Monday of ISO week 33 of year, when preschools take
// in the autumn's new children.
func augustIntake(year int) time.Time {
	d := time.Date(year, 8, 10, 0, 0, 0, 0, Stockholm)
	for _, w := d.ISOWeek(); w != 33 || d.Weekday() != time.Monday; _, w = d.ISOWeek() {
		d = addDays(d, 1)
	}
	return d
}

// hoursPerWeek is the expected time in preschool: 15 hours for some (the
// allmän förskola of parents on leave), otherwise around a working week.
func hoursPerWeek(r rng, transfer bool) float64 {
	if r.chance(0.07) {
		return 15
	}
	mean := 38.0
	if transfer {
		mean = 35
	}
	return math.Round(min(50, max(20, mean+5*r.NormFloat64()))*2) / 2
}

// preferences draws 1 to 5 distinct preschools, each in proportion to
// exp(-distance/1.5 km) from home: mostly the home district's, then the
// neighbours'.
func (a *applications) preferences(r rng, home int) []string {
	weights := make([]float64, len(a.units))
	for i, u := range a.units {
		weights[i] = math.Exp(-km(districts[home], districts[u.district]) / 1.5)
	}
	k := r.weighted(prefCount) + 1
	out := make([]string, 0, k)
	for len(out) < k {
		i := r.weighted(weights)
		out = append(out, a.units[i].id)
		weights[i] = 0
	}
	return out
}

// syntheticPersonnummer is a made-up child's number in the form the event
// requires (YYYYMMDD-NNNN, the real birth date of the simulated child) but
// with a wrong check digit: it fails the Luhn test every real personnummer
// and samordningsnummer passes, so it can never be anybody's, and the
// platform's scanner, which looks for Luhn-valid numbers, is not fooled.
func syntheticPersonnummer(r rng, birth time.Time) string {
	serial := fmt.Sprintf("%s%03d", birth.Format("060102"), r.IntN(999)+1)
	wrong := (luhnDigit(serial) + 1 + r.IntN(9)) % 10
	return fmt.Sprintf("%s-%s%d", birth.Format("20060102"), serial[6:], wrong)
}

// luhnDigit is the Luhn check digit of the digits of s, as Skatteverket
// computes it over YYMMDDNNN.
func luhnDigit(s string) int {
	sum := 0
	for i, c := range s {
		v := int(c-'0') * (2 - i%2)
		sum += v/10 + v%10
	}
	return (10 - sum%10) % 10
}
