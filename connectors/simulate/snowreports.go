package simulate

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// snowReports is the snow-reports scenario: citizens' reports of unploughed
// streets (snow) and slippery ones (ice) on roads.fault-report.v1, only on
// winter days with snow. Whether a day has snow is drawn per day (seed and
// date): a third of the days of December–February, one in seven of March
// and November, none otherwise. A snowy day gets a Poisson number of
// reports (mean 12 at volume 1), mostly in the morning and afternoon
// commutes, 70 % snow and 30 % ice; 40 % from Bäckby (1980-422) and 40 %
// from Centrum (1980-415), the demo's snow-clearing areas, the rest from
// other districts. Reports are anonymous (no contact) and their text is
// one of a few stock phrases, so no record holds personal data.
type snowReports struct{ p params }

// snowDayChance is each month's share of days with snow.
var snowDayChance = [12]float64{0.35, 0.33, 0.15, 0, 0, 0, 0, 0, 0, 0, 0.15, 0.33}

// snowHourWeight is the hour of day reports are made.
var snowHourWeight = [24]float64{0.2, 0.1, 0.1, 0.1, 0.2, 1, 4, 8, 6, 3, 2, 2, 2, 2, 2, 3, 5, 5, 3, 2, 2, 1, 0.5, 0.3}

// snowSpot is a place reports come from.
type snowSpot struct {
	area, address string
	lat, lon      float64
	weight        float64
}

var snowSpots = []snowSpot{
	{"1980-422", "Bäckbyleden", 59.6205, 16.4689, 15},
	{"1980-422", "Bäckby torg", 59.6180, 16.4780, 15},
	{"1980-422", "Vallbyleden", 59.6150, 16.4710, 10},
	{"1980-415", "Stora torget", 59.6107, 16.5454, 15},
	{"1980-415", "Vasagatan", 59.6117, 16.5410, 15},
	{"1980-415", "Kopparbergsvägen", 59.6160, 16.5400, 10},
	{"1980-raby", "Råbyvägen", 59.6250, 16.5010, 7},
	{"1980-onstagryta", "Björnövägen", 59.6450, 16.5530, 7},
	{"1980-viksang", "Viksängsvägen", 59.5960, 16.5050, 6},
}

var snowTexts = map[string][]string{
	"snow": {"Gatan är inte plogad.", "Gång- och cykelvägen är inte plogad.", "Plogvallen blockerar övergångsstället.", "Busshållplatsen är full av snö."},
	"ice":  {"Mycket halt på trottoaren.", "Halka vid övergångsstället, inte sandat.", "Isbildning på gång- och cykelvägen."},
}

var snowChannels = []string{"app", "web", "phone"}

func newSnowReports(p params) *snowReports { return &snowReports{p: p} }

// snowy reports whether d is a day with snow.
func (s *snowReports) snowy(d time.Time) bool {
	return newRNG(s.p.seed, "snow-day", d.Format(time.DateOnly)).chance(snowDayChance[d.Month()-1])
}

func (s *snowReports) day(d time.Time) []item {
	if !s.snowy(d) {
		return nil
	}
	date := d.Format(time.DateOnly)
	r := newRNG(s.p.seed, "snow-reports", date)
	n := r.poisson(12 * s.p.volume)
	spotW := make([]float64, len(snowSpots))
	for i, sp := range snowSpots {
		spotW[i] = sp.weight
	}
	out := make([]item, n)
	for i := range out {
		id := simID(s.p.seed, "snow-report", date+"/"+strconv.Itoa(i))
		at := time.Date(d.Year(), d.Month(), d.Day(), r.weighted(snowHourWeight[:]), 0, r.IntN(3600), 0, Stockholm)
		cat := "snow"
		if r.chance(0.3) {
			cat = "ice"
		}
		sp := snowSpots[r.weighted(spotW)]
		texts := snowTexts[cat]
		out[i] = item{at: at, key: id, fields: map[string]any{
			"report_id":   id,
			"reported_at": at.Format(time.RFC3339),
			"category":    cat,
			"description": texts[r.IntN(len(texts))],
			"position": map[string]any{
				"lat": math.Round((sp.lat+0.002*r.NormFloat64())*1e4) / 1e4,
				"lon": math.Round((sp.lon+0.004*r.NormFloat64())*1e4) / 1e4,
			},
			"address":   sp.address,
			"area_code": sp.area,
			"channel":   snowChannels[r.weighted([]float64{55, 35, 10})],
		}}
	}
	slices.SortStableFunc(out, func(a, b item) int { return a.at.Compare(b.at) })
	return out
}
