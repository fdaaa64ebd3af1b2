package privacy

import (
	"bufio"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func cell(count int64, keys ...string) Cell { return Cell{Keys: keys, Count: count} }

func entryAt(t *testing.T, r Result, keys ...string) Entry {
	t.Helper()
	for _, e := range r.Entries {
		if slices.Equal(e.Keys, keys) {
			return e
		}
	}
	t.Fatalf("no entry %v", keys)
	return Entry{}
}

func TestSuppressTwoByThree(t *testing.T) {
	//            0-5  6-15  16-19 | Totalt
	// Bäckby      12     3     20 |     35
	// Hammarby     9    15      0 |     24
	// Totalt      21    18     20 |     59
	cells := []Cell{
		cell(12, "Bäckby", "0-5"), cell(3, "Bäckby", "6-15"), cell(20, "Bäckby", "16-19"),
		cell(9, "Hammarby", "0-5"), cell(15, "Hammarby", "6-15"), cell(0, "Hammarby", "16-19"),
	}
	r, err := SuppressSmallCells(cells, []string{"district", "age"}, DefaultSmallCellThreshold)
	if err != nil {
		t.Fatal(err)
	}
	if got := entryAt(t, r, "Bäckby", "6-15").Status; got != Primary {
		t.Errorf("Bäckby 6-15 (3) = %s, want primary", got)
	}
	if got := entryAt(t, r, "Hammarby", "16-19"); got.Status != Published || got.Count != 0 {
		t.Errorf("Hammarby 16-19 (0) = %+v, want a published zero", got)
	}
	// Its row's smallest other positive entry is 12 (Bäckby 0-5); its
	// column's is 15 (Hammarby 6-15); then Hammarby 0-5 (9) closes the
	// rectangle.
	for _, k := range [][]string{{"Bäckby", "0-5"}, {"Hammarby", "6-15"}, {"Hammarby", "0-5"}} {
		if got := entryAt(t, r, k...).Status; got != Secondary {
			t.Errorf("%v = %s, want secondary", k, got)
		}
	}
	for _, k := range [][]string{{TotalKey, TotalKey}, {"Bäckby", TotalKey}, {TotalKey, "0-5"}} {
		if got := entryAt(t, r, k...); got.Status != Published {
			t.Errorf("%v = %+v, want published", k, got)
		}
	}
	if got := entryAt(t, r, TotalKey, TotalKey).Count; got != 59 {
		t.Errorf("grand total = %d, want 59", got)
	}
	if r.Primary != 1 || r.Secondary != 3 {
		t.Errorf("primary, secondary = %d, %d; want 1, 3", r.Primary, r.Secondary)
	}
	if len(r.Entries) != 3*4 {
		t.Errorf("entries = %d, want 12", len(r.Entries))
	}
	assertUnrecoverable(t, r)
}

func TestSuppressSmallTotal(t *testing.T) {
	// A district of three persons: its total is small too.
	cells := []Cell{cell(2, "Irsta", "0-5"), cell(1, "Irsta", "6-15"), cell(40, "Centrum", "0-5"), cell(30, "Centrum", "6-15")}
	r, err := SuppressSmallCells(cells, []string{"district", "age"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := entryAt(t, r, "Irsta", TotalKey).Status; got != Primary {
		t.Errorf("Irsta total (3) = %s, want primary", got)
	}
	assertUnrecoverable(t, r)
}

// Two suppressed 1s in a line whose total leaves 2 for them are each 1:
// a further cell must hide them.
func TestSuppressAllOnes(t *testing.T) {
	r, err := SuppressSmallCells([]Cell{cell(1, "A"), cell(1, "B"), cell(50, "C"), cell(60, "D")}, []string{"school"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := entryAt(t, r, "C").Status; got != Secondary {
		t.Errorf("C = %s, want secondary", got)
	}
	assertUnrecoverable(t, r)
	weak := r
	weak.Entries = slices.Clone(r.Entries)
	for i, e := range weak.Entries {
		if e.Status == Secondary {
			weak.Entries[i].Status = Published
		}
	}
	if got := attack(weak); len(got) != 2 {
		t.Errorf("the attacker recovered %v from the 1s, want both", got)
	}
}

func TestSuppressSums(t *testing.T) {
	cells := []Cell{
		{Keys: []string{"A"}, Count: 2, Sums: map[string]float64{"kg": 3.5}},
		{Keys: []string{"B"}, Count: 10, Sums: map[string]float64{"kg": 20}},
		{Keys: []string{"C"}, Count: 12, Sums: map[string]float64{"kg": 1}},
	}
	r, err := SuppressSmallCells(cells, []string{"school"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := entryAt(t, r, TotalKey); got.Sums["kg"] != 24.5 || got.Count != 24 {
		t.Errorf("total = %+v, want count 24, kg 24.5", got)
	}
	if got := entryAt(t, r, "B").Status; got != Secondary {
		t.Errorf("B = %s, want secondary (smallest count beside A)", got)
	}
	for _, e := range r.Published() {
		if e.Suppressed() && (e.Count != 0 || e.Sums != nil || e.Status != Hidden) {
			t.Errorf("published suppressed entry %+v keeps its values or says why it is hidden", e)
		}
	}
}

func TestSuppressErrors(t *testing.T) {
	tests := []struct {
		name      string
		cells     []Cell
		dims      []string
		threshold int
		want      string
	}{
		{"threshold", []Cell{cell(1, "a")}, []string{"d"}, 0, "threshold 0"},
		{"no dims", nil, nil, 5, "no dimensions"},
		{"repeated dim", nil, []string{"d", "d"}, 5, "dimension 1"},
		{"keys", []Cell{cell(1, "a", "b")}, []string{"d"}, 5, "cell 0 has 2 keys"},
		{"negative", []Cell{cell(-1, "a")}, []string{"d"}, 5, "cell 0: negative"},
		{"total key", []Cell{cell(7, "totalt")}, []string{"d"}, 5, `"Totalt" is reserved`},
		{"duplicate", []Cell{cell(7, "a"), cell(8, "a")}, []string{"d"}, 5, "cell 1 repeats"},
	}
	for _, tt := range tests {
		_, err := SuppressSmallCells(tt.cells, tt.dims, tt.threshold)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
		if err != nil && (strings.Contains(err.Error(), "= 7") || strings.Contains(err.Error(), " 8")) {
			t.Errorf("%s: err %q holds a count", tt.name, err)
		}
	}
}

func TestSuppressRealTables(t *testing.T) {
	for _, tc := range []struct {
		file string
		dims []string
	}{
		{"testdata/adult_race_sex_marital.csv", []string{"race", "sex", "marital-status"}},
		{"testdata/adult_country_race.csv", []string{"native-country", "race"}},
	} {
		cells := readCells(t, tc.file)
		r, err := SuppressSmallCells(cells, tc.dims, DefaultSmallCellThreshold)
		if err != nil {
			t.Fatal(err)
		}
		assertPrimaryRule(t, r)
		assertUnrecoverable(t, r)
		t.Logf("%s: %d entries, %d primary, %d secondary", tc.file, len(r.Entries), r.Primary, r.Secondary)
	}
}

func TestSuppressRandomTables(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	greedyLeaks := 0
	for i := range 60 {
		dims := []string{"a", "b", "c"}[:1+i%3]
		var cells []Cell
		var walk func(keys []string)
		walk = func(keys []string) {
			if len(keys) == len(dims) {
				if rng.IntN(5) > 0 {
					cells = append(cells, Cell{Keys: slices.Clone(keys), Count: int64(rng.IntN(4) * rng.IntN(12))})
				}
				return
			}
			for k := range 2 + rng.IntN(4) {
				walk(append(keys, strconv.Itoa(k)))
			}
		}
		walk(nil)
		threshold := 1 + rng.IntN(8)
		r, err := SuppressSmallCells(cells, dims, threshold)
		if err != nil {
			t.Fatal(err)
		}
		assertPrimaryRule(t, r)
		assertUnrecoverable(t, r)
		g, _ := newGrid(cells, dims)
		g.primary(threshold)
		g.secondaryLines()
		if det, _ := g.determined(); len(det) > 0 {
			greedyLeaks++
		}
	}
	// The line rule alone leaks on some of these tables: the audit is
	// what protected them.
	if greedyLeaks == 0 {
		t.Error("no table needed the audit; the test does not exercise it")
	}
	t.Logf("tables the line rule alone left recoverable: %d of 60", greedyLeaks)
}

// The attacker must work: with secondary suppression undone, the real
// table gives primary cells away.
func TestAttackerRecoversPrimaryOnly(t *testing.T) {
	r, err := SuppressSmallCells(readCells(t, "testdata/adult_country_race.csv"), []string{"native-country", "race"}, 5)
	if err != nil {
		t.Fatal(err)
	}
	weak := r
	weak.Entries = slices.Clone(r.Entries)
	for i, e := range weak.Entries {
		if e.Status == Secondary {
			weak.Entries[i].Status = Published
		}
	}
	if got := attack(weak); len(got) == 0 {
		t.Fatal("the attacker recovered nothing from primary suppression alone")
	}
}

// A bridge: two suppressed rectangles joined by one cell in a third
// dimension's absence. Lines never hold exactly one suppression, but the
// equations still fix a cell; the audit must catch it.
func TestDeterminedBridge(t *testing.T) {
	// Cells (rows r0..r3, columns c0..c3); x marks suppressed:
	// r0: x x . .
	// r1: x x x .
	// r2: . . x x
	// r3: . . x x  and r1c2 bridges the two squares.
	cells := []Cell{}
	sup := map[[2]int]bool{{0, 0}: true, {0, 1}: true, {1, 0}: true, {1, 1}: true, {1, 2}: true, {2, 2}: true, {2, 3}: true, {3, 2}: true, {3, 3}: true}
	for i := range 4 {
		for j := range 4 {
			cells = append(cells, cell(int64(10+i+j), "r"+strconv.Itoa(i), "c"+strconv.Itoa(j)))
		}
	}
	g, err := newGrid(cells, []string{"r", "c"})
	if err != nil {
		t.Fatal(err)
	}
	g.primary(1)
	for k := range sup {
		g.status[g.index([]string{"r" + strconv.Itoa(k[0]), "c" + strconv.Itoa(k[1])})] = Primary
	}
	// Column c2 has three and row r1 three suppressions: no single one.
	det, err := g.determined()
	if err != nil {
		t.Fatal(err)
	}
	if len(det) == 0 {
		t.Fatal("the bridge r1c2 is not found determined")
	}
	if want := g.index([]string{"r1", "c2"}); !slices.Contains(det, want) {
		t.Errorf("determined = %v, want it to hold %d", det, want)
	}
	if got := attack(g.result([]string{"r", "c"}, 1)); len(got) == 0 {
		t.Error("the attacker does not recover the bridge either")
	}
}

// assertPrimaryRule checks that every entry counting 1..threshold-1 is
// suppressed and no zero is suppressed as primary.
func assertPrimaryRule(t *testing.T, r Result) {
	t.Helper()
	for _, e := range r.Entries {
		small := e.Count > 0 && e.Count < int64(r.Threshold)
		if small && e.Status != Primary || !small && e.Status == Primary {
			t.Errorf("entry %v count %d threshold %d: status %s", e.Keys, e.Count, r.Threshold, e.Status)
		}
	}
}

func readCells(t *testing.T, path string) []Cell {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cells []Cell
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ";")
		n, err := strconv.ParseInt(fields[len(fields)-1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, Cell{Keys: fields[:len(fields)-1], Count: n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cells
}

// FuzzSuppress builds a table of up to three dimensions from the input and
// checks that no suppressed entry can be recovered.
func FuzzSuppress(f *testing.F) {
	f.Add([]byte{2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint8(5))
	f.Add([]byte{3, 2, 2, 1, 0, 9, 3, 0, 2, 4, 1, 1, 1, 1, 7}, uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, threshold uint8) {
		if len(data) < 2 || threshold == 0 {
			return
		}
		ndims := 1 + int(data[0])%3
		sizes := make([]int, ndims)
		n := 1
		for d := range sizes {
			sizes[d] = 1 + int(data[(1+d)%len(data)])%4
			n *= sizes[d]
		}
		dims := []string{"a", "b", "c"}[:ndims]
		var cells []Cell
		for i := range n {
			keys := make([]string, ndims)
			for d, rest := 0, i; d < ndims; d++ {
				keys[d] = strconv.Itoa(rest % sizes[d])
				rest /= sizes[d]
			}
			cells = append(cells, Cell{Keys: keys, Count: int64(data[(i+ndims+1)%len(data)] % 16)})
		}
		r, err := SuppressSmallCells(cells, dims, int(threshold%10)+1)
		if err != nil {
			t.Fatal(err)
		}
		assertPrimaryRule(t, r)
		assertUnrecoverable(t, r)
	})
}

// A table too large to audit is refused, not published unaudited.
func TestSuppressRefusesWhatItCannotAudit(t *testing.T) {
	var cells []Cell
	for i := range 100 {
		for j := range 100 {
			cells = append(cells, cell(1, strconv.Itoa(i), strconv.Itoa(j)))
		}
	}
	_, err := SuppressSmallCells(cells, []string{"a", "b"}, 5)
	if err == nil || !strings.Contains(err.Error(), "coarsen the table") {
		t.Fatalf("err = %v, want the audit's size limit", err)
	}
}
