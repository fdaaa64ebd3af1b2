package forecast

import "testing"

// BenchmarkRunVasteras is one full model run for Västerås: ages 0–100, ten
// years, 1000 draws.
func BenchmarkRunVasteras(b *testing.B) {
	pop := make([]float64, 101)
	women := make([]float64, 101)
	rates := make([]float64, 101)
	for a := range pop {
		pop[a], women[a] = 1800, 900
		if a < 19 {
			rates[a] = 0.02
		}
	}
	in := Input{AreaCode: "1980", BaseYear: 2019, Population: pop, Women: women,
		Births:    BirthsInput{PerWoman: 0.053, Sigma: 0.024},
		Migration: MigrationInput{Rates: rates, Sigma: 0.47}}
	for b.Loop() {
		if _, err := Run(in); err != nil {
			b.Fatal(err)
		}
	}
}
