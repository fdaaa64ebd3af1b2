package dcat

import (
	"fmt"
	"io"
	"testing"
)

// BenchmarkWrite writes a catalog of 500 datasets (three distributions
// each) in each serialisation.
func BenchmarkWrite(b *testing.B) {
	c := testCatalog()
	demo := c.Datasets
	c.Datasets = nil
	for i := range 500 {
		d := demo[i%len(demo)]
		d.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		c.Datasets = append(c.Datasets, d)
	}
	for _, w := range writers {
		b.Run(w.ext, func(b *testing.B) {
			b.SetBytes(int64(len(write(b, c, w.write))))
			for b.Loop() {
				if err := w.write(io.Discard, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
