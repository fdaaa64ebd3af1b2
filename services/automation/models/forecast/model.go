package forecast

import (
	"errors"
	"fmt"
	"math"
)

// Name and Version identify the model in decision records.
const (
	Name    = "school-place-forecast"
	Version = "1.0.0"
)

// Defaults used when the matching Input field is zero.
const (
	DefaultHorizon = 10   // years projected
	DefaultDraws   = 1000 // simulated paths behind the bands
	// DefaultBirthsSigma is the standard deviation of the yearly log change
	// of births when neither Births.Sigma nor a History of at least three
	// years is given: 0.04 is about the year-to-year variability of
	// Västmanland's births 1968–2023.
	DefaultBirthsSigma = 0.04
	// FemaleShareOfBirths is the share of girls among live births (about
	// 105 boys per 100 girls in Sweden).
	FemaleShareOfBirths = 0.487
)

// Input is what the model reads for one area. Populations are persons by
// single year of age at 31 December of BaseYear; the last index is an open
// top class ("this age or older").
type Input struct {
	AreaCode string `json:"area_code"`
	BaseYear int    `json:"base_year"`
	// Population is persons by age, both sexes.
	Population []float64 `json:"population"`
	// Women is women by age, same length as Population; needed only when
	// births come from Births.PerWoman.
	Women []float64 `json:"women,omitempty"`
	// Mortality is the one-year probability of death by age, same length as
	// Population; nil means DefaultMortality. An all-zero slice means no
	// deaths.
	Mortality []float64      `json:"mortality,omitempty"`
	Births    BirthsInput    `json:"births"`
	Migration MigrationInput `json:"migration"`
	// AgeGroups are the groups forecast; nil means DefaultAgeGroups.
	AgeGroups []AgeGroup `json:"age_groups,omitempty"`
	// Capacity is places by age-group name; a group without capacity gets
	// no gap and no premises need.
	Capacity map[string]float64 `json:"capacity,omitempty"`
	Horizon  int                `json:"horizon,omitempty"` // years, default 10
	Draws    int                `json:"draws,omitempty"`   // default 1000
	Seed     uint64             `json:"seed"`
}

// BirthsInput says how many children are born each projected year. With
// PerWoman > 0, births = PerWoman × women aged 15–49 at the start of the
// year (a general fertility rate held constant); otherwise births are held
// at the mean of History (the caller picks the window).
type BirthsInput struct {
	PerWoman float64   `json:"per_woman,omitempty"`
	History  []float64 `json:"history,omitempty"` // annual births, oldest first
	// Sigma is the standard deviation of the yearly log change of births;
	// zero means estimated from History (≥ 3 years), else DefaultBirthsSigma.
	Sigma float64 `json:"sigma,omitempty"`
}

// MigrationInput is net migration by age at the end of the year (the
// cohort that reaches age a). Net migrants of age a in a year are
// Rates[a] × the cohort at the start of the year (births for age 0) plus
// Counts[a]. Either slice may be nil; if set, it has Population's length.
type MigrationInput struct {
	Rates  []float64 `json:"rates,omitempty"`
	Counts []float64 `json:"counts,omitempty"`
	// Sigma is the relative standard deviation of a year's net migration
	// (the whole year's migration is scaled by 1 + Sigma·z, z ~ N(0,1),
	// independently per year).
	Sigma float64 `json:"sigma,omitempty"`
}

// AgeGroup is an inclusive age range; Share is the part of the age group
// that needs a place (1 when zero).
type AgeGroup struct {
	Name  string  `json:"name"`
	From  int     `json:"from"`
	To    int     `json:"to"`
	Share float64 `json:"share,omitempty"`
}

// DefaultAgeGroups are preschool (ages 1–5) and compulsory school (ages
// 6–15, förskoleklass to grade 9).
func DefaultAgeGroups() []AgeGroup {
	return []AgeGroup{{Name: "forskola-1-5", From: 1, To: 5}, {Name: "grundskola-6-15", From: 6, To: 15}}
}

// GradeAgeGroups are the eleven single-age groups F (age 6) to 9 (age 15),
// named "grade-F", "grade-1" … "grade-9".
func GradeAgeGroups() []AgeGroup {
	g := []AgeGroup{{Name: "grade-F", From: 6, To: 6}}
	for k := 1; k <= 9; k++ {
		g = append(g, AgeGroup{Name: fmt.Sprintf("grade-%d", k), From: 6 + k, To: 6 + k})
	}
	return g
}

// withDefaults returns a copy of in with every zero field defaulted.
func (in Input) withDefaults() Input {
	if in.Horizon == 0 {
		in.Horizon = DefaultHorizon
	}
	if in.Draws == 0 {
		in.Draws = DefaultDraws
	}
	if in.Mortality == nil {
		in.Mortality = DefaultMortality(len(in.Population) - 1)
	}
	if in.AgeGroups == nil {
		in.AgeGroups = DefaultAgeGroups()
	}
	if in.Births.Sigma == 0 {
		in.Births.Sigma = DefaultBirthsSigma
		if s, ok := LogGrowthSigma(in.Births.History); ok {
			in.Births.Sigma = s
		}
	}
	return in
}

// Validate reports every problem of the input at once; messages name the
// field, never a value.
func (in Input) Validate() error {
	n := len(in.Population)
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf("forecast: "+format, a...)) }
	if n < 16 {
		add("population must cover at least ages 0-15")
	}
	if !nonNegative(in.Population) {
		add("population has a negative or non-finite value")
	}
	for _, f := range []struct {
		name string
		v    []float64
	}{{"women", in.Women}, {"mortality", in.Mortality}, {"migration.rates", in.Migration.Rates}, {"migration.counts", in.Migration.Counts}} {
		if f.v != nil && len(f.v) != n {
			add("%s must have the length of population", f.name)
		}
	}
	if in.Mortality != nil && !probabilities(in.Mortality) {
		add("mortality must lie in [0,1]")
	}
	if in.Women != nil && !nonNegative(in.Women) {
		add("women has a negative or non-finite value")
	}
	switch {
	case in.Births.PerWoman < 0:
		add("births.per_woman is negative")
	case in.Births.PerWoman > 0 && (in.Women == nil || n < 50):
		add("births.per_woman needs women by age covering ages 15-49")
	case in.Births.PerWoman == 0 && len(in.Births.History) == 0:
		add("births needs per_woman with women, or history")
	}
	if !nonNegative(in.Births.History) {
		add("births.history has a negative or non-finite value")
	}
	if in.Births.Sigma < 0 || in.Migration.Sigma < 0 {
		add("sigma must not be negative")
	}
	if in.Horizon < 0 || in.Draws < 0 {
		add("horizon and draws must not be negative")
	}
	for i, g := range in.AgeGroups {
		if g.Name == "" || g.From < 0 || g.To < g.From || g.To >= n || g.Share < 0 || g.Share > 1 {
			add("age_groups[%d] needs a name, 0 <= from <= to < len(population) and share in [0,1]", i)
		}
	}
	return errors.Join(errs...)
}

func nonNegative(v []float64) bool {
	for _, x := range v {
		if x < 0 || math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

func probabilities(v []float64) bool {
	for _, x := range v {
		if !(x >= 0 && x <= 1) {
			return false
		}
	}
	return true
}
