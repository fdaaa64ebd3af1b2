package anon

// maxPairCells bounds the joint table of a pair of attributes the pair
// filter keeps; larger pairs are not used.
const maxPairCells = 1 << 20

// pairFilter knows, for each pair of quasi-identifiers and levels, how many
// records fall in cells of that two-column projection smaller than k.
// Every class of a node lies inside one cell of each projection, so a cell
// smaller than k holds only failing classes: when these records exceed the
// budget the node fails, without grouping it.
type pairFilter struct {
	attrs []*attr
	k     int32
	pairs []pair
}

// pair is the joint distribution of two attributes' original values, and
// memoised outlier counts per pair of levels (-1: not yet counted).
type pair struct {
	i, j     int
	leaves   []int32 // non-empty cells: leaf code of i, leaf code of j, count
	outliers []int64 // index li*(height j + 1) + lj
}

// newPairFilter counts the joint distributions of all attribute pairs.
func newPairFilter(attrs []*attr, base *classes, k int) pairFilter {
	f := pairFilter{attrs: attrs, k: int32(k)}
	for i := range attrs {
		for j := i + 1; j < len(attrs); j++ {
			ni, nj := len(attrs[i].gen[0]), len(attrs[j].gen[0])
			if ni*nj > maxPairCells {
				continue
			}
			dense := make([]int32, ni*nj)
			for b := 0; b < base.len(); b++ {
				key := base.keys[b]
				dense[int(attrs[i].code(key))*nj+int(attrs[j].code(key))] += base.count[b]
			}
			p := pair{i: i, j: j}
			for c, n := range dense {
				if n > 0 {
					p.leaves = append(p.leaves, int32(c/nj), int32(c%nj), n)
				}
			}
			p.outliers = make([]int64, (attrs[i].height()+1)*(attrs[j].height()+1))
			for x := range p.outliers {
				p.outliers[x] = -1
			}
			f.pairs = append(f.pairs, p)
		}
	}
	return f
}

// fails reports whether some pair projection of the node already leaves
// more than budget records in cells smaller than k.
func (f *pairFilter) fails(levels []int, budget int64) bool {
	for x := range f.pairs {
		p := &f.pairs[x]
		li, lj := levels[p.i], levels[p.j]
		at := li*(f.attrs[p.j].height()+1) + lj
		if p.outliers[at] < 0 {
			p.outliers[at] = f.count(p, li, lj)
		}
		if p.outliers[at] > budget {
			return true
		}
	}
	return false
}

// count returns the records in cells smaller than k of pair p at (li, lj).
func (f *pairFilter) count(p *pair, li, lj int) int64 {
	gi, gj := f.attrs[p.i].gen[li], f.attrs[p.j].gen[lj]
	nj := len(f.attrs[p.j].labels[lj])
	cells := make([]int32, len(f.attrs[p.i].labels[li])*nj)
	for x := 0; x < len(p.leaves); x += 3 {
		cells[int(gi[p.leaves[x]])*nj+int(gj[p.leaves[x+1]])] += p.leaves[x+2]
	}
	var out int64
	for _, n := range cells {
		if n > 0 && n < f.k {
			out += int64(n)
		}
	}
	return out
}
