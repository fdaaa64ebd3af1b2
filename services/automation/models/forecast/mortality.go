package forecast

import "math"

// DefaultMortality returns the one-year probability of death q(x) for ages
// 0..maxAge, both sexes together, used when Input.Mortality is nil.
//
// Assumption (no life table ships with the project): a smooth approximation
// of SCB's life table for Sweden 2015–2019 (both sexes): q(0) = 0.0022
// (infant mortality about 2.2 per 1,000), q = 0.0001 for ages 1–14, and
// from age 15 the Gompertz curve q(x) = 2e-5·e^(0.1x), floored at 0.0003
// and capped at 0.5. It gives about 0.003 at 50, 0.022 at 70, 0.06 at 80 and
// 0.16 at 90, within a few tenths of a per mille of SCB's table at school
// ages, where deaths barely move the forecast.
func DefaultMortality(maxAge int) []float64 {
	q := make([]float64, maxAge+1)
	for x := range q {
		switch {
		case x == 0:
			q[x] = 0.0022
		case x < 15:
			q[x] = 0.0001
		default:
			q[x] = math.Min(0.5, math.Max(0.0003, 2e-5*math.Exp(0.1*float64(x))))
		}
	}
	return q
}
