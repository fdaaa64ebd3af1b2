package anon

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// loadSmall reads testdata/small.csv: 60 made-up patients (postcode, birth
// date, age, sex, diagnosis), with programmatic hierarchies for each.
func loadSmall(t *testing.T) (*Table, []Attribute) {
	t.Helper()
	f, err := os.Open("testdata/small.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := ReadCSV(f, ';')
	if err != nil {
		t.Fatal(err)
	}
	postcode, err := MaskHierarchy(3)
	if err != nil {
		t.Fatal(err)
	}
	age, err := IntervalHierarchy(5, 10, 20)
	if err != nil {
		t.Fatal(err)
	}
	sex, err := FuncHierarchy(func(string) (string, error) { return "*", nil })
	if err != nil {
		t.Fatal(err)
	}
	return tab, []Attribute{{"postcode", postcode}, {"birthdate", DateHierarchy()}, {"age", age}, {"sex", sex}}
}

func TestOptimalOnSmallTable(t *testing.T) {
	tab, qis := loadSmall(t)
	for _, p := range []Policy{
		{K: 3, MaxSuppression: 0.1, QuasiIdentifiers: qis},
		{K: 2, QuasiIdentifiers: qis},
		{K: 4, MaxSuppression: 0.05, QuasiIdentifiers: qis, Sensitive: "diagnosis", L: 2},
		{K: 5, MaxSuppression: 0.2, QuasiIdentifiers: qis[:3], Sensitive: "diagnosis", L: 3},
	} {
		r := checkOptimal(t, tab, p)
		if r != nil {
			t.Logf("k=%d l=%d: levels %v suppressed %d loss %.4f", p.K, p.L, r.Levels, r.Suppressed, r.Loss)
		}
	}
}

func TestUnreachableSaysWhyWithoutValues(t *testing.T) {
	tab, qis := loadSmall(t)
	_, err := Anonymize(tab, Policy{K: 5, MaxSuppression: 0.01, QuasiIdentifiers: qis, Sensitive: "diagnosis", L: 6})
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	want := "even the most general node leaves 60 of 60 records (100.0%) in classes smaller than 5 or with fewer than 6 distinct values of diagnosis; the budget is 0 records (1.0%)"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("err = %q\nwant it to contain %q", err, want)
	}
	assertNoValues(t, err, tab)
}

// assertNoValues fails if err's message contains any value of tab longer
// than two characters (shorter ones occur in ordinary words).
func assertNoValues(t *testing.T, err error, tab *Table) {
	t.Helper()
	for c := range tab.cols {
		for _, v := range tab.cols[c].dict {
			if len(v) > 2 && strings.Contains(err.Error(), v) {
				t.Errorf("error %q contains the value %q of column %s", err, v, tab.names[c])
			}
		}
	}
}

func TestValueMissingFromHierarchy(t *testing.T) {
	tab, err := NewTable("id", "country")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range [][]string{{"1", "Sweden"}, {"2", "Norway"}, {"3", "Atlantis"}} {
		if err := tab.Append(row); err != nil {
			t.Fatal(err)
		}
	}
	h, err := ReadHierarchyCSV(strings.NewReader("Sweden;Nordic;*\nNorway;Nordic;*\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Anonymize(tab, Policy{K: 1, QuasiIdentifiers: []Attribute{{"country", h}}})
	want := "anon: quasi-identifier country, row 3: value is not in the hierarchy"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	assertNoValues(t, err, tab)
}

func TestReadHierarchyCSVErrors(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"unequal rows", "a;x;*\nb;*\n", "anon: hierarchy line 2 has 2 columns, line 1 has 3"},
		{"duplicate value", "a;x;*\nb;x;*\na;y;*\n", "anon: hierarchy line 3 repeats an original value of an earlier line"},
		{"not a tree", "a;x;p;*\nb;x;q;*\n", "anon: hierarchy line 2 is not a tree: its level-1 value has a different level-2 value on an earlier line"},
		{"empty", "", "anon: hierarchy has no rows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadHierarchyCSV(strings.NewReader(c.in))
			if err == nil || err.Error() != c.want {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestProgrammaticHierarchies(t *testing.T) {
	age, err := IntervalHierarchy(5, 10, 20)
	if err != nil {
		t.Fatal(err)
	}
	mask, err := MaskHierarchy(2)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		h    *Hierarchy
		in   string
		want []string
	}{
		{"interval", age, "39", []string{"35-39", "30-39", "20-39", "*"}},
		{"interval, negative and decimal", age, "-0.5", []string{"-5--1", "-10--1", "-20--1", "*"}},
		{"mask", mask, "72214", []string{"7221*", "722**", "*"}},
		{"mask, short value", mask, "7", []string{"*", "*", "*"}},
		{"date", DateHierarchy(), "2024-02-07", []string{"2024-02", "2024", "*"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.h.Height() != len(c.want) {
				t.Fatalf("height %d, want %d", c.h.Height(), len(c.want))
			}
			for lvl := 1; lvl <= c.h.Height(); lvl++ {
				if got, err := c.h.generalise(c.in, lvl); err != nil || got != c.want[lvl-1] {
					t.Errorf("level %d: %q, %v; want %q", lvl, got, err, c.want[lvl-1])
				}
			}
		})
	}
	if _, err := IntervalHierarchy(5, 12); err == nil {
		t.Error("IntervalHierarchy(5, 12): bands that do not nest are accepted")
	}
	if _, err := DateHierarchy().generalise("7 Feb 2024", 1); err == nil {
		t.Error("DateHierarchy accepts a non-ISO date")
	}
}

func TestFunctionalHierarchyMustBeATree(t *testing.T) {
	tab, err := NewTable("n")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1", "2", "3", "4"} {
		if err := tab.Append([]string{v}); err != nil {
			t.Fatal(err)
		}
	}
	odd := func(v string) (string, error) {
		return map[bool]string{true: "odd", false: "even"}[strings.ContainsAny(v, "13")], nil
	}
	low := func(v string) (string, error) { return map[bool]string{true: "low", false: "high"}[v < "3"], nil }
	h, err := FuncHierarchy(odd, low)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Anonymize(tab, Policy{K: 1, QuasiIdentifiers: []Attribute{{"n", h}}})
	want := "anon: quasi-identifier n: hierarchy is not a tree: values equal at level 1 differ at level 2"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestPolicyErrorsTogether(t *testing.T) {
	tab, qis := loadSmall(t)
	_, err := Anonymize(tab, Policy{K: -1, MaxSuppression: 2, QuasiIdentifiers: []Attribute{qis[0], qis[0]}, L: 2})
	want := "anon: policy: k must be at least 1, got -1\nmax suppression must be a fraction in [0,1], got 2\n" +
		"quasi-identifier postcode appears twice\nl = 2 needs a sensitive column"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %q", err, want)
	}
}

func TestReadCSVErrorNamesLine(t *testing.T) {
	_, err := ReadCSV(strings.NewReader("a;b\n1;2\n3;4;secret\n"), ';')
	want := "anon: csv line 3: wrong number of fields"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestWriteCSV(t *testing.T) {
	tab, qis := loadSmall(t)
	r, err := Anonymize(tab, Policy{K: 3, MaxSuppression: 0.1, QuasiIdentifiers: qis})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.WriteCSV(&b, ';'); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCSV(strings.NewReader(b.String()), ';')
	if err != nil {
		t.Fatal(err)
	}
	if back.Len() != r.Len() || strings.Join(back.Columns(), ";") != "postcode;birthdate;age;sex;diagnosis" {
		t.Fatalf("written table has %d rows and columns %v; want %d rows", back.Len(), back.Columns(), r.Len())
	}
}

func FuzzReadHierarchyCSV(f *testing.F) {
	f.Add("a;x;*\nb;x;*\n")
	f.Add("a;x;p;*\nb;x;q;*\n")
	f.Add("\"a;\";*\n")
	f.Fuzz(func(t *testing.T, in string) {
		h, err := ReadHierarchyCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		for v, gen := range h.table {
			if len(gen) != h.Height() {
				t.Fatalf("a row has %d levels, height %d", len(gen)+1, h.Height())
			}
			for lvl := 1; lvl <= h.Height(); lvl++ {
				if _, err := h.generalise(v, lvl); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}
