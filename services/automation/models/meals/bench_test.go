package meals

import (
	"testing"

	"github.com/vasteras/civicbus/schemas"
)

// BenchmarkRunWeek is one week's forecast for the 60 simulated kitchens
// from a year of history (10,440 rows).
func BenchmarkRunWeek(b *testing.B) {
	in := Input{History: simulatedYear(b), Days: []schemas.Date{"2025-01-13", "2025-01-14", "2025-01-15", "2025-01-16", "2025-01-17"}}
	for b.Loop() {
		if _, err := Run(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBacktest is the rolling-origin backtest of the simulated year.
func BenchmarkBacktest(b *testing.B) {
	h := simulatedYear(b)
	for b.Loop() {
		if _, err := Backtest(h, 0); err != nil {
			b.Fatal(err)
		}
	}
}
