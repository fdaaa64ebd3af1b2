package privacy

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// BenchmarkSuppress3D suppresses a district × age band × month table (30 ×
// 20 × 12 cells, 8,463 entries with totals) where about a quarter of the
// cells are small.
func BenchmarkSuppress3D(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	var cells []Cell
	for d := range 30 {
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
