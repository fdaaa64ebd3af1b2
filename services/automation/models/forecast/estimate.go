package forecast

import (
	"fmt"
	"math"
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
// is net migration. Rates[a] is the sum of those residuals over the years
// divided by the sum of the cohorts at the start; Sigma is the standard
// deviation of the yearly total residual divided by its absolute mean.
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
	resid, start := make([]float64, n), make([]float64, n)
	var totals []float64
	for t := from + 1; t <= to; t++ {
		prev, cur, b, okB := pops[t-1], pops[t], births[t], hasKey(births, t)
		if len(prev) != n || len(cur) != n || len(mortality) != n || !okB {
			return MigrationInput{}, fmt.Errorf("forecast: estimate migration: year %d lacks population or births, or lengths differ", t)
		}
		survived := in.advance(prev, b, make([]float64, n))
		var total float64
		for a, s := range cohortStart(prev, b) {
			resid[a] += cur[a] - survived[a]
			start[a] += s
			total += cur[a] - survived[a]
		}
		totals = append(totals, total)
	}
	rates := make([]float64, n)
	for a := range rates {
		if start[a] > 0 {
			rates[a] = resid[a] / start[a]
		}
	}
	m, sd := meanSD(totals)
	sigma := 0.0
	if m != 0 {
		sigma = sd / math.Abs(m)
	}
	return MigrationInput{Rates: rates, Sigma: sigma}, nil
}

func hasKey(m map[int]float64, k int) bool { _, ok := m[k]; return ok }

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
