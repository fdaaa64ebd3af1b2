package simulate

import "testing"

// BenchmarkYear reads a simulated year of each scenario at volume 1 (no
// bus): records/s is what the simulator alone can give.
func BenchmarkYear(b *testing.B) {
	for _, sc := range scenarios {
		b.Run(sc, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n += len(readAll(b, newTestSource(b, Config{Scenario: sc, Seed: 1980, Start: "2024-01-01", End: "2024-12-31"})))
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(n)/float64(b.N), "records/year")
		})
	}
}
