package forecast

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f (±%g)", what, got, want, tol)
	}
}

// With no births, deaths or migration every cohort just moves up one age a
// year, the top class keeps everyone, and the total is unchanged.
func TestProjectMassBalance(t *testing.T) {
	base := make([]float64, 20)
	var total float64
	for a := range base {
		base[a] = float64(100 + 7*a)
		total += base[a]
	}
	pr, err := Project(Input{Population: base, Mortality: make([]float64, 20), Births: BirthsInput{History: []float64{0}}, Horizon: 25})
	if err != nil {
		t.Fatal(err)
	}
	for i, pop := range pr.Population {
		y := i + 1
		var sum float64
		for a, v := range pop {
			sum += v
			if a < 19 {
				want := 0.0
				if a >= y {
					want = base[a-y]
				}
				near(t, "cohort", v, want, 1e-9)
			}
		}
		near(t, "total", sum, total, 1e-9)
	}
	if pr.Years[0] != 1 || pr.Years[24] != 25 {
		t.Errorf("years = %v", pr.Years)
	}
}

// A small case computed by hand (see the comments for each figure).
func TestProjectHandComputed(t *testing.T) {
	pop, q, counts, rates := make([]float64, 16), make([]float64, 16), make([]float64, 16), make([]float64, 16)
	pop[0], pop[1], pop[15] = 100, 50, 10
	q[0], q[15] = 0.1, 0.5
	counts[1], rates[2] = 5, 0.1
	in := Input{BaseYear: 2020, Population: pop, Mortality: q, Horizon: 2,
		Births:    BirthsInput{History: []float64{40, 60}}, // mean 50 a year
		Migration: MigrationInput{Rates: rates, Counts: counts}}
	pr, err := Project(in)
	if err != nil {
		t.Fatal(err)
	}
	y1, y2 := pr.Population[0], pr.Population[1]
	near(t, "2021 age 0", y1[0], 45, 1e-9)     // 50 × 0.9
	near(t, "2021 age 1", y1[1], 95, 1e-9)     // 100 × 0.9 + 5
	near(t, "2021 age 2", y1[2], 55, 1e-9)     // 50 + 0.1 × 50
	near(t, "2021 age 15+", y1[15], 5, 1e-9)   // 10 × 0.5
	near(t, "2022 age 1", y2[1], 45.5, 1e-9)   // 45 × 0.9 + 5
	near(t, "2022 age 2", y2[2], 104.5, 1e-9)  // 95 + 9.5
	near(t, "2022 age 3", y2[3], 55, 1e-9)     // 55
	near(t, "2022 age 15+", y2[15], 2.5, 1e-9) // 5 × 0.5
	near(t, "births", pr.Births[1], 50, 1e-9)

	// Without randomness every percentile is the central path: 1–5 in 2022
	// is 45.5 + 104.5 + 55 = 205 (2021: 95 + 55 = 150); 6–15 is the open
	// class 15, 5 and then 2.5 persons, against capacity 0.
	in.Births.Sigma, in.Draws = 1e-300, 3
	in.Capacity = map[string]float64{"forskola-1-5": 200, "grundskola-6-15": 0}
	out, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	r := out.Rows[2]
	if r.Year != 2022 || r.AgeGroup != "forskola-1-5" {
		t.Fatalf("row 2 = %+v", r)
	}
	near(t, "P10", r.P10, 205, 1e-6)
	near(t, "P90", r.P90, 205, 1e-6)
	near(t, "gap", *r.Gap, 5, 1e-6)
	near(t, "confidence", r.Confidence, 1, 1e-9)
	if len(out.Needs) != 3 || out.Needs[0].AgeGroup != "grundskola-6-15" || out.Needs[1].Year != 2022 ||
		out.Needs[1].AgeGroup != "forskola-1-5" || !out.Needs[1].Likely || out.Needs[1].GapP90 != 5 {
		t.Errorf("needs = %+v", out.Needs)
	}
}

func TestProjectPerWomanBirths(t *testing.T) {
	pop, women := make([]float64, 60), make([]float64, 60)
	for a := range pop {
		pop[a], women[a] = 100, 50
	}
	pr, err := Project(Input{Population: pop, Women: women, Mortality: make([]float64, 60), Births: BirthsInput{PerWoman: 0.05}, Horizon: 2})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "births year 1", pr.Births[0], 0.05*35*50, 1e-9) // 87.5
	near(t, "girls age 0", pr.Women[0][0], 87.5*FemaleShareOfBirths, 1e-9)
	near(t, "births year 2", pr.Births[1], 0.05*35*50, 1e-9) // the cohort of 14 moves in, 49 moves out
}

func syntheticInput() Input {
	pop := make([]float64, 21)
	for a := range pop {
		pop[a] = 1000
	}
	rates := make([]float64, 21)
	for a := range rates {
		rates[a] = 0.02
	}
	return Input{AreaCode: "1980", BaseYear: 2019, Population: pop, Seed: 7,
		Births:    BirthsInput{History: []float64{1000, 1040, 990, 1010, 1060}},
		Migration: MigrationInput{Rates: rates, Sigma: 0.3},
		AgeGroups: append(DefaultAgeGroups(), GradeAgeGroups()...)}
}

func TestRunBandsWidenWithHorizon(t *testing.T) {
	out, err := Run(syntheticInput())
	if err != nil {
		t.Fatal(err)
	}
	width := map[string][]float64{}
	for _, r := range out.Rows {
		if !(r.P10 < r.P50 && r.P50 < r.P90) {
			t.Errorf("%d %s: P10 %.1f, P50 %.1f, P90 %.1f not increasing", r.Year, r.AgeGroup, r.P10, r.P50, r.P90)
		}
		width[r.AgeGroup] = append(width[r.AgeGroup], r.P90-r.P10)
	}
	for _, g := range []string{"forskola-1-5", "grundskola-6-15"} {
		w := width[g]
		if len(w) != 10 {
			t.Fatalf("%s: %d years, want 10", g, len(w))
		}
		for y := 1; y < len(w); y++ {
			if w[y] < w[y-1] {
				t.Errorf("%s: band narrows from %.1f to %.1f in year %d", g, w[y-1], w[y], y+1)
			}
		}
		if w[9] < 2*w[0] {
			t.Errorf("%s: band at 10 years %.1f, not twice the first year's %.1f", g, w[9], w[0])
		}
	}
}

func TestRunIsDeterministic(t *testing.T) {
	a, _ := Run(syntheticInput())
	b, _ := Run(syntheticInput())
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Error("same input and seed gave different outputs")
	}
	in := syntheticInput()
	in.Seed = 8
	c, _ := Run(in)
	if c.Rows[len(c.Rows)-1].P90 == a.Rows[len(a.Rows)-1].P90 {
		t.Error("a different seed gave the same band")
	}
	if a.Model != Name || a.Version != Version || len(a.Rows) != 10*12 {
		t.Errorf("model %s %s, %d rows", a.Model, a.Version, len(a.Rows))
	}
}

func TestRowJSONShape(t *testing.T) {
	in := syntheticInput()
	in.Capacity = map[string]float64{"forskola-1-5": 5000}
	out, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	b, _ := json.Marshal(out.Rows[0])
	_ = json.Unmarshal(b, &m)
	for _, k := range []string{"area_code", "year", "age_group", "p10", "p50", "p90", "capacity", "gap", "confidence"} {
		if _, ok := m[k]; !ok {
			t.Errorf("row JSON lacks %q: %s", k, b)
		}
	}
	if m["capacity"] != 5000.0 || out.Rows[1].Capacity != nil || out.Rows[1].Gap != nil {
		t.Errorf("capacity: %s / %+v", b, out.Rows[1])
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	err := Input{Population: []float64{1, -2}, Mortality: []float64{2}, Births: BirthsInput{PerWoman: 0.05},
		AgeGroups: []AgeGroup{{Name: "x", From: 3, To: 1}}}.Validate()
	if err == nil {
		t.Fatal("invalid input accepted")
	}
	for _, want := range []string{"ages 0-15", "population has a negative", "mortality must have the length", "mortality must lie", "per_woman needs women", "age_groups[0]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "-2") {
		t.Errorf("error leaks a value: %v", err)
	}
	if _, err := Run(Input{}); err == nil {
		t.Error("Run accepted an empty input")
	}
}

func TestEstimateMigrationRecoversRates(t *testing.T) {
	in := syntheticInput()
	in.Migration.Counts = nil
	pr, err := Project(in)
	if err != nil {
		t.Fatal(err)
	}
	pops := map[int][]float64{2019: in.Population}
	births := map[int]float64{}
	for i, y := range pr.Years {
		pops[y], births[y] = pr.Population[i], pr.Births[i]
	}
	est, err := EstimateMigration(pops, births, nil, 2019, 2029)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range est.Rates[:20] {
		near(t, "rate", r, 0.02, 1e-9)
	}
	near(t, "open top class rate", est.Rates[20], 0, 0)
	near(t, "sigma of a steady series", est.Sigma, 0, 0.2)
	if _, err := EstimateMigration(pops, births, nil, 2019, 2031); err == nil {
		t.Error("missing year accepted")
	}
}

func TestLogGrowthSigma(t *testing.T) {
	s, ok := LogGrowthSigma([]float64{100, 110, 100})
	// log changes +0.0953 and −0.0953: sample sd 0.1348
	if !ok {
		t.Fatal("not ok")
	}
	near(t, "sigma", s, math.Sqrt(2)*math.Log(1.1), 1e-9)
	if _, ok := LogGrowthSigma([]float64{1, 0, 2}); ok {
		t.Error("zero accepted")
	}
}

func TestExplainIsSwedish(t *testing.T) {
	e := Explain()
	for _, w := range []string{"kohort-komponentmetoden", "P10", "dödlighet", "nettoflyttning", Version} {
		if !strings.Contains(strings.ToLower(e), strings.ToLower(w)) {
			t.Errorf("Explain lacks %q", w)
		}
	}
}

// A capacity between P50 and P90 is a need that is possible, not likely.
func TestRunNeedOnlyAtP90(t *testing.T) {
	in := syntheticInput()
	in.AgeGroups = DefaultAgeGroups()
	out, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	last := out.Rows[len(out.Rows)-2] // preschool, final year
	in.Capacity = map[string]float64{"forskola-1-5": (last.P50 + last.P90) / 2}
	out, err = Run(in)
	if err != nil {
		t.Fatal(err)
	}
	n := out.Needs[len(out.Needs)-1]
	if n.Year != last.Year || n.AgeGroup != "forskola-1-5" || n.Likely || n.GapP50 >= 0 || n.GapP90 <= 0 {
		t.Errorf("need = %+v", n)
	}
	if g := out.Rows[len(out.Rows)-2].Gap; g == nil || *g >= 0 {
		t.Errorf("row gap should be negative (P50 under capacity): %v", g)
	}
}
