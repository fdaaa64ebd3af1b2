package privacy

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"
	"sync"
)

// Noise adds Laplace noise to counts and sums and charges every release to
// a Budget. It is safe for concurrent use.
//
// Counts get discrete Laplace noise (the difference of two geometric
// variables), so a noisy count is an integer and the mechanism is exactly
// ε-differentially private for integer sensitivity. Sums get the same
// noise on a grid of a power-of-two granularity about 2^-40 of the noise
// scale, the sum snapped to that grid first: the output's low-order bits
// then carry nothing about the input, which closes the floating-point
// attack on textbook Laplace sampling (Mironov 2012). This is the approach
// of Google's differential-privacy library, which is not used because its
// Go module is not served here; this package implements the mechanism with
// the standard library alone.
//
// What it does not do: it does not bound how many events one person
// contributes — the caller states it (maxPerPerson) and must make it true
// — and it does not make a series of versions private together beyond
// each version's own Budget.
type Noise struct {
	mu     sync.Mutex
	rng    *mrand.Rand
	budget *Budget
}

// NewNoise returns a Noise drawing from crypto/rand, charging budget.
func NewNoise(budget *Budget) *Noise {
	return &Noise{rng: mrand.New(cryptoSource{}), budget: budget}
}

// NewSeededNoise returns a Noise whose draws depend on seed alone, for
// tests and reproducible examples. Never publish its output: who knows the
// seed can subtract the noise.
func NewSeededNoise(budget *Budget, seed uint64) *Noise {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return &Noise{rng: mrand.New(mrand.NewChaCha8(s)), budget: budget}
}

type cryptoSource struct{}

// Uint64 reads crypto/rand, which never fails (it crashes the program
// rather than return predictable bytes).
func (cryptoSource) Uint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// Counts returns counts with noise, spending epsilon as what. The counts
// are a histogram: one person adds at most maxPerPerson to the table as a
// whole (1 when each person is one event), so the L1 sensitivity is
// maxPerPerson and the noise scale maxPerPerson/epsilon. A noisy count
// below 0 is published as 0 (post-processing, which costs no privacy but
// biases small counts upward).
func (n *Noise) Counts(what string, counts []int64, maxPerPerson int, epsilon float64) ([]int64, error) {
	if maxPerPerson < 1 {
		return nil, fmt.Errorf("privacy: %s: max contributions per person %d: must be at least 1", what, maxPerPerson)
	}
	if err := n.budget.Spend(what, epsilon); err != nil {
		return nil, err
	}
	scale := float64(maxPerPerson) / epsilon
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]int64, len(counts))
	for i, c := range counts {
		out[i] = max(0, c+n.discreteLaplace(scale))
	}
	return out, nil
}

// Sums returns, per cell, the sum of its contributions with noise,
// spending epsilon as what. Each contribution is first clamped to
// [-bound, bound]; one person makes at most maxPerPerson contributions to
// the table as a whole, so the sensitivity is maxPerPerson·bound.
func (n *Noise) Sums(what string, contributions [][]float64, bound float64, maxPerPerson int, epsilon float64) ([]float64, error) {
	if !(bound > 0) || math.IsInf(bound, 0) {
		return nil, fmt.Errorf("privacy: %s: sum bound %v: must be positive and finite", what, bound)
	}
	if maxPerPerson < 1 {
		return nil, fmt.Errorf("privacy: %s: max contributions per person %d: must be at least 1", what, maxPerPerson)
	}
	for i, cs := range contributions {
		if slices.ContainsFunc(cs, math.IsNaN) {
			return nil, fmt.Errorf("privacy: %s: cell %d: a contribution is not a number", what, i)
		}
	}
	if err := n.budget.Spend(what, epsilon); err != nil {
		return nil, err
	}
	scale := float64(maxPerPerson) * bound / epsilon
	gran := granularity(scale)
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]float64, len(contributions))
	for i, cs := range contributions {
		sum := 0.0
		for _, v := range cs {
			sum += math.Max(-bound, math.Min(bound, v))
		}
		out[i] = (math.Round(sum/gran) + float64(n.discreteLaplace(scale/gran))) * gran
	}
	return out, nil
}

// granularity is the power of two at or above scale·2^-40.
func granularity(scale float64) float64 {
	return math.Exp2(math.Ceil(math.Log2(scale) - 40))
}

// discreteLaplace draws an integer z with probability proportional to
// exp(-|z|/scale): the difference of two geometric variables, each the
// floor of an exponential variable of mean scale.
func (n *Noise) discreteLaplace(scale float64) int64 {
	return n.geometric(scale) - n.geometric(scale)
}

func (n *Noise) geometric(scale float64) int64 {
	u := float64(n.rng.Uint64()>>11+1) / (1 << 53) // (0, 1]
	return int64(math.Floor(-scale * math.Log(u)))
}
