package anon

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/vasteras/civicbus/internal/testenv"
)

// adultColumns are the Adult data's columns, all used as quasi-identifiers.
var adultColumns = []string{"sex", "age", "race", "marital-status", "education",
	"native-country", "workclass", "occupation", "salary-class"}

// adultDir returns the directory of ARX's Adult data that the repository
// carries (testdata/adult, see testdata/SOURCES.md).
func adultDir(tb testing.TB) string {
	tb.Helper()
	data := testenv.TestData(tb, "adult")
	if _, err := os.Stat(filepath.Join(data, "adult.csv")); err != nil {
		tb.Fatalf("the Adult data: %v", err)
	}
	return data
}

// loadAdult reads adult.csv and ARX's hierarchies for it.
func loadAdult(tb testing.TB) (*Table, []Attribute) {
	tb.Helper()
	dir := adultDir(tb)
	f, err := os.Open(filepath.Join(dir, "adult.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	t, err := ReadCSV(f, ';')
	if err != nil {
		tb.Fatal(err)
	}
	hs, err := LoadARXHierarchies(dir, "adult_hierarchy_", adultColumns)
	if err != nil {
		tb.Fatal(err)
	}
	qis := make([]Attribute, len(adultColumns))
	for i, c := range adultColumns {
		qis[i] = Attribute{Name: c, Hierarchy: hs[c]}
	}
	return t, qis
}

func TestAdult(t *testing.T) {
	tab, qis := loadAdult(t)
	if tab.Len() != 30162 {
		t.Fatalf("adult.csv has %d rows, want 30162", tab.Len())
	}
	p := Policy{K: 5, MaxSuppression: 0.04, QuasiIdentifiers: qis}
	r, err := Anonymize(tab, p)
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, tab, p, r)
	t.Logf("levels %v suppressed %d classes %d smallest %d loss %.6f per attribute %.4f nodes %d of %d",
		r.Levels, r.Suppressed, r.Classes, r.K, r.Loss, r.AttributeLoss, r.NodesChecked, r.NodesTotal)
}

func TestAdultLDiverse(t *testing.T) {
	tab, qis := loadAdult(t)
	p := Policy{K: 5, MaxSuppression: 0.04, QuasiIdentifiers: qis[:7], Sensitive: "occupation", L: 3}
	r, err := Anonymize(tab, p)
	if err != nil {
		t.Fatal(err)
	}
	checkOutput(t, tab, p, r)
	t.Logf("levels %v suppressed %d loss %.6f nodes %d of %d", r.Levels, r.Suppressed, r.Loss, r.NodesChecked, r.NodesTotal)
}

// BenchmarkAdult anonymises the Adult data (30,162 rows, 9
// quasi-identifiers with ARX's hierarchies) at k=5 and 4% suppression; the
// table is loaded once, outside the timing.
func BenchmarkAdult(b *testing.B) {
	tab, qis := loadAdult(b)
	p := Policy{K: 5, MaxSuppression: 0.04, QuasiIdentifiers: qis}
	b.ReportAllocs()
	var r *Result
	cpu := cpuTime(b)
	for b.Loop() {
		var err error
		if r, err = Anonymize(tab, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime(b)-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
	b.ReportMetric(r.Loss, "loss")
	b.ReportMetric(float64(r.Suppressed), "suppressed")
	b.ReportMetric(float64(r.NodesChecked), "nodes-checked")
}

// synthetic returns n rows drawn deterministically from the Adult data's
// per-column value distributions (each column drawn independently, so
// there are far more distinct records than in Adult itself).
func synthetic(tb testing.TB, adult *Table, n int) *Table {
	tb.Helper()
	out, err := NewTable(adult.Columns()...)
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 2024))
	row := make([]string, len(adult.names))
	for range n {
		for c := range row {
			row[c] = adult.Value(rng.IntN(adult.Len()), c)
		}
		if err := out.Append(row); err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// BenchmarkSynthetic1M anonymises 1,000,000 synthetic Adult-like rows with
// the Adult policy (k=5, 4%), reporting the heap in use after the run and
// the peak heap obtained from the OS (table included).
func BenchmarkSynthetic1M(b *testing.B) {
	adult, qis := loadAdult(b)
	tab := synthetic(b, adult, 1_000_000)
	p := Policy{K: 5, MaxSuppression: 0.04, QuasiIdentifiers: qis}
	b.ReportAllocs()
	var r *Result
	cpu := cpuTime(b)
	for b.Loop() {
		var err error
		if r, err = Anonymize(tab, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime(b)-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapSys)/(1<<20), "heap-sys-MB")
	b.ReportMetric(r.Loss, "loss")
	b.ReportMetric(float64(r.Suppressed), "suppressed")
	b.ReportMetric(float64(r.NodesChecked), "nodes-checked")
	b.Logf("levels %v suppressed %d classes %d loss %.4f", r.Levels, r.Suppressed, r.Classes, r.Loss)
}

// cpuTime returns the process's user and system CPU time so far: on a
// shared machine it measures the work better than the wall clock.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
