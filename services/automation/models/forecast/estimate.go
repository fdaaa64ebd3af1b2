package forecast

import (
	"fmt"
	"math"
	"slices"
)

// LogGrowthSigma is the sample standard deviation of log(x[t]/x[t−1]) of a
// yearly series, the volatility the births random walk uses. ok is false
// when the series has fewer than three values or a value that is not
// positive.
func LogGrowthSigma(series []float64) (sigma float64, ok bool) {
	if len(series) < 3 {
		return 0, false
	}
	d := make([]float64, 0, len(series)-1)
	for t := 1; t < len(series); t++ {
		if series[t-1] <= 0 || series[t] <= 0 {
			return 0, false
		}
		d = append(d, math.Log(series[t]/series[t-1]))
	}
	_, sd := meanSD(d)
	return sd, true
}

// EstimateMigration derives net migration by age with the residual method:
// for each year t in (from, to], what the population at 31 December of t
// has beyond the survivors of year t−1 (and of the births of t, for age 0)
// is net migration. Rates[a] is the median over the years of that residual
// divided by the cohort at the start of the year, and Sigma is the robust
// relative spread of the yearly total residual, 1.4826·MAD / |median|.
// Medians keep one broken year from biasing the rates: Heby moved from
// Västmanlands to Uppsala län on 1 January 2007, and SCB's county series
// shows a uniform 3–6 % drop at every age in 2006 (2,687 children aged
// 1–18), a border change and not migration.
// The last age is the projection's open top class: its rate is left at 0
// and it is left out of Sigma, so vectors that stop short of the real top
// class (ages 0–19, say) still give correct rates for every other age.
// pops maps a year to persons by age (every year from..to, equal lengths);
// births maps a year to its births (every year after from); mortality is q
// by age, nil meaning DefaultMortality.
func EstimateMigration(pops map[int][]float64, births map[int]float64, mortality []float64, from, to int) (MigrationInput, error) {
	if to <= from {
		return MigrationInput{}, fmt.Errorf("forecast: estimate migration: to must be after from")
	}
	n := len(pops[from])
	if mortality == nil {
		mortality = DefaultMortality(n - 1)
	}
	in := Input{Mortality: mortality}
	yearly := make([][]float64, n) // yearly[a]: one rate per year
	var totals []float64
	for t := from + 1; t <= to; t++ {
		prev, cur, b, okB := pops[t-1], pops[t], births[t], hasKey(births, t)
		if n == 0 || len(prev) != n || len(cur) != n || len(mortality) != n || !okB {
			return MigrationInput{}, fmt.Errorf("forecast: estimate migration: year %d lacks population or births, or lengths differ", t)
		}
		survived := in.advance(prev, b, make([]float64, n))
		var total float64
		for a, s := range cohortStart(prev, b)[:n-1] {
			total += cur[a] - survived[a]
			if s > 0 {
				yearly[a] = append(yearly[a], (cur[a]-survived[a])/s)
			}
		}
		totals = append(totals, total)
	}
	rates := make([]float64, n)
	for a, r := range yearly[:n-1] {
		rates[a] = median(r)
	}
	sigma := 0.0
	if m := median(totals); m != 0 {
		sigma = 1.4826 * mad(totals) / math.Abs(m)
	}
	return MigrationInput{Rates: rates, Sigma: sigma}, nil
}

func hasKey(m map[int]float64, k int) bool { _, ok := m[k]; return ok }

// median of x (0 when empty); x is not changed.
func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	return quantile(s, 0.5)
}

// mad is the median absolute deviation from the median.
func mad(x []float64) float64 {
	m := median(x)
	d := make([]float64, len(x))
	for i, v := range x {
		d[i] = math.Abs(v - m)
	}
	return median(d)
}

// meanSD is the mean and sample standard deviation (0 with fewer than two values).
func meanSD(x []float64) (mean, sd float64) {
	if len(x) == 0 {
		return 0, 0
	}
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	if len(x) < 2 {
		return mean, 0
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}
