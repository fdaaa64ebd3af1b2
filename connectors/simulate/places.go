package simulate

import (
	"fmt"
	"math"
	"slices"
)

// district is a Västerås district (stadsdel or tätort) as the simulations
// use it: a rough centre, to find units near a home, and a weight, its
// rough share of the city's young children.
type district struct {
	name     string
	slug     string // ASCII, for ids and area codes
	lat, lon float64
	weight   float64
}

// areaCode is the district's municipal district code: 1980 (Västerås) and
// the slug, in the form the events' area_code allows.
func (d district) areaCode() string { return "1980-" + d.slug }

// districts are Västerås's districts with rough centres (to a few hundred
// metres) and weights that add up to 100: rough shares of the 0–5-year-olds,
// larger for the big housing areas (Bäckby, Råby, Önsta-Gryta, Viksäng) than
// for the villages. They are assumptions, not statistics.
var districts = []district{
	{"Centrum", "centrum", 59.6110, 16.5450, 8},
	{"Bäckby", "backby", 59.6180, 16.4780, 9},
	{"Råby", "raby", 59.6250, 16.5010, 7},
	{"Skiljebo", "skiljebo", 59.6230, 16.5230, 6},
	{"Gideonsberg", "gideonsberg", 59.6220, 16.5380, 4},
	{"Malmaberg", "malmaberg", 59.6370, 16.5270, 5},
	{"Önsta-Gryta", "onstagryta", 59.6450, 16.5530, 7},
	{"Pettersberg", "pettersberg", 59.6280, 16.5600, 5},
	{"Hammarby", "hammarby", 59.6300, 16.5820, 6},
	{"Bjurhovda", "bjurhovda", 59.6400, 16.5950, 6},
	{"Vetterslund", "vetterslund", 59.6070, 16.5750, 5},
	{"Kristiansborg", "kristiansborg", 59.6030, 16.5260, 4},
	{"Viksäng", "viksang", 59.5960, 16.5050, 6},
	{"Erikslund", "erikslund", 59.6110, 16.4620, 3},
	{"Barkarö", "barkaro", 59.5620, 16.4930, 3},
	{"Dingtuna", "dingtuna", 59.5770, 16.3850, 3},
	{"Skultuna", "skultuna", 59.7160, 16.4250, 4},
	{"Tillberga", "tillberga", 59.6820, 16.6180, 3},
	{"Hökåsen", "hokasen", 59.6690, 16.5320, 3},
	{"Irsta", "irsta", 59.5990, 16.6950, 3},
}

// km is the distance between two districts' centres, flat-earth (fine at a
// city's scale).
func km(a, b district) float64 {
	dy := (a.lat - b.lat) * 111.2
	dx := (a.lon - b.lon) * 111.2 * math.Cos(a.lat*math.Pi/180)
	return math.Hypot(dx, dy)
}

// place is a simulated unit (a preschool or a school kitchen) in a district.
type place struct {
	id       string
	district int // index into districts
}

// spread places n units over the districts in proportion to their weights
// (largest remainder, at least one each when n allows), with ids
// prefix-<slug>-<n>. It depends on n only, not on the seed: the simulated
// city is the same for every seed.
func spread(prefix string, n int) []place {
	counts := make([]int, len(districts))
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(districts))
	given := 0
	for i, d := range districts {
		exact := float64(n) * d.weight / 100
		counts[i] = int(exact)
		given += counts[i]
		rems[i] = rem{i, exact - float64(counts[i])}
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		if a.r > b.r {
			return -1
		}
		if a.r < b.r {
			return 1
		}
		return 0
	})
	for k := 0; given < n; k++ {
		counts[rems[k%len(rems)].i]++
		given++
	}
	var out []place
	for i, c := range counts {
		for j := 1; j <= c; j++ {
			out = append(out, place{id: fmt.Sprintf("%s-%s-%d", prefix, districts[i].slug, j), district: i})
		}
	}
	return out
}
