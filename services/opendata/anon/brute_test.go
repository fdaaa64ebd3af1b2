package anon

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// bruteNode is one lattice node judged by bruteForce.
type bruteNode struct {
	levels     []int
	suppressed int
	ok         bool
	loss       float64
}

// bruteForce judges every node of the lattice from the rows, with strings
// and maps and none of the engine's encoding, grouping or pruning: the
// reference the search must match.
func bruteForce(t *testing.T, tab *Table, p Policy) []bruteNode {
	t.Helper()
	p.setDefaults()
	n := len(p.QuasiIdentifiers)
	cols := make([]int, n)
	for i, a := range p.QuasiIdentifiers {
		cols[i] = tab.column(a.Name)
	}
	sens := tab.column(p.Sensitive)
	budget := int(math.Floor(p.MaxSuppression*float64(tab.Len()) + 1e-9))
	var out []bruteNode
	levels := make([]int, n)
	for {
		out = append(out, bruteJudge(t, tab, p, cols, sens, budget, append([]int(nil), levels...)))
		i := n - 1
		for ; i >= 0; i-- {
			if levels[i] < p.QuasiIdentifiers[i].Hierarchy.Height() {
				levels[i]++
				break
			}
			levels[i] = 0
		}
		if i < 0 {
			return out
		}
	}
}

// bruteJudge generalises every row to levels and applies the definitions.
func bruteJudge(t *testing.T, tab *Table, p Policy, cols []int, sens, budget int, levels []int) bruteNode {
	keys := make([]string, tab.Len())
	size := map[string]int{}
	values := map[string]map[string]bool{}
	for r := range keys {
		var b strings.Builder
		for i, a := range p.QuasiIdentifiers {
			b.WriteString(bruteGeneralise(t, a.Hierarchy, tab.Value(r, cols[i]), levels[i]))
			b.WriteByte(0)
		}
		keys[r] = b.String()
		size[keys[r]]++
		if p.L > 1 {
			if values[keys[r]] == nil {
				values[keys[r]] = map[string]bool{}
			}
			values[keys[r]][tab.Value(r, sens)] = true
		}
	}
	fails := func(key string) bool { return size[key] < p.K || (p.L > 1 && len(values[key]) < p.L) }
	node := bruteNode{levels: levels}
	for key, c := range size {
		if fails(key) {
			node.suppressed += c
		}
	}
	node.ok = node.suppressed <= budget
	if !node.ok {
		return node
	}
	v := make([]float64, len(levels))
	for i, a := range p.QuasiIdentifiers {
		domain, under := bruteDomain(t, tab, cols[i], a.Hierarchy, levels[i])
		var sum float64
		for r := range keys {
			if fails(keys[r]) {
				sum++
				continue
			}
			if domain > 1 {
				sum += float64(under[bruteGeneralise(t, a.Hierarchy, tab.Value(r, cols[i]), levels[i])]-1) / float64(domain-1)
			}
		}
		v[i] = sum / float64(tab.Len())
	}
	node.loss = aggregateARX(v)
	return node
}

// aggregateARX is ARX's geometric mean aggregate, written out again.
func aggregateARX(v []float64) float64 {
	prod := 1.0
	for _, x := range v {
		prod *= 1 + x
	}
	return math.Pow(prod, 1/float64(len(v))) - 1
}

// bruteGeneralise returns v at level lvl.
func bruteGeneralise(t *testing.T, h *Hierarchy, v string, lvl int) string {
	if lvl == 0 {
		return v
	}
	g, err := h.generalise(v, lvl)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// bruteDomain returns the domain size and the number of original values
// under each level-lvl value: the hierarchy file's rows for a CSV
// hierarchy, the column's distinct values otherwise.
func bruteDomain(t *testing.T, tab *Table, col int, h *Hierarchy, lvl int) (int, map[string]int) {
	under := map[string]int{}
	if h.table != nil {
		for v := range h.table {
			under[bruteGeneralise(t, h, v, lvl)]++
		}
		return len(h.table), under
	}
	seen := map[string]bool{}
	for r := 0; r < tab.Len(); r++ {
		v := tab.Value(r, col)
		if !seen[v] {
			seen[v] = true
			under[bruteGeneralise(t, h, v, lvl)]++
		}
	}
	return len(seen), under
}

// checkOptimal runs Anonymize and compares it with bruteForce: same
// optimum loss, the chosen node acceptable with the figures reported, and
// the output meeting the model.
func checkOptimal(t *testing.T, tab *Table, p Policy) *Result {
	t.Helper()
	nodes := bruteForce(t, tab, p)
	best := -1
	for i, nd := range nodes {
		if nd.ok && (best < 0 || nd.loss < nodes[best].loss-1e-12) {
			best = i
		}
	}
	r, err := Anonymize(tab, p)
	if best < 0 {
		if !errors.Is(err, ErrUnreachable) {
			t.Fatalf("brute force finds no acceptable node, Anonymize says %v", err)
		}
		return nil
	}
	if err != nil {
		t.Fatalf("Anonymize: %v", err)
	}
	if math.Abs(r.Loss-nodes[best].loss) > 1e-12 {
		t.Fatalf("Anonymize chose %v with loss %.15f; brute force finds %v with loss %.15f",
			r.Levels, r.Loss, nodes[best].levels, nodes[best].loss)
	}
	for _, nd := range nodes {
		if equalInts(nd.levels, r.Levels) {
			if !nd.ok || nd.suppressed != r.Suppressed || math.Abs(nd.loss-r.Loss) > 1e-12 {
				t.Fatalf("node %v: Anonymize reports suppressed %d loss %.15f; brute force: acceptable %v, suppressed %d, loss %.15f",
					r.Levels, r.Suppressed, r.Loss, nd.ok, nd.suppressed, nd.loss)
			}
		}
	}
	if r.NodesTotal != len(nodes) {
		t.Errorf("NodesTotal = %d, the lattice has %d nodes", r.NodesTotal, len(nodes))
	}
	checkOutput(t, tab, p, r)
	return r
}

// checkOutput counts the output's classes itself and checks the model,
// the row count and the suppression budget.
func checkOutput(t *testing.T, tab *Table, p Policy, r *Result) {
	t.Helper()
	p.setDefaults()
	cols := make([]int, len(p.QuasiIdentifiers))
	for i, a := range p.QuasiIdentifiers {
		cols[i] = tab.column(a.Name)
	}
	sens := tab.column(p.Sensitive)
	size := map[string]int{}
	values := map[string]map[string]bool{}
	rows := 0
	for row := range r.Rows() {
		rows++
		var b strings.Builder
		for _, c := range cols {
			b.WriteString(row[c])
			b.WriteByte(0)
		}
		key := b.String()
		size[key]++
		if p.L > 1 {
			if values[key] == nil {
				values[key] = map[string]bool{}
			}
			values[key][row[sens]] = true
		}
	}
	if rows != tab.Len()-r.Suppressed || rows != r.Len() {
		t.Errorf("output has %d rows; input %d, suppressed %d, Len %d", rows, tab.Len(), r.Suppressed, r.Len())
	}
	if budget := int(math.Floor(p.MaxSuppression * float64(tab.Len()))); r.Suppressed > budget {
		t.Errorf("suppressed %d records, budget %d", r.Suppressed, budget)
	}
	smallest := tab.Len()
	for key, c := range size {
		smallest = min(smallest, c)
		if c < p.K {
			t.Errorf("an output class has %d records, k = %d", c, p.K)
		}
		if p.L > 1 && len(values[key]) < p.L {
			t.Errorf("an output class has %d distinct %s values, l = %d", len(values[key]), p.Sensitive, p.L)
		}
	}
	if len(size) != r.Classes || (rows > 0 && smallest != r.K) {
		t.Errorf("output has %d classes, smallest %d; Result says %d classes, K %d", len(size), smallest, r.Classes, r.K)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sample returns every step-th row of tab.
func sample(t *testing.T, tab *Table, step int) *Table {
	t.Helper()
	out, err := NewTable(tab.Columns()...)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]string, len(tab.names))
	for r := 0; r < tab.Len(); r += step {
		for c := range row {
			row[c] = tab.Value(r, c)
		}
		if err := out.Append(row); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestOptimalOnAdultSamples(t *testing.T) {
	tab, qis := loadAdult(t)
	cases := []struct {
		name string
		step int
		p    Policy
	}{
		{"all 9 attributes, 1 row in 50, k=5, 4%", 50, Policy{K: 5, MaxSuppression: 0.04, QuasiIdentifiers: qis}},
		{"all 9 attributes, 1 row in 100, k=2, no suppression", 100, Policy{K: 2, QuasiIdentifiers: qis}},
		{"6 attributes, 1 row in 6, k=5, 4%", 6, Policy{K: 5, MaxSuppression: 0.04, QuasiIdentifiers: qis[:6]}},
		{"6 attributes, 1 row in 6, k=10, 1%, 3-diverse occupation", 6,
			Policy{K: 10, MaxSuppression: 0.01, QuasiIdentifiers: qis[:6], Sensitive: "occupation", L: 3}},
		{"5 attributes, 1 row in 10, k=3, 10%, 2-diverse salary", 10,
			Policy{K: 3, MaxSuppression: 0.1, QuasiIdentifiers: qis[:5], Sensitive: "salary-class", L: 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if testing.Short() && len(c.p.QuasiIdentifiers) == 9 {
				t.Skip("brute force over 12,960 nodes is slow; skipped with -short")
			}
			r := checkOptimal(t, sample(t, tab, c.step), c.p)
			if r != nil {
				t.Logf("levels %v suppressed %d loss %.4f nodes %d/%d", r.Levels, r.Suppressed, r.Loss, r.NodesChecked, r.NodesTotal)
			}
		})
	}
}
