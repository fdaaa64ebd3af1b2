package privacy

import (
	"fmt"
	"math/bits"
	"slices"
)

// prime is the modulus of the exact linear algebra in determined: the
// Mersenne prime 2^61-1. Entries are 0 and ±1, so a dependency over the
// rationals that vanishes modulo this prime would need a determinant of
// that size; the audit errs, if ever, towards "determined" (more
// suppression), never towards "safe" for dependencies it finds.
const prime = 1<<61 - 1

// maxAuditUnknowns bounds the suppressed entries of one group the audit
// solves: its dense matrix grows with the square (8,000 take about 500 MB)
// and its time with the cube. A table past it is refused, not published
// unaudited.
const maxAuditUnknowns = 8000

// determined returns the suppressed entries that the published entries
// determine exactly: x is determined when the unit vector of x lies in the
// row space of the line equations restricted to the suppressed entries.
// Suppressed entries are split into independent groups (those sharing
// lines) and each group's equations are brought to reduced row echelon
// form: x is determined when its pivot row has no other non-zero entry.
func (g *grid) determined() ([]int, error) {
	var eqs [][]int // each: suppressed entries of a line, the total last when suppressed
	var total []bool
	parent := map[int]int{}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	g.lines(func(line []int) {
		var eq []int
		for _, at := range line {
			if g.status[at] != Published {
				eq = append(eq, at)
				if _, ok := parent[at]; !ok {
					parent[at] = at
				}
			}
		}
		if len(eq) == 0 {
			return
		}
		for _, at := range eq[1:] {
			parent[find(at)] = find(eq[0])
		}
		eqs = append(eqs, eq)
		total = append(total, eq[len(eq)-1] == line[len(line)-1])
	})
	groups := map[int][]int{}
	for i, eq := range eqs {
		r := find(eq[0])
		groups[r] = append(groups[r], i)
	}
	var out []int
	for _, idx := range groups {
		det, err := solveGroup(eqs, total, idx)
		if err != nil {
			return nil, err
		}
		out = append(out, det...)
	}
	slices.Sort(out)
	return out, nil
}

// solveGroup eliminates the equations idx and returns the unknowns whose
// value they fix.
func solveGroup(eqs [][]int, total []bool, idx []int) ([]int, error) {
	col := map[int]int{}
	var vars []int
	for _, i := range idx {
		for _, at := range eqs[i] {
			if _, ok := col[at]; !ok {
				col[at] = len(vars)
				vars = append(vars, at)
			}
		}
	}
	if len(vars) > maxAuditUnknowns {
		return nil, fmt.Errorf("privacy: small cells: %d suppressed entries depend on each other, more than the audit solves (%d); coarsen the table", len(vars), maxAuditUnknowns)
	}
	m := make([][]uint64, len(idx))
	for r, i := range idx {
		m[r] = make([]uint64, len(vars))
		for k, at := range eqs[i] {
			m[r][col[at]] = 1
			if total[i] && k == len(eqs[i])-1 {
				m[r][col[at]] = prime - 1
			}
		}
	}
	pivots := rref(m)
	var out []int
	for r, c := range pivots {
		n := 0
		for _, v := range m[r] {
			if v != 0 {
				n++
			}
		}
		if n == 1 {
			out = append(out, vars[c])
		}
	}
	return out, nil
}

// rref brings m to reduced row echelon form modulo prime and returns the
// pivot column of each of its first rank rows.
func rref(m [][]uint64) []int {
	var pivots, nz []int
	if len(m) == 0 {
		return nil
	}
	r := 0
	for c := 0; c < len(m[0]) && r < len(m); c++ {
		p := -1
		for i := r; i < len(m); i++ {
			if m[i][c] != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		m[r], m[p] = m[p], m[r]
		inv := powmod(m[r][c], prime-2)
		nz = nz[:0] // the pivot row's non-zero columns: it stays sparse
		for j := c; j < len(m[r]); j++ {
			if m[r][j] != 0 {
				m[r][j] = mulmod(m[r][j], inv)
				nz = append(nz, j)
			}
		}
		for i := range m {
			if i == r || m[i][c] == 0 {
				continue
			}
			f := m[i][c]
			for _, j := range nz {
				m[i][j] = submod(m[i][j], mulmod(f, m[r][j]))
			}
		}
		pivots = append(pivots, c)
		r++
	}
	return pivots
}

func mulmod(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return bits.Rem64(hi, lo, prime)
}

func submod(a, b uint64) uint64 {
	if a >= b {
		return a - b
	}
	return a + prime - b
}

func powmod(a, e uint64) uint64 {
	r := uint64(1)
	for ; e > 0; e >>= 1 {
		if e&1 == 1 {
			r = mulmod(r, a)
		}
		a = mulmod(a, a)
	}
	return r
}
