package simulate

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/vasteras/civicbus/connectors"
)

// rng is the random source of one simulated thing (a day of a scenario, a
// case): seeded by the seed and the thing's label, so it is the same on
// every run and independent of the order things are made in.
type rng struct{ *rand.Rand }

func newRNG(seed int64, label ...string) rng {
	h := sha256.New()
	h.Write(strconv.AppendInt(nil, seed, 10))
	for _, l := range label {
		h.Write([]byte{0})
		h.Write([]byte(l))
	}
	sum := h.Sum(nil)
	return rng{rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))}
}

// poisson draws from a Poisson distribution of mean mean: Knuth's method
// for small means, the rounded normal approximation above 30.
func (r rng) poisson(mean float64) int {
	if mean <= 0 {
		return 0
	}
	if mean > 30 {
		return max(0, int(math.Round(mean+math.Sqrt(mean)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-mean), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// logNormal draws a duration whose logarithm is normal: median and the
// standard deviation sigma of its logarithm.
func (r rng) logNormal(median time.Duration, sigma float64) time.Duration {
	return time.Duration(float64(median) * math.Exp(sigma*r.NormFloat64()))
}

// weighted returns an index into weights, drawn in proportion to them.
func (r rng) weighted(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// chance is true with probability p.
func (r rng) chance(p float64) bool { return r.Float64() < p }

// between is uniform in [lo, hi).
func (r rng) between(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// simID is the deterministic UUID (v5) of a simulated thing of a seed, so
// that the same seed gives the same ids and different seeds different ones.
func simID(seed int64, kind, key string) string {
	return connectors.EventID("urn:civicbus:simulate:"+kind, strconv.FormatInt(seed, 10)+"\x1f"+key, 0)
}

// round rounds x to the nearest multiple of step (at least one step).
func round(x, step float64) float64 { return cents(max(step, math.Round(x/step)*step)) }
