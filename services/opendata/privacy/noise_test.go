package privacy

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func mustBudget(t *testing.T, eps float64) *Budget {
	t.Helper()
	b, err := NewBudget(eps)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBudget(t *testing.T) {
	b := mustBudget(t, 0.3)
	if err := b.Spend("counts", 0.1); err != nil {
		t.Fatal(err)
	}
	if err := b.Spend("sums", 0.2); err != nil {
		t.Fatalf("spending exactly the rest: %v", err)
	}
	err := b.Spend("more", 0.01)
	if !errors.Is(err, ErrBudgetExceeded) || !strings.Contains(err.Error(), "more") {
		t.Fatalf("overspending: err = %v, want ErrBudgetExceeded naming the spend", err)
	}
	want := []Spend{{"counts", 0.1}, {"sums", 0.2}}
	if got := b.Ledger(); !slices.Equal(got, want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
	if got := b.Spent(); math.Abs(got-0.3) > 1e-12 || b.Epsilon() != 0.3 {
		t.Errorf("spent = %v of %v, want 0.3 of 0.3", got, b.Epsilon())
	}
	for _, eps := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if _, err := NewBudget(eps); err == nil {
			t.Errorf("NewBudget(%v) = nil error", eps)
		}
		if err := mustBudget(t, 1).Spend("x", eps); err == nil {
			t.Errorf("Spend(%v) = nil error", eps)
		}
	}
}

func TestNoiseSeededIsDeterministic(t *testing.T) {
	counts := []int64{0, 3, 10, 250, 1000}
	draw := func(seed uint64) []int64 {
		out, err := NewSeededNoise(mustBudget(t, 1), seed).Counts("c", counts, 1, 0.5)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a, b, c := draw(7), draw(7), draw(8)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different noise: %v, %v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("different seeds, same noise: %v", a)
	}
	for _, v := range a {
		if v < 0 {
			t.Errorf("negative noisy count %d", v)
		}
	}
}

func TestNoiseSecureDiffers(t *testing.T) {
	counts := make([]int64, 64)
	for i := range counts {
		counts[i] = 1000
	}
	a, err := NewNoise(mustBudget(t, 1)).Counts("c", counts, 1, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewNoise(mustBudget(t, 1)).Counts("c", counts, 1, 0.5)
	if slices.Equal(a, b) {
		t.Error("two secure Noises drew the same 64 values")
	}
	if slices.Equal(a, counts) {
		t.Error("no noise was added")
	}
}

// The draws follow the discrete Laplace distribution: P(0) = (1-q)/(1+q),
// mean 0, variance 2q/(1-q)^2 with q = exp(-1/scale). Seeded, so the check
// is deterministic; the tolerances are several standard errors wide.
func TestDiscreteLaplaceDistribution(t *testing.T) {
	const n = 200000
	for _, scale := range []float64{0.5, 2, 10} {
		noise := NewSeededNoise(mustBudget(t, 1), 42)
		var sum, sq float64
		zeros := 0
		for range n {
			z := float64(noise.discreteLaplace(scale))
			sum += z
			sq += z * z
			if z == 0 {
				zeros++
			}
		}
		q := math.Exp(-1 / scale)
		wantVar := 2 * q / ((1 - q) * (1 - q))
		mean, variance := sum/n, sq/n
		if math.Abs(mean) > 5*math.Sqrt(wantVar/n) {
			t.Errorf("scale %v: mean %v, want about 0", scale, mean)
		}
		if math.Abs(variance-wantVar)/wantVar > 0.03 {
			t.Errorf("scale %v: variance %v, want %v", scale, variance, wantVar)
		}
		if p0, want := float64(zeros)/n, (1-q)/(1+q); math.Abs(p0-want) > 0.01 {
			t.Errorf("scale %v: P(0) = %v, want %v", scale, p0, want)
		}
	}
}

func TestNoiseSpendsTheBudget(t *testing.T) {
	b := mustBudget(t, 1)
	noise := NewSeededNoise(b, 1)
	if _, err := noise.Counts("counts", []int64{5}, 1, 0.6); err != nil {
		t.Fatal(err)
	}
	out, err := noise.Sums("kg", [][]float64{{1}}, 10, 1, 0.6)
	if !errors.Is(err, ErrBudgetExceeded) || out != nil {
		t.Fatalf("Sums past the budget = %v, %v; want nil, ErrBudgetExceeded", out, err)
	}
	if got := b.Ledger(); len(got) != 1 || got[0].What != "counts" {
		t.Errorf("ledger = %v, want only counts", got)
	}
}

func TestSumsClampAndGranularity(t *testing.T) {
	// With a huge epsilon the noise is far below the clamping effect.
	noise := NewSeededNoise(mustBudget(t, 1e9), 3)
	out, err := noise.Sums("kg", [][]float64{{1e9, 2, -1e9}, {0.5, 0.25}, nil}, 10, 1, 1e8)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{10 + 2 - 10, 0.75, 0}
	for i := range want {
		if math.Abs(out[i]-want[i]) > 1e-4 {
			t.Errorf("cell %d: %v, want about %v", i, out[i], want[i])
		}
	}
	// Outputs lie on the granularity grid.
	noise = NewSeededNoise(mustBudget(t, 1), 4)
	out, _ = noise.Sums("kg", [][]float64{{math.Pi}}, 10, 1, 1)
	g := granularity(10)
	if r := out[0] / g; r != math.Trunc(r) {
		t.Errorf("noisy sum %v is not a multiple of %v", out[0], g)
	}
	if g > 10*math.Exp2(-39) || g < 10*math.Exp2(-41) {
		t.Errorf("granularity(10) = %v", g)
	}
}

func TestNoiseErrors(t *testing.T) {
	noise := NewSeededNoise(mustBudget(t, 10), 1)
	if _, err := noise.Counts("c", []int64{1}, 0, 1); err == nil {
		t.Error("maxPerPerson 0 accepted")
	}
	if _, err := noise.Counts("c", []int64{1}, 1, 0); err == nil {
		t.Error("epsilon 0 accepted")
	}
	for _, bound := range []float64{0, -1, math.Inf(1), math.NaN()} {
		if _, err := noise.Sums("s", [][]float64{{1}}, bound, 1, 1); err == nil {
			t.Errorf("bound %v accepted", bound)
		}
	}
	_, err := noise.Sums("s", [][]float64{{1}, {math.NaN()}}, 1, 1, 1)
	if err == nil || !strings.Contains(err.Error(), "cell 1") {
		t.Errorf("NaN contribution: err = %v", err)
	}
	b := mustBudget(t, 1)
	if _, err := NewSeededNoise(b, 1).Sums("s", [][]float64{{math.NaN()}}, 1, 1, 1); err == nil || b.Spent() != 0 {
		t.Error("a refused call spent budget")
	}
}

func BenchmarkCounts(b *testing.B) {
	counts := make([]int64, 1000)
	noise := NewNoise(mustBudgetB(b))
	for b.Loop() {
		if _, err := noise.Counts("c", counts, 1, 1e-12); err != nil {
			b.Fatal(err)
		}
	}
}

func mustBudgetB(b *testing.B) *Budget {
	bud, err := NewBudget(1e9)
	if err != nil {
		b.Fatal(err)
	}
	return bud
}
