package anon

import (
	"fmt"
	"math/bits"
)

// attr is one quasi-identifier prepared for the search: every value of the
// column encoded at every level of its hierarchy.
type attr struct {
	name   string
	col    int
	gen    [][]int32  // gen[level][leaf code] → code at that level
	labels [][]string // labels[level][code] → generalised value
	cost   [][]int64  // cost[level][code] → original values under it, minus one
	denom  int64      // domain size minus one (at least 1): the cost of "*" and of suppression

	// The attribute's bit field in a packed key, and lift[from][to][code]:
	// the code at level from as a level-to code, shifted into the field.
	off  uint
	mask uint64
	lift [][][]uint64
}

// code returns the attribute's code in a packed key.
func (a *attr) code(key uint64) int32 { return int32(key >> a.off & a.mask) }

// pack gives each attribute a bit field of the packed 64-bit class key,
// then the sensitive value (sensValues codes, 0 without l-diversity), and
// returns the sensitive field's offset. Keys of more than 64 bits are an
// error.
func pack(attrs []*attr, sensValues int) (uint, error) {
	var off uint
	for _, a := range attrs {
		width := uint(bits.Len(uint(len(a.gen[0]) - 1)))
		a.off, a.mask = off, 1<<width-1
		off += width
		a.buildLift()
	}
	if off+uint(bits.Len(uint(max(sensValues-1, 0)))) > 64 {
		return 0, fmt.Errorf("anon: the quasi-identifiers have too many distinct values to encode a record in 64 bits; use fewer or generalise some beforehand")
	}
	return off, nil
}

// buildLift tabulates, for every pair of levels from ≤ to, each level-from
// code's level-to code, shifted into the attribute's field. It relies on
// the hierarchy being a tree.
func (a *attr) buildLift() {
	a.lift = make([][][]uint64, len(a.gen))
	for from := range a.gen {
		a.lift[from] = make([][]uint64, len(a.gen))
		for to := from; to < len(a.gen); to++ {
			l := make([]uint64, len(a.labels[from]))
			for leaf, c := range a.gen[from] {
				l[c] = uint64(a.gen[to][leaf]) << a.off
			}
			a.lift[from][to] = l
		}
	}
}

// height returns the attribute's highest level.
func (a *attr) height() int { return len(a.gen) - 1 }

// prepareAttr encodes column a.Name of t at every level of a.Hierarchy.
func prepareAttr(t *Table, a Attribute) (*attr, error) {
	col := t.column(a.Name)
	if col < 0 {
		return nil, fmt.Errorf("anon: quasi-identifier %s is not a column of the table", a.Name)
	}
	if a.Hierarchy == nil {
		return nil, fmt.Errorf("anon: quasi-identifier %s has no hierarchy", a.Name)
	}
	h, c := a.Hierarchy, &t.cols[col]
	at := &attr{name: a.Name, col: col}
	leaf := make([]int32, len(c.dict))
	for i := range leaf {
		leaf[i] = int32(i)
	}
	at.gen = append(at.gen, leaf)
	at.labels = append(at.labels, c.dict)
	at.cost = append(at.cost, make([]int64, len(c.dict)))
	domain := len(c.dict)
	if h.table != nil {
		domain = len(h.table)
	}
	at.denom = max(int64(domain-1), 1)
	for lvl := 1; lvl <= h.height; lvl++ {
		if err := at.addLevel(t, h, lvl); err != nil {
			return nil, err
		}
	}
	if h.table == nil {
		return at, at.checkTree()
	}
	return at, nil
}

// addLevel encodes level lvl of the hierarchy over the column's values.
func (at *attr) addLevel(t *Table, h *Hierarchy, lvl int) error {
	c := &t.cols[at.col]
	gen := make([]int32, len(c.dict))
	var labels []string
	index := map[string]int32{}
	var under []int64
	for code, v := range c.dict {
		g, err := h.generalise(v, lvl)
		if err != nil {
			return fmt.Errorf("anon: quasi-identifier %s, row %d: %w", at.name, firstRow(c.codes, int32(code)), err)
		}
		id, ok := index[g]
		if !ok {
			id = int32(len(labels))
			index[g] = id
			labels = append(labels, g)
			under = append(under, 0)
		}
		gen[code] = id
		under[id]++
	}
	cost := make([]int64, len(labels))
	for id, g := range labels {
		n := under[id]
		if h.table != nil {
			n = int64(h.leaves[lvl-1][g])
		}
		cost[id] = n - 1
	}
	at.gen = append(at.gen, gen)
	at.labels = append(at.labels, labels)
	at.cost = append(at.cost, cost)
	return nil
}

// generalise returns v's value at level lvl ≥ 1.
func (h *Hierarchy) generalise(v string, lvl int) (string, error) {
	if h.table == nil {
		g, err := h.funcs[lvl-1](v)
		if err != nil {
			return "", fmt.Errorf("level %d: %w", lvl, err)
		}
		return g, nil
	}
	gen, ok := h.table[v]
	if !ok {
		return "", fmt.Errorf("value is not in the hierarchy")
	}
	return gen[lvl-1], nil
}

// checkTree verifies that a functional hierarchy nests over the data: values
// equal at one level are equal at the next.
func (at *attr) checkTree() error {
	for lvl := 1; lvl+1 < len(at.gen); lvl++ {
		parent := make([]int32, len(at.labels[lvl]))
		for i := range parent {
			parent[i] = -1
		}
		for leaf, g := range at.gen[lvl] {
			p := at.gen[lvl+1][leaf]
			if parent[g] >= 0 && parent[g] != p {
				return fmt.Errorf("anon: quasi-identifier %s: hierarchy is not a tree: values equal at level %d differ at level %d", at.name, lvl, lvl+1)
			}
			parent[g] = p
		}
	}
	return nil
}

// firstRow returns the 1-based number of the first row holding code.
func firstRow(codes []int32, code int32) int {
	for r, c := range codes {
		if c == code {
			return r + 1
		}
	}
	return 0
}

// distinctTuples groups the table's rows by their quasi-identifiers (and
// sensitive value, when sens ≥ 0, in the field at sensOff), returning the
// distinct tuples as bottom-node classes and, for each row, its tuple.
func distinctTuples(t *Table, attrs []*attr, sens int, sensOff uint) (*classes, []int32) {
	base := &classes{levels: make([]int, len(attrs))}
	var h hashTable
	h.reset(min(t.rows, 1<<16))
	rowTuple := make([]int32, t.rows)
	for r := 0; r < t.rows; r++ {
		var key uint64
		for _, a := range attrs {
			key |= uint64(t.cols[a.col].codes[r]) << a.off
		}
		if sens >= 0 {
			key |= uint64(t.cols[sens].codes[r]) << sensOff
		}
		if 2*base.len() >= len(h.slots) {
			h.grow(base)
		}
		rowTuple[r] = h.add(base, key, 1)
	}
	return base, rowTuple
}
