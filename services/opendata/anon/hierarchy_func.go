package anon

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// FuncHierarchy builds a functional hierarchy: levels[i-1] maps an
// original value to its level-i value. Together the functions must form a
// tree over the data's values (checked by [Anonymize]); the last one
// usually returns "*". A function's error must not contain the value.
func FuncHierarchy(levels ...func(string) (string, error)) (*Hierarchy, error) {
	if len(levels) == 0 {
		return nil, errors.New("anon: a hierarchy needs at least one level above the original")
	}
	return &Hierarchy{height: len(levels), funcs: levels}, nil
}

// top generalises every value to "*".
func top(string) (string, error) { return "*", nil }

// IntervalHierarchy generalises numbers to bands, one band width per level,
// then "*". Bands start at multiples of their width: with widths 5, 10, 20
// the age 39 becomes "35-39", "30-39", "20-39", "*". Each width must be a
// multiple of the one before, so bands nest. Values must parse as numbers
// (decimals fall in the band of their integer part).
func IntervalHierarchy(widths ...int) (*Hierarchy, error) {
	levels := make([]func(string) (string, error), 0, len(widths)+1)
	prev := 1
	for i, w := range widths {
		if w <= prev || w%prev != 0 {
			return nil, fmt.Errorf("anon: interval level %d: width %d is not a multiple greater than %d", i+1, w, prev)
		}
		prev = w
		levels = append(levels, band(w))
	}
	return FuncHierarchy(append(levels, top)...)
}

// band returns the function mapping a number to its band of width w.
func band(w int) func(string) (string, error) {
	return func(s string) (string, error) {
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return "", errors.New("not a number")
		}
		lo := int64(math.Floor(x/float64(w))) * int64(w)
		return fmt.Sprintf("%d-%d", lo, lo+int64(w)-1), nil
	}
}

// DateHierarchy generalises ISO dates (2024-02-07) in three levels: month
// ("2024-02"), year ("2024"), "*". There is no week level because weeks
// straddle months and years, so weeks and months cannot nest in one tree;
// use [FuncHierarchy] for a date → ISO week → "*" hierarchy instead.
func DateHierarchy() *Hierarchy {
	month := func(s string) (string, error) {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
		if err != nil {
			return "", errors.New("not an ISO date (YYYY-MM-DD)")
		}
		return t.Format("2006-01"), nil
	}
	year := func(s string) (string, error) {
		m, err := month(s)
		if err != nil {
			return "", err
		}
		return m[:4], nil
	}
	h, _ := FuncHierarchy(month, year, top)
	return h
}

// MaskHierarchy generalises codes such as postcodes by masking trailing
// characters: level i (1..maxMasked) replaces the last i characters with
// '*' ("72214" → "7221*" → "722**"), and the level above that is "*".
// Values shorter than i are masked entirely; length is kept, so values of
// different lengths stay apart.
func MaskHierarchy(maxMasked int) (*Hierarchy, error) {
	if maxMasked < 1 {
		return nil, fmt.Errorf("anon: mask hierarchy needs at least 1 masked character, got %d", maxMasked)
	}
	levels := make([]func(string) (string, error), 0, maxMasked+1)
	for i := 1; i <= maxMasked; i++ {
		levels = append(levels, mask(i))
	}
	return FuncHierarchy(append(levels, top)...)
}

// mask returns the function replacing the last n characters with '*'.
func mask(n int) func(string) (string, error) {
	return func(s string) (string, error) {
		r := []rune(s)
		keep := max(len(r)-n, 0)
		return string(r[:keep]) + strings.Repeat("*", len(r)-keep), nil
	}
}
