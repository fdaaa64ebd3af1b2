package anon

import (
	"fmt"
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

// distinctTuples groups the table's rows by their leaf codes in cols,
// returning the distinct tuples as bottom-node classes and, for each row,
// its tuple.
func distinctTuples(t *Table, cols []int, levels []int) (*classes, []int32) {
	w := len(cols)
	base := &classes{w: w, levels: levels}
	var h hashTable
	h.reset(min(t.rows, 1<<16))
	rowTuple := make([]int32, t.rows)
	key := make([]int32, w)
	for r := 0; r < t.rows; r++ {
		for i, c := range cols {
			key[i] = t.cols[c].codes[r]
		}
		if 2*base.len() >= len(h.slots) {
			h.grow(base)
		}
		rowTuple[r] = h.add(base, key, int32(base.len()), 1)
	}
	return base, rowTuple
}

// grow doubles the table and reindexes dst's classes.
func (h *hashTable) grow(dst *classes) {
	h.reset(len(h.slots))
	n := dst.len()
	for j := 0; j < n; j++ {
		key := dst.key(j)
		for i := hashKey(key) & h.mask; ; i = (i + 1) & h.mask {
			if h.slots[i] < 0 {
				h.slots[i] = int32(j)
				break
			}
		}
	}
}
