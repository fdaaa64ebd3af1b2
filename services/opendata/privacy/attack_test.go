package privacy

import (
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// assertUnrecoverable attacks the published table.
func assertUnrecoverable(t *testing.T, r Result) {
	t.Helper()
	if got := attack(r); len(got) > 0 {
		t.Errorf("suppressed entries recovered from the published table: %v", got)
	}
}

// attack is the attacker: it reads only what Published gives (keys,
// published counts) and solves every line equation (the entries along one
// dimension sum to the entry with TotalKey there) by exact Gaussian
// elimination over the rationals, and by bounds on single lines (see
// attackBounds). It returns the keys of every suppressed
// entry whose value it can compute, and checks that the value is right.
func attack(r Result) [][]string {
	pub := r.Published()
	unknown := map[string]int{}
	var names [][]string
	for _, e := range pub {
		if e.Suppressed() {
			unknown[strings.Join(e.Keys, "\x00")] = len(names)
			names = append(names, e.Keys)
		}
	}
	lines := map[string][]Entry{}
	for d := range r.Dims {
		for _, e := range pub {
			k := slices.Clone(e.Keys)
			k[d] = "\x01"
			id := strconv.Itoa(d) + "\x02" + strings.Join(k, "\x00")
			lines[id] = append(lines[id], e)
		}
	}
	var got [][]string
	var rows [][]*big.Rat
	for id, line := range lines {
		d, _ := strconv.Atoi(id[:strings.IndexByte(id, '\x02')])
		got = append(got, attackBounds(r, line, d)...)
		row := make([]*big.Rat, len(names)+1)
		for i := range row {
			row[i] = new(big.Rat)
		}
		for _, e := range line {
			sign := int64(1)
			if e.Keys[d] == TotalKey {
				sign = -1
			}
			if e.Suppressed() {
				u := unknown[strings.Join(e.Keys, "\x00")]
				row[u].Add(row[u], big.NewRat(sign, 1))
			} else {
				row[len(names)].Sub(row[len(names)], big.NewRat(sign*e.Count, 1))
			}
		}
		rows = append(rows, row)
	}
	for r0, c := range ratRREF(rows, len(names)) {
		n := 0
		for _, v := range rows[r0][:len(names)] {
			if v.Sign() != 0 {
				n++
			}
		}
		if n == 1 {
			val := rows[r0][len(names)]
			truth := trueCount(r, names[c])
			if !val.IsInt() || val.Num().Int64() != truth {
				panic("the attacker computed a wrong value")
			}
			got = append(got, names[c])
		}
	}
	return got
}

func trueCount(r Result, keys []string) int64 {
	for _, e := range r.Entries {
		if slices.Equal(e.Keys, keys) {
			return e.Count
		}
	}
	return -1
}

// ratRREF reduces rows (n unknowns and a constant) and returns the pivot
// column of each leading row.
func ratRREF(rows [][]*big.Rat, n int) []int {
	var pivots []int
	r := 0
	for c := 0; c < n && r < len(rows); c++ {
		p := -1
		for i := r; i < len(rows); i++ {
			if rows[i][c].Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		rows[r], rows[p] = rows[p], rows[r]
		inv := new(big.Rat).Inv(rows[r][c])
		for j := range rows[r] {
			rows[r][j].Mul(rows[r][j], inv)
		}
		for i := range rows {
			if i == r || rows[i][c].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(rows[i][c])
			for j := range rows[i] {
				rows[i][j].Sub(rows[i][j], new(big.Rat).Mul(f, rows[r][j]))
			}
		}
		pivots = append(pivots, c)
		r++
	}
	return pivots
}

// attackBounds knows that zeros are published, so every suppressed cell
// counts at least 1: when a line's published total leaves exactly k for
// its k suppressed cells, each is 1. It returns those cells when the
// inference is right.
func attackBounds(r Result, line []Entry, d int) [][]string {
	var total *Entry
	var hidden [][]string
	rest := int64(0)
	for i, e := range line {
		switch {
		case e.Keys[d] == TotalKey:
			total = &line[i]
		case e.Suppressed():
			hidden = append(hidden, e.Keys)
		default:
			rest += e.Count
		}
	}
	if total == nil || total.Suppressed() || len(hidden) == 0 || total.Count-rest != int64(len(hidden)) {
		return nil
	}
	for _, k := range hidden {
		if trueCount(r, k) != 1 {
			return nil
		}
	}
	return hidden
}
