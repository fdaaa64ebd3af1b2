package privacy

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// grid is a table with its totals as one dense n-dimensional array: on
// dimension d, index len(cats[d]) is the total.
type grid struct {
	cats    [][]string
	size    []int // len(cats[d]) + 1
	stride  []int
	count   []int64
	sums    map[string][]float64
	status  []Status
	entries int
}

func newGrid(cells []Cell, dims []string) (*grid, error) {
	if err := validateCells(cells, dims); err != nil {
		return nil, err
	}
	g := &grid{cats: make([][]string, len(dims)), size: make([]int, len(dims)), stride: make([]int, len(dims)), sums: map[string][]float64{}}
	g.entries = 1
	for d := len(dims) - 1; d >= 0; d-- {
		seen := map[string]bool{}
		for _, c := range cells {
			seen[c.Keys[d]] = true
		}
		g.cats[d] = slices.Sorted(maps.Keys(seen))
		g.size[d] = len(g.cats[d]) + 1
		g.stride[d] = g.entries
		g.entries *= g.size[d]
		if g.entries > maxEntries {
			return nil, fmt.Errorf("privacy: small cells: more than %d cells and totals", maxEntries)
		}
	}
	g.count = make([]int64, g.entries)
	g.status = make([]Status, g.entries)
	filled := make([]bool, g.entries)
	for i, c := range cells {
		at := g.index(c.Keys)
		if filled[at] {
			return nil, fmt.Errorf("privacy: small cells: cell %d repeats the keys of an earlier cell", i)
		}
		filled[at] = true
		g.count[at] = c.Count
		for name, v := range c.Sums {
			if g.sums[name] == nil {
				g.sums[name] = make([]float64, g.entries)
			}
			g.sums[name][at] = v
		}
	}
	g.addTotals()
	return g, nil
}

func (g *grid) index(keys []string) int {
	at := 0
	for d, k := range keys {
		i, _ := slices.BinarySearch(g.cats[d], k)
		at += i * g.stride[d]
	}
	return at
}

func (g *grid) coord(at, d int) int { return at / g.stride[d] % g.size[d] }

func (g *grid) isTotal(at int) bool {
	for d := range g.size {
		if g.coord(at, d) == g.size[d]-1 {
			return true
		}
	}
	return false
}

// addTotals fills the totals dimension by dimension, so that totals of
// earlier dimensions are summed too: margins of every order.
func (g *grid) addTotals() {
	for d := range g.size {
		total := (g.size[d] - 1) * g.stride[d]
		for at := range g.entries {
			if c := g.coord(at, d); c < g.size[d]-1 {
				t := at + total - c*g.stride[d]
				g.count[t] += g.count[at]
				for _, s := range g.sums {
					s[t] += s[at]
				}
			}
		}
	}
}

// lines calls fn with every line: the entries along dimension d through
// one point, the total last.
func (g *grid) lines(fn func(line []int)) {
	line := make([]int, 0, slices.Max(g.size))
	for d := range g.size {
		for at := range g.entries {
			if g.coord(at, d) != 0 {
				continue
			}
			line = line[:0]
			for c := range g.size[d] {
				line = append(line, at+c*g.stride[d])
			}
			fn(line)
		}
	}
}

func (g *grid) primary(threshold int) {
	for at, n := range g.count {
		g.status[at] = Published
		if n > 0 && n < int64(threshold) {
			g.status[at] = Primary
		}
	}
}

// secondaryLines suppresses, until no line gives a suppressed entry away,
// the smallest published entry of each line that does. A line gives one
// away when it holds exactly one suppressed entry (subtraction), or when
// its total is published and its suppressed cells are all 1s: zeros are
// always published, so an attacker knows every suppressed entry is at
// least 1, and k of them summing to k are each exactly 1.
func (g *grid) secondaryLines() {
	for changed := true; changed; {
		changed = false
		g.lines(func(line []int) {
			if !g.givesAway(line) {
				return
			}
			if at, ok := g.cheapest(line, false); ok {
				g.status[at] = Secondary
				changed = true
			}
		})
	}
}

func (g *grid) givesAway(line []int) bool {
	n, sum := 0, int64(0)
	for _, at := range line {
		if g.status[at] != Published {
			n++
			sum += g.count[at]
		}
	}
	return n == 1 || (n > 1 && g.status[line[len(line)-1]] == Published && sum == int64(n))
}

// cheapest returns the published entry of line to suppress: the smallest
// positive count, a cell before a total, the first in grid order. Zeros
// protect nothing (the attacker's bound on the other entry is then its
// exact value), so they are taken only when zeroOK and nothing else is
// left.
func (g *grid) cheapest(line []int, zeroOK bool) (int, bool) {
	best, found := 0, false
	better := func(a, b int) bool {
		return cmp.Or(cmp.Compare(g.count[a], g.count[b]), cmpBool(g.isTotal(a), g.isTotal(b)), cmp.Compare(a, b)) < 0
	}
	for _, at := range line {
		if g.status[at] != Published || (g.count[at] == 0 && !zeroOK) {
			continue
		}
		if !found || better(at, best) {
			best, found = at, true
		}
	}
	return best, found
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// protect suppresses one more entry on a line of each determined entry:
// the cheapest over all its lines.
func (g *grid) protect(determined []int) error {
	for _, at := range determined {
		var cand []int
		for d := range g.size {
			base := at - g.coord(at, d)*g.stride[d]
			for c := range g.size[d] {
				cand = append(cand, base+c*g.stride[d])
			}
		}
		pick, ok := g.cheapest(cand, false)
		if !ok {
			pick, ok = g.cheapest(cand, true)
		}
		if !ok {
			all := make([]int, g.entries)
			for i := range all {
				all[i] = i
			}
			if pick, ok = g.cheapest(all, true); !ok {
				return errors.New("privacy: small cells: a suppressed entry stays determined with every entry suppressed")
			}
		}
		g.status[pick] = Secondary
	}
	return nil
}

func (g *grid) result(dims []string, threshold int) Result {
	r := Result{Dims: slices.Clone(dims), Threshold: threshold, Entries: make([]Entry, g.entries)}
	for at := range g.entries {
		keys := make([]string, len(dims))
		for d := range dims {
			if c := g.coord(at, d); c < len(g.cats[d]) {
				keys[d] = g.cats[d][c]
			} else {
				keys[d] = TotalKey
			}
		}
		e := Entry{Keys: keys, Count: g.count[at], Status: g.status[at]}
		if len(g.sums) > 0 {
			e.Sums = map[string]float64{}
			for name, s := range g.sums {
				e.Sums[name] = s[at]
			}
		}
		switch e.Status {
		case Primary:
			r.Primary++
		case Secondary:
			r.Secondary++
		}
		r.Entries[at] = e
	}
	return r
}
