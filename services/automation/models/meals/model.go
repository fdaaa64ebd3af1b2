package meals

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/services/automation/models/forecast"
)

// Name and Version identify the model in decision records.
const (
	Name    = "meal-demand"
	Version = "1.0.0"
)

// Defaults used when the matching Input field is zero.
const (
	// DefaultWindow is the number of a kitchen's latest served days the
	// level, the weekday factors and the interval are fitted on: eight
	// school weeks.
	DefaultWindow = 40
	// MinHistory is the fewest served days a kitchen needs to be forecast.
	MinHistory = 10
)

// Input is what the model reads: the portions served so far and the school
// calendar's days to forecast.
type Input struct {
	// History is the portions served, any kitchens, any order. Only rows of
	// Meal count; a kitchen and day given twice keeps the last row.
	History []schemas.PortionsServed `json:"history"`
	// Days are the days to forecast, from the school calendar: the days the
	// kitchens cook. Each kitchen in History is forecast for each day.
	Days []schemas.Date `json:"days"`
	// Meal is the meal forecast; empty means lunch.
	Meal schemas.Meal `json:"meal,omitempty"`
	// Window is how many latest served days per kitchen are used; zero
	// means DefaultWindow.
	Window int `json:"window,omitempty"`
	// KgPerPortion is kilograms per portion by ingredient group (from the
	// recipes or the purchases); when set, each order also lists kilograms.
	KgPerPortion map[schemas.PurchaseCategory]float64 `json:"kg_per_portion,omitempty"`
}

// Output is the model's result.
type Output struct {
	Model   string `json:"model"`
	Version string `json:"version"`
	// Rows holds one forecast per kitchen and day, kitchens by id, days
	// ascending.
	Rows []Row `json:"rows"`
	// Skipped lists the kitchens with fewer than MinHistory served days;
	// they get no forecast and their order is left to a person.
	Skipped []string `json:"skipped,omitempty"`
}

// Row is the forecast portions of one kitchen on one day and the proposed
// order. P10 and P90 bound an 80 % interval; Order is P90 rounded up, so
// the kitchen runs short on about one day in ten when the model holds.
type Row struct {
	KitchenID  string       `json:"kitchen_id"`
	Date       schemas.Date `json:"date"`
	P10        float64      `json:"p10"`
	P50        float64      `json:"p50"`
	P90        float64      `json:"p90"`
	Order      int          `json:"order_portions"`
	OrderKg    []GroupKg    `json:"order_kg,omitempty"`
	Confidence float64      `json:"confidence"`
	Weekday    time.Weekday `json:"weekday"`
}

// GroupKg is the kilograms of one ingredient group an order needs.
type GroupKg struct {
	Group schemas.PurchaseCategory `json:"group"`
	Kg    float64                  `json:"kg"`
}

// Validate reports every problem of the input at once; messages name the
// field, never a value.
func (in Input) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf("meals: "+format, a...)) }
	for i, h := range in.History {
		if _, err := h.Date.Time(); err != nil || h.KitchenID == "" || h.Portions < 0 {
			add("history[%d] needs a kitchen_id, a date and portions >= 0", i)
		}
	}
	for i, d := range in.Days {
		if _, err := d.Time(); err != nil {
			add("days[%d] is not a date", i)
		}
	}
	if in.Window < 0 || (in.Window > 0 && in.Window < MinHistory) {
		add("window must be 0 or at least %d", MinHistory)
	}
	for g, kg := range in.KgPerPortion {
		if kg < 0 || math.IsNaN(kg) || math.IsInf(kg, 0) {
			add("kg_per_portion of group %s must be a finite number >= 0", g)
		}
	}
	return errors.Join(errs...)
}

// Run forecasts every kitchen of in.History for every day of in.Days.
func Run(in Input) (Output, error) {
	if err := in.Validate(); err != nil {
		return Output{}, err
	}
	in = in.withDefaults()
	out := Output{Model: Name, Version: Version, Rows: []Row{}}
	days := sortedDays(in.Days)
	for _, k := range kitchens(in.History, in.Meal) {
		f, ok := fit(k.days, in.Window)
		if !ok {
			out.Skipped = append(out.Skipped, k.id)
			continue
		}
		for _, d := range days {
			out.Rows = append(out.Rows, in.row(k.id, d, f))
		}
	}
	return out, nil
}

func (in Input) withDefaults() Input {
	if in.Meal == "" {
		in.Meal = schemas.MealLunch
	}
	if in.Window == 0 {
		in.Window = DefaultWindow
	}
	return in
}

func (in Input) row(kitchen string, d time.Time, f fitted) Row {
	p10, p50, p90 := f.interval(d.Weekday())
	r := Row{KitchenID: kitchen, Date: schemas.DateOf(d), Weekday: d.Weekday(),
		P10: round1(p10), P50: round1(p50), P90: round1(p90),
		Order: int(math.Ceil(p90)), Confidence: forecast.Confidence(p10, p50, p90)}
	for _, g := range slices.Sorted(maps.Keys(in.KgPerPortion)) {
		r.OrderKg = append(r.OrderKg, GroupKg{Group: g, Kg: round1(float64(r.Order) * in.KgPerPortion[g])})
	}
	return r
}

// served is one kitchen's served portions on one day.
type served struct {
	day      time.Time
	portions float64
}

type kitchen struct {
	id   string
	days []served // ascending, one per day
}

// kitchens groups the history of meal by kitchen, kitchens by id, days
// ascending; a day given twice keeps the last row.
func kitchens(h []schemas.PortionsServed, meal schemas.Meal) []kitchen {
	by := map[string]map[time.Time]float64{}
	for _, p := range h {
		if p.Meal != meal {
			continue
		}
		d, _ := p.Date.Time()
		if by[p.KitchenID] == nil {
			by[p.KitchenID] = map[time.Time]float64{}
		}
		by[p.KitchenID][d] = float64(p.Portions)
	}
	var out []kitchen
	for _, id := range slices.Sorted(maps.Keys(by)) {
		k := kitchen{id: id}
		for d, n := range by[id] {
			k.days = append(k.days, served{day: d, portions: n})
		}
		slices.SortFunc(k.days, func(a, b served) int { return a.day.Compare(b.day) })
		out = append(out, k)
	}
	return out
}

func sortedDays(ds []schemas.Date) []time.Time {
	var out []time.Time
	for _, d := range ds {
		t, _ := d.Time()
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return slices.Compact(out)
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }
