package privacy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// BenchmarkSuppress3D suppresses district × age band × month tables (20
// age bands, 12 months; 30 districts make 8,463 entries with totals, 90
// make 24,843) where about a quarter of the cells are small.
func BenchmarkSuppress3D(b *testing.B) {
	for _, districts := range []int{30, 90} {
		b.Run(fmt.Sprint("districts=", districts), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			var cells []Cell
			for d := range districts {
				for a := range 20 {
					for m := range 12 {
						n := int64(rng.IntN(40))
						if rng.IntN(4) == 0 {
							n = int64(rng.IntN(5))
						}
						cells = append(cells, Cell{Keys: []string{fmt.Sprint("d", d), fmt.Sprint("a", a), fmt.Sprint("m", m)}, Count: n})
					}
				}
			}
			var r Result
			for b.Loop() {
				var err error
				if r, err = SuppressSmallCells(cells, []string{"district", "age", "month"}, 5); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(r.Primary), "primary")
			b.ReportMetric(float64(r.Secondary), "secondary")
		})
	}
}

func BenchmarkCheck(b *testing.B) {
	s, _ := NewScanner(ScannerOptions{Dataset: "bench"})
	text := strings.Repeat("Eleven åt lunch 2024-01-15 kl 11:30, 0,25 kg svinn; ", 4)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if s.Check("note", text) != nil {
			b.Fatal("finding in clean text")
		}
	}
}
