package privacy

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DefaultSmallCellThreshold is the threshold of small-cell suppression
// when a policy names none: cells counting 1 to 4 are suppressed.
const DefaultSmallCellThreshold = 5

// TotalKey is the key of a total in Entry.Keys: the entry with TotalKey on
// dimension d sums the entries that differ from it only on d. Input cells
// may not use it as a category (case-insensitively), so a table that
// already holds totals is refused rather than counted twice.
const TotalKey = "Totalt"

// maxEntries bounds the grid (cells and totals) SuppressSmallCells builds.
const maxEntries = 1 << 20

// Cell is one cell of an aggregate table: its category on each dimension,
// the number of persons (or events) it counts, and optional sums.
type Cell struct {
	Keys  []string
	Count int64
	// Sums are optional measures of the cell, by name; they are suppressed
	// with it.
	Sums map[string]float64
}

// Status says whether an Entry is published, and if not, why.
type Status string

// The statuses of an Entry.
const (
	Published Status = "published"
	// Primary: the entry counts 1 to threshold-1.
	Primary Status = "primary"
	// Secondary: suppressed so that no primary one can be computed back
	// from the published entries.
	Secondary Status = "secondary"
	// Hidden is the status of every suppressed entry in Published: telling
	// primary from secondary would tell the attacker which hidden counts
	// are below the threshold, and so bound the others.
	Hidden Status = "suppressed"
)

// Entry is a cell or a total of the suppressed table.
type Entry struct {
	Keys  []string           `json:"keys"`
	Count int64              `json:"count"`
	Sums  map[string]float64 `json:"sums,omitempty"`
	// Status is Published, Primary or Secondary (Hidden in Published).
	Status Status `json:"status"`
}

// Suppressed reports whether the entry must not be published.
func (e Entry) Suppressed() bool { return e.Status != Published }

// Result is a table after small-cell suppression.
type Result struct {
	Dims      []string `json:"dims"`
	Threshold int      `json:"threshold"`
	// Entries are every cell of the full grid (a combination of categories
	// missing from the input is a cell counting 0) and every total, in
	// grid order: categories sorted, TotalKey last on each dimension.
	// Count and Sums hold the true values, also when suppressed: write
	// Published() out, not Entries.
	Entries   []Entry `json:"entries"`
	Primary   int     `json:"cells_suppressed_primary"`
	Secondary int     `json:"cells_suppressed_secondary"`
}

// Published returns the entries as they may be published: a suppressed
// entry keeps its keys, loses its count and sums, and has status Hidden
// whether it was primary or secondary (SCB marks both "..").
func (r Result) Published() []Entry {
	out := make([]Entry, len(r.Entries))
	for i, e := range r.Entries {
		if e.Suppressed() {
			e.Count, e.Sums, e.Status = 0, nil, Hidden
		}
		out[i] = e
	}
	return out
}

// SuppressSmallCells protects the small cells of an aggregate table.
//
// The published table holds every cell and its true totals along each
// dimension (margins of every order, up to the grand total), as SCB
// publishes them. Then:
//
//   - primary suppression: every entry, cell or total, counting 1 to
//     threshold-1 is suppressed. A count of 0 is published: it singles
//     nobody out, and SCB publishes zeros.
//   - secondary suppression: a line (the entries that differ only on one
//     dimension, with their total) that holds exactly one suppressed entry
//     would give it away by subtraction, and so would a line whose
//     suppressed cells are all 1s (zeros being published, each suppressed
//     entry is known to be at least 1); greedily, the line's published
//     entry with the smallest positive count is suppressed too, until no
//     line gives one away. The greedy choice loses the fewest persons per
//     step but is not the optimum an ILP would find.
//   - audit: the published entries are then solved as linear equations
//     (every line sums to its total); a suppressed entry they determine
//     exactly (a "bridge" between suppressed patterns, in 3 or more
//     dimensions, and so on) gets a further secondary suppression on one
//     of its lines, and the two steps repeat until none is determined.
//
// The audit's time grows with the cube of the number of suppressed
// entries that share lines: 0.2 to 0.5 s for a 30 × 20 × 12 table with
// 2,000 of them, 2 to 3 s and 156 MB for 90 × 20 × 12 with 6,000
// (BenchmarkSuppress3D on a shared two-core machine). A
// table with more than 8,000 is refused with an error rather than
// published unaudited.
//
// What it does not protect against: bounds beyond the single-line "all
// 1s" case. A suppressed entry is known to lie between 1 and its line's
// remaining total, and a narrow interval can tell much (no interval/LP
// audit over several lines is made). Sums are suppressed with their
// cell but no dominance rule (one contributor making most of a sum) is
// applied.
func SuppressSmallCells(cells []Cell, dims []string, threshold int) (Result, error) {
	if threshold < 1 {
		return Result{}, fmt.Errorf("privacy: small-cell threshold %d: must be at least 1", threshold)
	}
	g, err := newGrid(cells, dims)
	if err != nil {
		return Result{}, err
	}
	g.primary(threshold)
	for {
		g.secondaryLines()
		det, err := g.determined()
		if err != nil {
			return Result{}, err
		}
		if len(det) == 0 {
			break
		}
		if err := g.protect(det); err != nil {
			return Result{}, err
		}
	}
	return g.result(dims, threshold), nil
}

// validateCells checks the table's shape; its errors name cells by index
// and dimensions by name, never a count.
func validateCells(cells []Cell, dims []string) error {
	var errs []error
	if len(dims) == 0 {
		errs = append(errs, errors.New("privacy: small cells: no dimensions"))
	}
	for i, d := range dims {
		if d == "" || slices.Index(dims, d) != i {
			errs = append(errs, fmt.Errorf("privacy: small cells: dimension %d: empty or repeated name", i))
		}
	}
	for i, c := range cells {
		if len(c.Keys) != len(dims) {
			errs = append(errs, fmt.Errorf("privacy: small cells: cell %d has %d keys for %d dimensions", i, len(c.Keys), len(dims)))
			continue
		}
		if c.Count < 0 {
			errs = append(errs, fmt.Errorf("privacy: small cells: cell %d: negative count", i))
		}
		for d, k := range c.Keys {
			if strings.EqualFold(k, TotalKey) {
				errs = append(errs, fmt.Errorf("privacy: small cells: cell %d: dimension %q: %q is reserved for totals", i, dims[d], TotalKey))
			}
		}
	}
	return errors.Join(errs...)
}
