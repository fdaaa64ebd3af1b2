package anon

import "slices"

// evaluate groups node x's classes, rolled up from the smallest remembered
// finer node, and judges them.
func (s *search) evaluate(x int) *eval {
	s.checked++
	levels := s.levels(x)
	cls := s.rollup(s.source(levels), levels, nil)
	s.remember(cls)
	s.recycle(s.last)
	s.last = cls
	qi, distinct := cls, []int32(nil)
	if s.sensMask != 0 {
		qi, distinct = s.merge(cls, nil)
	}
	e := s.judge(qi, distinct)
	e.node, e.levels = x, levels
	return e
}

// source returns the remembered classes with the fewest classes among
// nodes that are specialisations of levels (the bottom node always is).
func (s *search) source(levels []int) *classes {
	best := s.base
	if s.last != nil && below(s.last.levels, levels) {
		best = s.last
	}
	for _, c := range s.snaps[1:] {
		if c.len() < best.len() && below(c.levels, levels) {
			best = c
		}
	}
	return best
}

// below reports whether node a is a specialisation of (or equal to) b.
func below(a, b []int) bool {
	for i := range a {
		if a[i] > b[i] {
			return false
		}
	}
	return true
}

// remember keeps cls to roll up from, when it is much smaller than the
// input, forgetting the oldest while they hold more than snapshotBudget
// classes or twice the input's distinct tuples, whichever is more.
func (s *search) remember(cls *classes) {
	if 10*cls.len() > 9*s.base.len() {
		return
	}
	s.snaps = append(s.snaps, cls)
	s.kept += cls.len()
	for s.kept > max(snapshotBudget, 2*s.base.len()) {
		s.kept -= s.snaps[1].len()
		s.snaps = append(s.snaps[:1], s.snaps[2:]...)
	}
}

// recycle keeps c's memory for the next rollup unless c is remembered.
func (s *search) recycle(c *classes) {
	if c != nil && !slices.Contains(s.snaps, c) && (s.spare == nil || cap(c.keys) > cap(s.spare.keys)) {
		s.spare = c
	}
}

// rollup groups src's classes at levels. If assign is not nil, assign[j]
// receives the new class of src's class j.
func (s *search) rollup(src *classes, levels []int, assign []int32) *classes {
	dst := &classes{levels: levels}
	if s.spare != nil && cap(s.spare.keys) >= src.len() {
		dst.keys, dst.count = s.spare.keys[:0], s.spare.count[:0]
	} else {
		dst.keys, dst.count = make([]uint64, 0, src.len()), make([]int32, 0, src.len())
	}
	s.spare = nil
	s.ht.reset(src.len())
	lifts, offs, masks := s.lifts[:0], s.offs, s.masks
	for i, a := range s.attrs {
		lifts = append(lifts, a.lift[src.levels[i]][levels[i]])
	}
	for j, k := range src.keys {
		nk := k & s.sensMask
		for i, l := range lifts {
			nk |= l[k>>offs[i]&masks[i]]
		}
		c := s.ht.add(dst, nk, src.count[j])
		if assign != nil {
			assign[j] = c
		}
	}
	return dst
}

// merge groups classes keyed by (quasi-identifiers, sensitive value) by
// their quasi-identifiers alone, returning for each class its number of
// distinct sensitive values. If assign is not nil, assign[j] receives the
// class of cls's class j.
func (s *search) merge(cls *classes, assign []int32) (*classes, []int32) {
	dst := &classes{levels: cls.levels}
	var distinct []int32
	s.ht.reset(cls.len())
	for j, k := range cls.keys {
		before := dst.len()
		c := s.ht.add(dst, k&^s.sensMask, cls.count[j])
		if dst.len() > before {
			distinct = append(distinct, 0)
		}
		distinct[c]++
		if assign != nil {
			assign[j] = c
		}
	}
	return dst, distinct
}

// fails reports whether class j of qi breaks the privacy model.
func (s *search) fails(qi *classes, distinct []int32, j int) bool {
	return int(qi.count[j]) < s.p.K || (distinct != nil && int(distinct[j]) < s.p.L)
}

// judge counts the records in failing classes and, when they fit in the
// budget, computes the node's loss.
func (s *search) judge(qi *classes, distinct []int32) *eval {
	e := &eval{minClass: int(s.rows)}
	for j := range qi.count {
		if s.fails(qi, distinct, j) {
			e.outliers += int64(qi.count[j])
			continue
		}
		e.classes++
		e.minClass = min(e.minClass, int(qi.count[j]))
	}
	e.anonymous = e.outliers <= s.budget
	if e.anonymous {
		e.loss, e.attrLoss = s.loss(qi, distinct)
	}
	return e
}

// loss computes ARX's Loss: per attribute the mean cell loss over all
// records, suppressed records losing 1, aggregated by the shifted geometric
// mean. Sums are integers, so the same node always gets the same loss.
func (s *search) loss(qi *classes, distinct []int32) (float64, []float64) {
	num := make([]int64, s.n)
	levels := qi.levels
	for j := range qi.count {
		cnt, key, fail := int64(qi.count[j]), qi.keys[j], s.fails(qi, distinct, j)
		for i, a := range s.attrs {
			if fail {
				num[i] += cnt * a.denom
			} else {
				num[i] += cnt * a.cost[levels[i]][a.code(key)]
			}
		}
	}
	v := make([]float64, s.n)
	for i, a := range s.attrs {
		v[i] = float64(num[i]) / float64(a.denom*s.rows)
	}
	return aggregate(v), v
}
