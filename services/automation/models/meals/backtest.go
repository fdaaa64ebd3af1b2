package meals

import (
	"errors"
	"math"
	"slices"
	"time"

	"github.com/vasteras/civicbus/schemas"
)

// BacktestResult is a rolling-origin backtest: at the first served day of
// every ISO week (the origin), the model is fitted on the days before it
// and forecasts that week's served days; the naive baseline forecasts each
// day as the same kitchen's portions on the same weekday a week earlier
// (or, after a break, on the latest such weekday before the origin). Both
// are scored on the same points: kitchen-days with an actual and a
// baseline. Percentages are 0–100.
type BacktestResult struct {
	Origins int `json:"origins"`
	Points  int `json:"points"`
	// MAPE is the mean absolute percentage error of P50; NaiveMAPE the
	// baseline's.
	MAPE      float64 `json:"mape"`
	NaiveMAPE float64 `json:"naive_mape"`
	// Coverage is the share of actuals within [P10, P90] (80 is right).
	Coverage float64 `json:"coverage"`
	// Short is the share of points where the order (P90 rounded up) was
	// below the portions served; Excess the mean of (order − served)/served.
	Short  float64 `json:"short"`
	Excess float64 `json:"excess"`
	// PlannedPoints counts the points whose history row had
	// planned_portions; PlannedShort and PlannedExcess score the kitchens'
	// own plans like the orders, for comparison.
	PlannedPoints int     `json:"planned_points"`
	PlannedShort  float64 `json:"planned_short"`
	PlannedExcess float64 `json:"planned_excess"`
}

// ErrTooShort is returned by Backtest when no week has enough history
// before it.
var ErrTooShort = errors.New("meals: history too short to backtest")

// Backtest runs the rolling-origin backtest on the lunches of history with
// the given window (0: DefaultWindow).
func Backtest(history []schemas.PortionsServed, window int) (BacktestResult, error) {
	in := Input{History: history, Window: window}
	if err := in.Validate(); err != nil {
		return BacktestResult{}, err
	}
	in = in.withDefaults()
	var s score
	ks := kitchens(history, in.Meal)
	planned := plannedOf(history, in.Meal)
	for _, origin := range weekStarts(ks) {
		counted := false
		for _, k := range ks {
			cut, _ := slices.BinarySearchFunc(k.days, origin, func(s served, t time.Time) int { return s.day.Compare(t) })
			f, ok := fit(k.days[:cut], in.Window)
			if !ok {
				continue
			}
			for _, d := range k.days[cut:] {
				if !sameWeek(d.day, origin) {
					break
				}
				naive, ok := sameWeekdayBefore(k.days[:cut], d.day)
				if !ok {
					continue
				}
				p10, p50, p90 := f.interval(d.day.Weekday())
				pl, hasPlan := planned[k.id+" "+d.day.Format(time.DateOnly)]
				s.add(d.portions, naive, p10, p50, p90, pl, hasPlan)
				counted = true
			}
		}
		if counted {
			s.origins++
		}
	}
	if s.points == 0 {
		return BacktestResult{}, ErrTooShort
	}
	return s.result(), nil
}

// score accumulates the backtest's sums.
type score struct {
	origins, points, planned              int
	ape, naiveAPE, covered, short, excess float64
	plannedShort, plannedExcess           float64
}

func (s *score) add(actual, naive, p10, p50, p90, planned float64, hasPlan bool) {
	if actual <= 0 {
		return
	}
	s.points++
	s.ape += math.Abs(p50-actual) / actual
	s.naiveAPE += math.Abs(naive-actual) / actual
	if actual >= p10 && actual <= p90 {
		s.covered++
	}
	order := math.Ceil(p90)
	if order < actual {
		s.short++
	}
	s.excess += (order - actual) / actual
	if hasPlan {
		s.planned++
		if planned < actual {
			s.plannedShort++
		}
		s.plannedExcess += (planned - actual) / actual
	}
}

func (s score) result() BacktestResult {
	n := float64(s.points)
	r := BacktestResult{Origins: s.origins, Points: s.points,
		MAPE: pct(s.ape / n), NaiveMAPE: pct(s.naiveAPE / n), Coverage: pct(s.covered / n),
		Short: pct(s.short / n), Excess: pct(s.excess / n), PlannedPoints: s.planned}
	if s.planned > 0 {
		r.PlannedShort, r.PlannedExcess = pct(s.plannedShort/float64(s.planned)), pct(s.plannedExcess/float64(s.planned))
	}
	return r
}

func pct(x float64) float64 { return math.Round(x*1000) / 10 }

// weekStarts is the first served day of every ISO week with any served
// day, ascending.
func weekStarts(ks []kitchen) []time.Time {
	first := map[[2]int]time.Time{}
	for _, k := range ks {
		for _, d := range k.days {
			y, w := d.day.ISOWeek()
			if f, ok := first[[2]int{y, w}]; !ok || d.day.Before(f) {
				first[[2]int{y, w}] = d.day
			}
		}
	}
	var out []time.Time
	for _, t := range first {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

func sameWeek(a, b time.Time) bool {
	ya, wa := a.ISOWeek()
	yb, wb := b.ISOWeek()
	return ya == yb && wa == wb
}

// sameWeekdayBefore is the latest portions in days on d's weekday.
func sameWeekdayBefore(days []served, d time.Time) (float64, bool) {
	for i := len(days) - 1; i >= 0; i-- {
		if days[i].day.Weekday() == d.Weekday() {
			return days[i].portions, true
		}
	}
	return 0, false
}

// plannedOf maps "kitchen date" to the planned portions of meal.
func plannedOf(h []schemas.PortionsServed, meal schemas.Meal) map[string]float64 {
	out := map[string]float64{}
	for _, p := range h {
		if p.Meal == meal && p.PlannedPortions != nil {
			out[p.KitchenID+" "+string(p.Date)] = float64(*p.PlannedPortions)
		}
	}
	return out
}
