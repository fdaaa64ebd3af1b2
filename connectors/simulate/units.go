package simulate

import (
	"math"
	"strings"
	"time"
)

// schoolUnits is the school-units scenario: the 80 simulated preschools
// the applications name (sim-fsk-<district>-<n>, the same at every seed),
// as school.unit.v1 descriptions sent on 1 January of each simulated year
// (valid from that day), so the placement model and the premises-need
// forecast know their places and districts. Places are log-normal around
// 100 (40–200, in sixes: a department is about 18 children, a group 6):
// about 8,500 in all, fewer than Västerås's 1–5-year-olds, as the
// municipal preschools share the children with independent ones.
type schoolUnits struct {
	p     params
	units []place
}

func newSchoolUnits(p params) *schoolUnits {
	return &schoolUnits{p: p, units: spread("sim-fsk", preschools)}
}

func (s *schoolUnits) day(d time.Time) []item {
	if d.Month() != time.January || d.Day() != 1 {
		return nil
	}
	out := make([]item, len(s.units))
	for i, u := range s.units {
		// Seeded by the unit, not the day: a unit keeps its places.
		r := newRNG(s.p.seed, "school-unit", u.id)
		places := math.Round(min(200, max(40, 100*math.Exp(0.3*r.NormFloat64())))/6) * 6
		dd := districts[u.district]
		out[i] = item{at: d.Add(time.Duration(i) * time.Second), key: u.id + "/" + d.Format(time.DateOnly), fields: map[string]any{
			"unit_id":       u.id,
			"name":          "Simulerad förskola " + dd.name + " " + u.id[strings.LastIndex(u.id, "-")+1:],
			"unit_type":     "preschool",
			"grades":        []string{"preschool"},
			"operator":      "municipal",
			"operator_name": "Västerås stad (simulerad)",
			"capacity":      int(places),
			"position": map[string]any{
				"lat": math.Round((dd.lat+0.004*r.NormFloat64())*1e4) / 1e4,
				"lon": math.Round((dd.lon+0.008*r.NormFloat64())*1e4) / 1e4,
			},
			"area_code":  dd.areaCode(),
			"status":     "active",
			"valid_from": d.Format(time.DateOnly),
		}}
	}
	return out
}
