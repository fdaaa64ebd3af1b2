package forecast

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/vasteras/civicbus/internal/testenv"
)

// county is SCB's code for Västmanlands län in the shared county files.
const county = "19"

// readCSV returns the rows (header dropped) of a comma or semicolon file.
func readCSV(t *testing.T, path string, sep rune) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = sep
	rows, err := r.ReadAll()
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return rows[1:]
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		t.Fatalf("not a number in a data column: %v", err)
	}
	return v
}

// scb2019 reads the repository's SCB 31 Dec 2019 file: persons and women by
// age 0–100 for region, or for all ten municipalities (the county) when
// region is "".
func scb2019(t *testing.T, region string) (pop, women []float64) {
	t.Helper()
	pop, women = make([]float64, 101), make([]float64, 101)
	path := filepath.Join(testenv.Root(t), "demo", "data", "scb", "SCB_alderkon_vastmanland_2019.csv")
	for _, r := range readCSV(t, path, ',') {
		if region != "" && r[0] != region {
			continue
		}
		a, v := int(num(t, r[1])), num(t, r[3])
		pop[a] += v
		if r[2] == "kvinnor" {
			women[a] += v
		}
	}
	return pop, women
}

// countySeries reads Västmanland's births by year and persons aged 0–19 by
// year from the team's data folder (skipping when it is absent).
func countySeries(t *testing.T) (births map[int]float64, pops map[int][]float64) {
	t.Helper()
	dir := "scb_population/county_vastmanland_etc/"
	births, pops = map[int]float64{}, map[int][]float64{}
	for _, r := range readCSV(t, testenv.SharedData(t, dir+"birth_data_per_region.csv"), ',') {
		if r[0] == county {
			births[int(num(t, r[1]))] = num(t, r[2])
		}
	}
	for _, f := range []string{"population_0_16_years.csv", "population_17_19_years.csv"} {
		for _, r := range readCSV(t, testenv.SharedData(t, dir+f), ',') {
			if strings.TrimLeft(r[0], "0") != county {
				continue
			}
			y := int(num(t, r[2]))
			if pops[y] == nil {
				pops[y] = make([]float64, 20)
			}
			pops[y][int(num(t, r[1]))] = num(t, r[3])
		}
	}
	return births, pops
}

func series(m map[int]float64, from, to int) []float64 {
	var s []float64
	for y := from; y <= to; y++ {
		s = append(s, m[y])
	}
	return s
}

func sum(v []float64, from, to int) float64 {
	var s float64
	for a := from; a <= to; a++ {
		s += v[a]
	}
	return s
}

func TestSCB2019Vasteras(t *testing.T) {
	pop, _ := scb2019(t, "Västerås")
	if got := sum(pop, 0, 100); got != 154049 {
		t.Fatalf("Västerås 2019 sums to %.0f, SCB says 154049", got)
	}
}

// vasterasInput builds the Västerås 2019 input: its own population by age
// and sex; births per woman 15–49 from the county's 2019 births and women;
// the births' variability from the county series 2009–2019; migration
// rates for ages 0–18 from the county's residual net migration 2009–2019
// (ages 19 and over: none known, taken as zero).
func vasterasInput(t *testing.T) Input {
	births, pops := countySeries(t)
	pop, women := scb2019(t, "Västerås")
	_, countyWomen := scb2019(t, "")
	mig, err := EstimateMigration(pops, births, nil, 2009, 2019)
	if err != nil {
		t.Fatal(err)
	}
	rates := make([]float64, 101)
	copy(rates, mig.Rates[:19])
	sigma, _ := LogGrowthSigma(series(births, 2009, 2019))
	return Input{AreaCode: "1980", BaseYear: 2019, Population: pop, Women: women, Seed: 2019,
		Births:    BirthsInput{PerWoman: births[2019] / sum(countyWomen, 15, 49), Sigma: sigma},
		Migration: MigrationInput{Rates: rates, Sigma: mig.Sigma},
		Capacity:  map[string]float64{"forskola-1-5": 9000, "grundskola-6-15": 19000}}
}

func TestVasterasTenYears(t *testing.T) {
	in := vasterasInput(t)
	t.Logf("births per woman 15-49 %.4f, births sigma %.4f, migration sigma %.3f, net migration rate age 1 %.4f, age 10 %.4f",
		in.Births.PerWoman, in.Births.Sigma, in.Migration.Sigma, in.Migration.Rates[1], in.Migration.Rates[10])
	central, err := Project(in)
	if err != nil {
		t.Fatal(err)
	}
	// 2020 ages 1–15 are the 2019 ages 0–14 after survival and migration;
	// survival alone must explain them within 5 %.
	q := DefaultMortality(100)
	var survivedOnly float64
	for a := 0; a <= 14; a++ {
		survivedOnly += in.Population[a] * (1 - q[a])
	}
	got := sum(central.Population[0], 1, 15)
	t.Logf("2020 ages 1-15: projected %.0f, 2019 ages 0-14 survived %.0f", got, survivedOnly)
	if r := got / survivedOnly; r < 0.95 || r > 1.05 {
		t.Errorf("2020 ages 1-15 %.0f vs 2019 ages 0-14 survived %.0f: ratio %.3f", got, survivedOnly, r)
	}
	out, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]float64{"forskola-1-5": sum(in.Population, 1, 5), "grundskola-6-15": sum(in.Population, 6, 15)}
	t.Logf("Västerås 2019: 1-5 %.0f, 6-15 %.0f", base["forskola-1-5"], base["grundskola-6-15"])
	for _, r := range out.Rows {
		t.Logf("%d %-16s P10 %6.0f  P50 %6.0f  P90 %6.0f  gap %6.0f  confidence %.3f", r.Year, r.AgeGroup, r.P10, r.P50, r.P90, *r.Gap, r.Confidence)
		if !(0 < r.P10 && r.P10 < r.P50 && r.P50 < r.P90) {
			t.Errorf("%d %s: band not positive and increasing", r.Year, r.AgeGroup)
		}
		if ratio := r.P50 / base[r.AgeGroup]; ratio < 0.75 || ratio > 1.3 {
			t.Errorf("%d %s: P50 is %.2f × the 2019 figure", r.Year, r.AgeGroup, ratio)
		}
	}
	first, last := out.Rows[0], out.Rows[len(out.Rows)-2]
	if last.P90-last.P10 <= 2*(first.P90-first.P10) {
		t.Errorf("preschool band does not widen: %.0f in 2020, %.0f in 2029", first.P90-first.P10, last.P90-last.P10)
	}
}

// TestCountyBacktest projects Västmanland from 31 Dec 2013 to 31 Dec 2023
// with rates from 2003–2013 only, and compares with what SCB counted.
func TestCountyBacktest(t *testing.T) {
	births, pops := countySeries(t)
	mig, err := EstimateMigration(pops, births, nil, 2003, 2013)
	if err != nil {
		t.Fatal(err)
	}
	in := Input{AreaCode: "19", BaseYear: 2013, Population: pops[2013], Seed: 2013, Migration: mig,
		Births: BirthsInput{History: series(births, 2009, 2013)}}
	in.Births.Sigma, _ = LogGrowthSigma(series(births, 2003, 2013))
	out, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	actual := map[string]float64{"forskola-1-5": sum(pops[2023], 1, 5), "grundskola-6-15": sum(pops[2023], 6, 15)}
	for _, r := range out.Rows {
		if r.Year != 2023 {
			continue
		}
		a := actual[r.AgeGroup]
		errPct := 100 * (r.P50 - a) / a
		t.Logf("backtest 2013→2023 %s: P50 %.0f (P10 %.0f, P90 %.0f), actual %.0f, error %+.1f %%, inside band %v",
			r.AgeGroup, r.P50, r.P10, r.P90, a, errPct, r.P10 <= a && a <= r.P90)
		if errPct < -10 || errPct > 10 {
			t.Errorf("backtest %s: error %+.1f %% beyond ±10 %%", r.AgeGroup, errPct)
		}
	}
	// Where the error comes from: the central path again with hindsight,
	// once with births at their real 2014–2023 mean, once with migration
	// rates measured over 2013–2023 as well.
	hindsight := in
	hindsight.Births.History = series(births, 2014, 2023)
	logBacktest(t, "real births", hindsight, actual)
	hindsight.Migration, err = EstimateMigration(pops, births, nil, 2013, 2023)
	if err != nil {
		t.Fatal(err)
	}
	logBacktest(t, "real births and migration rates", hindsight, actual)
}

func logBacktest(t *testing.T, what string, in Input, actual map[string]float64) {
	pr, err := Project(in)
	if err != nil {
		t.Fatal(err)
	}
	last := pr.Population[len(pr.Population)-1]
	for _, g := range DefaultAgeGroups() {
		p := groupDemand(last, g)
		t.Logf("backtest with %s, %s: central %.0f, error %+.1f %%", what, g.Name, p, 100*(p-actual[g.Name])/actual[g.Name])
	}
}
