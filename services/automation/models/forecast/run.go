package forecast

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Output is the model's result for one area.
type Output struct {
	Model    string `json:"model"`
	Version  string `json:"version"`
	AreaCode string `json:"area_code"`
	BaseYear int    `json:"base_year"`
	Draws    int    `json:"draws"`
	Seed     uint64 `json:"seed"`
	// Rows holds one row per projected year and age group, years ascending,
	// groups in input order; it is the shape of the open forecast dataset.
	Rows []Row `json:"rows"`
	// Needs lists the rows whose P90 demand exceeds capacity, in Rows order.
	Needs []PremisesNeed `json:"needs"`
}

// Row is the forecast demand for places of one age group in one year
// (persons at 31 December × the group's share). Capacity and Gap are nil
// when the input gave no capacity for the group; Gap = P50 − Capacity, so a
// positive gap is a shortage of places.
type Row struct {
	AreaCode   string   `json:"area_code"`
	Year       int      `json:"year"`
	AgeGroup   string   `json:"age_group"`
	P10        float64  `json:"p10"`
	P50        float64  `json:"p50"`
	P90        float64  `json:"p90"`
	Capacity   *float64 `json:"capacity"`
	Gap        *float64 `json:"gap"`
	Confidence float64  `json:"confidence"`
}

// PremisesNeed is the signal that opens a "premises need" case: in Year,
// demand for AgeGroup exceeds Capacity at P90 (Likely: also at P50). Gaps
// are demand − capacity in places.
type PremisesNeed struct {
	AreaCode   string  `json:"area_code"`
	AgeGroup   string  `json:"age_group"`
	Year       int     `json:"year"`
	Capacity   float64 `json:"capacity"`
	DemandP50  float64 `json:"demand_p50"`
	DemandP90  float64 `json:"demand_p90"`
	GapP50     float64 `json:"gap_p50"`
	GapP90     float64 `json:"gap_p90"`
	Likely     bool    `json:"likely"`
	Confidence float64 `json:"confidence"`
}

// Run projects in.Draws seeded paths and summarises each year and age
// group by its 10th, 50th and 90th percentile. In every path births follow
// a random walk in logs (births of year t are the mean level × exp of a sum
// of t N(0, Births.Sigma²) steps), so their uncertainty grows with the
// horizon. Each year's net migration is scaled by 1 + Migration.Sigma·z
// with z ~ N(0,1) made of two equal-variance halves, a level drawn once per
// path and a part drawn anew each year: migration comes in waves lasting
// several years (2014–2018 in Västmanland), so its errors do not cancel
// out over the horizon. The same Input and Seed give the same Output.
func Run(in Input) (Output, error) {
	if err := in.Validate(); err != nil {
		return Output{}, err
	}
	in = in.withDefaults()
	// demand[y][g] holds one value per draw.
	demand := make([][][]float64, in.Horizon)
	for y := range demand {
		demand[y] = make([][]float64, len(in.AgeGroups))
	}
	rng := rand.New(rand.NewPCG(in.Seed, 0x5c001))
	for range in.Draws {
		bm, mm := drawPath(rng, in.Horizon, in.Births.Sigma, in.Migration.Sigma)
		pr := in.path(bm, mm)
		for y, pop := range pr.Population {
			for g, ag := range in.AgeGroups {
				demand[y][g] = append(demand[y][g], groupDemand(pop, ag))
			}
		}
	}
	out := Output{Model: Name, Version: Version, AreaCode: in.AreaCode, BaseYear: in.BaseYear, Draws: in.Draws, Seed: in.Seed}
	for y := range demand {
		for g, ag := range in.AgeGroups {
			row := in.row(in.BaseYear+y+1, ag.Name, demand[y][g])
			out.Rows = append(out.Rows, row)
			if need, ok := premisesNeed(row); ok {
				out.Needs = append(out.Needs, need)
			}
		}
	}
	return out, nil
}

// drawPath draws the birth and migration multipliers of one path.
func drawPath(rng *rand.Rand, horizon int, birthSigma, migSigma float64) (births, mig []float64) {
	births, mig = make([]float64, horizon), make([]float64, horizon)
	logB, level := 0.0, rng.NormFloat64()
	for t := range horizon {
		logB += birthSigma * rng.NormFloat64()
		births[t] = math.Exp(logB)
		mig[t] = 1 + migSigma*math.Sqrt(0.5)*(level+rng.NormFloat64())
	}
	return births, mig
}

func groupDemand(pop []float64, g AgeGroup) float64 {
	var s float64
	for a := g.From; a <= g.To; a++ {
		s += pop[a]
	}
	if g.Share > 0 {
		s *= g.Share
	}
	return s
}

// row summarises the draws of one year and group.
func (in Input) row(year int, group string, draws []float64) Row {
	slices.Sort(draws)
	r := Row{AreaCode: in.AreaCode, Year: year, AgeGroup: group,
		P10: quantile(draws, 0.1), P50: quantile(draws, 0.5), P90: quantile(draws, 0.9)}
	r.Confidence = Confidence(r.P10, r.P50, r.P90)
	if c, ok := in.Capacity[group]; ok {
		gap := r.P50 - c
		r.Capacity, r.Gap = &c, &gap
	}
	return r
}

func premisesNeed(r Row) (PremisesNeed, bool) {
	if r.Capacity == nil || r.P90 <= *r.Capacity {
		return PremisesNeed{}, false
	}
	c := *r.Capacity
	return PremisesNeed{AreaCode: r.AreaCode, AgeGroup: r.AgeGroup, Year: r.Year, Capacity: c,
		DemandP50: r.P50, DemandP90: r.P90, GapP50: r.P50 - c, GapP90: r.P90 - c,
		Likely: r.P50 > c, Confidence: r.Confidence}, true
}

// Confidence maps a band to [0,1]: 1 − (P90 − P10)/P50, floored at 0, so
// a band 5 % of the median wide gives 0.95 and a band as wide as the median
// gives 0. It is 0 when P50 is not positive.
func Confidence(p10, p50, p90 float64) float64 {
	if p50 <= 0 {
		return 0
	}
	return max(0, 1-(p90-p10)/p50)
}

// quantile of sorted values with linear interpolation (type 7).
func quantile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	h := p * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(sorted) {
		return sorted[lo]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}
