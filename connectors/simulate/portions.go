package simulate

import "time"

// portions is the meal-portions scenario: the lunches each simulated school
// kitchen (the same as meal-purchases's, for the same seed and volume)
// prepared and served on each school day, reported at 13:30.
type portions struct {
	p        params
	kitchens []kitchen
}

func newPortions(p params) *portions { return &portions{p: p, kitchens: kitchensOf(p)} }

func (ps *portions) day(d time.Time) []item {
	if !schoolDay(d) {
		return nil
	}
	at := d.Add(13*time.Hour + 30*time.Minute)
	date := d.Format(time.DateOnly)
	out := make([]item, 0, len(ps.kitchens))
	for _, k := range ps.kitchens {
		lunches, special := k.served(ps.p.seed, d)
		out = append(out, item{at: at, key: k.id + "/" + date + "/lunch", fields: map[string]any{
			"kitchen_id": k.id, "district": districts[k.district].name, "date": date, "meal": "lunch",
			"portions": int64(lunches), "planned_portions": int64(k.planned()), "special_diet_portions": int64(special),
		}})
	}
	return out
}
