package casework

import (
	"fmt"
	"slices"
	"time"
)

// The override-rate chart of the supervisor view.
const (
	// TrendWeeks is how many weeks the chart shows: those up to the
	// latest week with an automated decision in the supervisor's units.
	TrendWeeks = 12
	// DefaultOverrideAlert is the override rate above which a rule's week
	// is highlighted (Config.OverrideAlert).
	DefaultOverrideAlert = 0.2
	// alertMinimum is how many automated decisions a week needs before its
	// rate is highlighted: one override of two decisions is not a signal.
	alertMinimum = 5
)

// WeekRate is one rule's or model's week: its automated decisions made in
// that week, how many of those a person has since amended, and the
// override rate, overridden ÷ automated.
type WeekRate struct {
	Week       string  `json:"week"` // ISO week, 2024-W10
	Automated  int     `json:"automated"`
	Overridden int     `json:"overridden"`
	Rate       float64 `json:"override_rate"`
	Over       bool    `json:"over_threshold"` // above the threshold, with at least alertMinimum decisions
}

// Label is the week in Swedish: "v. 10 2024".
func (w WeekRate) Label() string {
	var y, n int
	fmt.Sscanf(w.Week, "%d-W%d", &y, &n)
	return fmt.Sprintf("v. %d %d", n, y)
}

// Trend is one rule's or model's override rate week by week, over the
// same weeks for every rule (weeks without decisions included; a rule
// without any decision in them has no trend).
type Trend struct {
	Actor   string     `json:"actor"`
	Weeks   []WeekRate `json:"weeks"`
	Flagged bool       `json:"flagged"` // some week is over the threshold
}

// trends sums the days per rule or model into the last TrendWeeks ISO
// weeks (Europe/Stockholm's weeks are near enough UTC's for this view:
// the day is the stored UTC day).
func trends(days []ruleDay, threshold float64) []Trend {
	type key struct{ actor, week string }
	sums := map[key]*WeekRate{}
	var actors []string
	var last time.Time
	for _, d := range days {
		if d.day.After(last) {
			last = d.day
		}
		k := key{d.actor, isoWeek(d.day)}
		if sums[k] == nil {
			sums[k] = &WeekRate{Week: k.week}
		}
		sums[k].Automated += d.automated
		sums[k].Overridden += d.overrides
		if !slices.Contains(actors, d.actor) {
			actors = append(actors, d.actor)
		}
	}
	slices.Sort(actors)
	var weeks []string
	for i := TrendWeeks - 1; i >= 0; i-- {
		weeks = append(weeks, isoWeek(last.AddDate(0, 0, -7*i)))
	}
	out := make([]Trend, 0, len(actors))
	for _, a := range actors {
		t := Trend{Actor: a}
		seen := false
		for _, w := range weeks {
			wr := WeekRate{Week: w}
			if got := sums[key{a, w}]; got != nil {
				seen = true
				wr = *got
				wr.Rate = float64(wr.Overridden) / float64(wr.Automated)
				wr.Over = wr.Automated >= alertMinimum && wr.Rate > threshold
				t.Flagged = t.Flagged || wr.Over
			}
			t.Weeks = append(t.Weeks, wr)
		}
		if seen { // a rule with no decision in these weeks has no chart
			out = append(out, t)
		}
	}
	return out
}

func isoWeek(t time.Time) string {
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// The chart's geometry, in SVG user units.
const (
	chartW, chartH        = 640, 220
	plotL, plotR          = 48, 8
	plotT, plotB          = 12, 40
	plotWidth, plotHeight = chartW - plotL - plotR, chartH - plotT - plotB
)

// chart is what the template draws for one trend.
type chart struct {
	Trend
	ID        string // unique on the page, for title and desc
	Threshold float64
	ThreshY   float64
	Bars      []bar
	Grid      []gridLine
	W, H      int
}

// FirstLabel and LastLabel name the chart's first and last weeks.
func (c chart) FirstLabel() string { return c.Bars[0].Label() }
func (c chart) LastLabel() string  { return c.Bars[len(c.Bars)-1].Label() }

type bar struct {
	WeekRate
	X, Y, W, H float64
	LabelX     float64
	Short      string // "v10"
}

type gridLine struct {
	Y     float64
	Label string
}

// charts lays the trends out as bar charts: one bar per week, its height
// the override rate on a 0–100 % axis, a dashed line at the threshold.
func charts(ts []Trend, threshold float64) []chart {
	out := make([]chart, len(ts))
	y := func(rate float64) float64 { return plotT + plotHeight*(1-min(rate, 1)) }
	for i, t := range ts {
		c := chart{Trend: t, ID: fmt.Sprintf("trend-%d", i), Threshold: threshold, ThreshY: y(threshold), W: chartW, H: chartH}
		for _, g := range []float64{0, 0.25, 0.5, 0.75, 1} {
			c.Grid = append(c.Grid, gridLine{Y: y(g), Label: fmt.Sprintf("%d %%", int(g*100))})
		}
		slot := float64(plotWidth) / float64(len(t.Weeks))
		for j, w := range t.Weeks {
			var n int
			fmt.Sscanf(w.Week[len(w.Week)-2:], "%d", &n)
			b := bar{WeekRate: w, X: plotL + slot*float64(j) + slot*0.15, W: slot * 0.7, LabelX: plotL + slot*(float64(j)+0.5), Short: fmt.Sprintf("v%d", n)}
			if w.Automated > 0 {
				b.Y = y(w.Rate)
				b.H = plotT + plotHeight - b.Y
			}
			c.Bars = append(c.Bars, b)
		}
		out[i] = c
	}
	return out
}
