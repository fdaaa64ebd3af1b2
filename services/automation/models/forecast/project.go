package forecast

// Projection is one projected path: Population[i] and Women[i] are persons
// by age at 31 December of Years[i]; Births[i] are the births during that
// year. Women is nil when the input gave none.
type Projection struct {
	Years      []int       `json:"years"`
	Population [][]float64 `json:"population"`
	Women      [][]float64 `json:"women,omitempty"`
	Births     []float64   `json:"births"`
}

// Project returns the central cohort-component projection: births and
// migration at their means, no randomness. Each year everyone ages one
// year and survives with 1 − q(age at the start of the year) (the top
// class also keeps its own survivors), net migration is added to the
// cohort reaching each age, and births, less infant deaths q(0), become age
// 0. A cohort that migration would make negative is set to zero.
func Project(in Input) (Projection, error) {
	if err := in.Validate(); err != nil {
		return Projection{}, err
	}
	in = in.withDefaults()
	return in.path(nil, nil), nil
}

// path projects in.Horizon years; birthMult[t] and migMult[t] scale the
// births and the net migration of year t (nil means 1).
func (in Input) path(birthMult, migMult []float64) Projection {
	pr := Projection{}
	pop, women := in.Population, in.Women
	for t := range in.Horizon {
		b := in.birthLevel(women) * at(birthMult, t)
		net := in.netMigration(pop, b, at(migMult, t))
		nextPop := in.advance(pop, b, net)
		if women != nil {
			women = in.advance(women, b*FemaleShareOfBirths, femaleShare(net, cohortStart(pop, b), cohortStart(women, b*FemaleShareOfBirths)))
			pr.Women = append(pr.Women, women)
		}
		pop = nextPop
		pr.Years = append(pr.Years, in.BaseYear+t+1)
		pr.Population = append(pr.Population, pop)
		pr.Births = append(pr.Births, b)
	}
	return pr
}

// birthLevel is the expected births of a year whose start has women by age.
func (in Input) birthLevel(women []float64) float64 {
	if in.Births.PerWoman > 0 {
		var w float64
		for a := 15; a <= 49; a++ {
			w += women[a]
		}
		return in.Births.PerWoman * w
	}
	var s float64
	for _, b := range in.Births.History {
		s += b
	}
	return s / float64(len(in.Births.History))
}

// cohortStart is, per age at the end of the year, the cohort at its start:
// the births for age 0, age a−1 otherwise, and both top ages for the top.
func cohortStart(v []float64, births float64) []float64 {
	top := len(v) - 1
	s := make([]float64, len(v))
	s[0] = births
	copy(s[1:], v[:top])
	s[top] += v[top]
	return s
}

// netMigration is net migrants by age in a year, scaled by mult.
func (in Input) netMigration(pop []float64, births, mult float64) []float64 {
	start := cohortStart(pop, births)
	net := make([]float64, len(pop))
	for a := range net {
		net[a] = mult * (at0(in.Migration.Rates, a)*start[a] + at0(in.Migration.Counts, a))
	}
	return net
}

// femaleShare splits net migration in proportion to the women in each
// cohort (the share of girls among births when a cohort is empty).
func femaleShare(net, start, womenStart []float64) []float64 {
	out := make([]float64, len(net))
	for a := range net {
		share := FemaleShareOfBirths
		if start[a] > 0 {
			share = womenStart[a] / start[a]
		}
		out[a] = net[a] * share
	}
	return out
}

// advance ages v one year: survivors plus net migration, newborns as age 0.
func (in Input) advance(v []float64, newborns float64, net []float64) []float64 {
	q, top := in.Mortality, len(v)-1
	next := make([]float64, len(v))
	next[0] = newborns * (1 - q[0])
	for a := 1; a <= top; a++ {
		next[a] = v[a-1] * (1 - q[a-1])
	}
	next[top] += v[top] * (1 - q[top])
	for a := range next {
		next[a] = max(0, next[a]+net[a])
	}
	return next
}

func at(v []float64, t int) float64 {
	if v == nil {
		return 1
	}
	return v[t]
}

func at0(v []float64, a int) float64 {
	if v == nil {
		return 0
	}
	return v[a]
}
