package portal

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The dataset page's chart: a line chart when the data is a time series (a
// date, year or month column and a figure), a bar chart when it is figures
// per area (an area or unit column and a figure), none otherwise. It is
// inline SVG rendered on the server (no script), with role="img", a
// <title> and a <desc> that says what it shows in words, and its figures
// also as a table beside it.

// The chart kinds.
const (
	chartLine = "line" // a time series
	chartBar  = "bar"  // figures per area
)

// Limits of a chart: a line shows the newest maxLinePoints times, a bar
// chart the maxBars largest areas; a version with more than maxChartGroups
// distinct times or areas gets no chart.
const (
	maxLinePoints  = 120
	maxBars        = 20
	maxChartGroups = 10000
)

// chartSpec is what chooseChart picks: the kind, the columns (by position)
// plotted, and how the figures of rows with the same time or area combine.
type chartSpec struct {
	Kind         string
	X, Y         int
	XName, YName string
	// Combine is "sum", "mean", "min" or "max".
	Combine string
}

// chooseChart picks the chart for a version with columns cols of def: a
// time series when a column is a date (or the aggregate's time bucket, or
// an integer or text column named year, month, quarter, week, day, date or
// period), else figures per area when a text column names an area, a
// district or a unit (an *_name column before an *_code or *_id one); the
// figure is the first of the aggregate's measures among cols, else the
// first integer or number column. Rows with the same time or area combine
// as the measure does (count and sum add up; mean, min and max keep their
// function); the numbers of microdata are averaged. ok is false for a
// dataset with no figure, or neither a time nor an area column.
func chooseChart(def Definition, cols []string) (spec chartSpec, ok bool) {
	spec.X, spec.Y = -1, -1
	timeCol, areaCol, areaRank := -1, -1, 0
	for i, name := range cols {
		if timeCol < 0 && isTimeColumn(def, name) {
			timeCol = i
		}
		if r := areaColumnRank(def, name); r > areaRank {
			areaCol, areaRank = i, r
		}
	}
	switch {
	case timeCol >= 0:
		spec.Kind, spec.X = chartLine, timeCol
	case areaCol >= 0:
		spec.Kind, spec.X = chartBar, areaCol
	default:
		return spec, false
	}
	for _, m := range def.Shape.Measures {
		if i := slices.Index(cols, m.Name); i >= 0 && i != spec.X {
			spec.Y = i
			switch m.Fn {
			case "mean", "min", "max":
				spec.Combine = m.Fn
			default:
				spec.Combine = "sum"
			}
			break
		}
	}
	if spec.Y < 0 {
		for i, name := range cols {
			c, known := def.column(name)
			if !known || i == spec.X || i == timeCol || i == areaCol || (c.Type != "integer" && c.Type != "number") {
				continue
			}
			spec.Y, spec.Combine = i, "mean"
			if def.Shape.Kind == "aggregate" {
				spec.Combine = "sum"
			}
			break
		}
	}
	if spec.Y < 0 {
		return spec, false
	}
	spec.XName, spec.YName = cols[spec.X], cols[spec.Y]
	return spec, true
}

// isTimeColumn reports whether the column called name holds times.
func isTimeColumn(def Definition, name string) bool {
	if tb := def.Shape.TimeBucket; tb != nil && tb.Column == name {
		return true
	}
	c, ok := def.column(name)
	if !ok {
		return false
	}
	if c.Type == "date" {
		return true
	}
	switch name {
	case "year", "month", "quarter", "week", "day", "date", "period":
		return c.Type == "" || c.Type == "string" || c.Type == "integer"
	}
	return false
}

// areaColumnRank is 2 for a text column naming an area by name, 1 by code
// or id, 0 for a column that names no area.
func areaColumnRank(def Definition, name string) int {
	c, ok := def.column(name)
	if !ok || (c.Type != "" && c.Type != "string") {
		return 0
	}
	for _, w := range []string{"area", "district", "unit", "region", "municipality", "kommun", "stadsdel"} {
		if name == w || strings.HasPrefix(name, w+"_") || strings.HasSuffix(name, "_"+w) {
			if strings.HasSuffix(name, "_name") {
				return 2
			}
			return 1
		}
	}
	return 0
}

// chartPoint is a time's or an area's figure.
type chartPoint struct {
	Label string
	Value float64
}

// chartData is a version's chart: its points (in time order, or largest
// first), before layout.
type chartData struct {
	Spec   chartSpec
	Points []chartPoint
	// Groups is how many times or areas the version has (Points holds at
	// most maxLinePoints or maxBars of them).
	Groups int
	// Skipped is how many rows had no time, area or figure (a suppressed
	// cell is null).
	Skipped int64
}

type chartAcc struct {
	sum, min, max float64
	n             int
}

// buildChart reads rows and combines them into spec's chart; it returns
// nil when the version has no figure to show or more than maxChartGroups
// times or areas.
func buildChart(spec chartSpec, rows func(func(Row) error) error) (*chartData, error) {
	groups := map[string]*chartAcc{}
	c := &chartData{Spec: spec}
	tooMany := fmt.Errorf("too many groups")
	err := rows(func(r Row) error {
		if spec.X >= len(r) || spec.Y >= len(r) {
			c.Skipped++
			return nil
		}
		label := cellText(r[spec.X], false)
		v, err := strconv.ParseFloat(cellText(r[spec.Y], false), 64)
		if label == "" || err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			c.Skipped++
			return nil
		}
		a := groups[label]
		if a == nil {
			if len(groups) == maxChartGroups {
				return tooMany
			}
			a = &chartAcc{min: v, max: v}
			groups[label] = a
		}
		a.sum += v
		a.n++
		a.min, a.max = min(a.min, v), max(a.max, v)
		return nil
	})
	if err == tooMany || err == nil && len(groups) == 0 {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.Groups = len(groups)
	for label, a := range groups {
		v := a.sum
		switch spec.Combine {
		case "mean":
			v = a.sum / float64(a.n)
		case "min":
			v = a.min
		case "max":
			v = a.max
		}
		c.Points = append(c.Points, chartPoint{label, v})
	}
	if spec.Kind == chartLine {
		slices.SortFunc(c.Points, func(a, b chartPoint) int { return compareLabels(a.Label, b.Label) })
		if len(c.Points) > maxLinePoints {
			c.Points = c.Points[len(c.Points)-maxLinePoints:]
		}
	} else {
		slices.SortFunc(c.Points, func(a, b chartPoint) int {
			return cmp.Or(cmp.Compare(b.Value, a.Value), strings.Compare(a.Label, b.Label))
		})
		if len(c.Points) > maxBars {
			c.Points = c.Points[:maxBars]
		}
	}
	return c, nil
}

// compareLabels orders times: as numbers when both are (years), else as
// text (ISO dates).
func compareLabels(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(x, y)
	}
	return strings.Compare(a, b)
}

// chartCache keeps each version's chart once built (a version never
// changes); concurrent first requests for one version build it once.
type chartCache struct {
	mu sync.Mutex
	m  map[string]*chartEntry
}

type chartEntry struct {
	once sync.Once
	c    *chartData
	err  error
}

// chart returns the chart of version v of d, nil for none; it reads the
// version's rows the first time.
func (s *Service) chart(ctx context.Context, d Dataset, v Version) (*chartData, error) {
	spec, ok := chooseChart(d.Definition, v.Columns)
	if !ok {
		return nil, nil
	}
	key := v.DatasetID + "/" + strconv.Itoa(v.Version)
	s.charts.mu.Lock()
	e, found := s.charts.m[key]
	if !found {
		if s.charts.m == nil || len(s.charts.m) >= 4096 {
			s.charts.m = map[string]*chartEntry{}
		}
		e = &chartEntry{}
		s.charts.m[key] = e
	}
	s.charts.mu.Unlock()
	e.once.Do(func() {
		// Built for every request waiting, so not stopped when the first
		// one's client goes away.
		ctx := context.WithoutCancel(ctx)
		e.c, e.err = buildChart(spec, func(fn func(Row) error) error {
			return s.store.Rows(ctx, v.DatasetID, v.Version, 0, 0, func(_ int64, r Row) error { return fn(r) })
		})
	})
	if e.err != nil {
		s.charts.mu.Lock()
		if s.charts.m[key] == e {
			delete(s.charts.m, key) // not kept: the next request tries again
		}
		s.charts.mu.Unlock()
	}
	return e.c, e.err
}

// chartView is a chart laid out for the page: SVG coordinates and texts in
// the page's language.
type chartView struct {
	Kind        string
	Title, Desc string
	W, H        float64
	// The plot area.
	Left, Top, Right, Bottom float64
	// Line is a line chart's polyline points.
	Line   string
	Dots   []chartDot
	Bars   []barView
	YTicks []chartTick
	XTicks []chartTick
	// Zero is the x of a bar chart's zero line.
	Zero         float64
	XName, YName string
	// Table is the figures as text: label, value.
	Table [][2]string
}

type chartDot struct {
	X, Y  float64
	Label string
}

type barView struct {
	X, Y, W, H     float64
	TextX, TextY   float64
	Label, Short   string
	Value          string
	ValueX, ValueY float64
}

type chartTick struct {
	At   float64
	Text string
}

// view lays the chart out for page p.
func (c *chartData) view(p page) *chartView {
	lang := p.Lang
	v := &chartView{Kind: c.Spec.Kind, XName: c.Spec.XName, YName: c.Spec.YName, W: 720}
	lo, hi := 0.0, 0.0
	for _, pt := range c.Points {
		lo, hi = min(lo, pt.Value), max(hi, pt.Value)
		v.Table = append(v.Table, [2]string{pt.Label, formatNumber(pt.Value, lang)})
	}
	step := niceStep((hi - lo) / 5)
	lo, hi = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	if hi == lo {
		hi = lo + step
	}
	if c.Spec.Kind == chartLine {
		v.H, v.Left, v.Right, v.Top, v.Bottom = 320, 72, 700, 20, 270
		y := func(f float64) float64 { return round1(v.Bottom - (f-lo)/(hi-lo)*(v.Bottom-v.Top)) }
		n := len(c.Points)
		x := func(i int) float64 {
			if n == 1 {
				return (v.Left + v.Right) / 2
			}
			return round1(v.Left + float64(i)/float64(n-1)*(v.Right-v.Left))
		}
		var line strings.Builder
		for i, pt := range c.Points {
			fmt.Fprintf(&line, "%g,%g ", x(i), y(pt.Value))
			v.Dots = append(v.Dots, chartDot{x(i), y(pt.Value), pt.Label + ": " + formatNumber(pt.Value, lang)})
		}
		v.Line = strings.TrimSpace(line.String())
		for t := lo; t <= hi+step/2; t += step {
			v.YTicks = append(v.YTicks, chartTick{y(t), formatNumber(t, lang)})
		}
		last := -1
		for k := 0; k <= 5; k++ {
			i := int(math.Round(float64(k) * float64(n-1) / 5))
			if i != last && i < n {
				v.XTicks = append(v.XTicks, chartTick{x(i), c.Points[i].Label})
				last = i
			}
		}
	} else {
		const barH, gap = 22.0, 8.0
		v.Left, v.Right, v.Top = 210, 640, 10
		v.Bottom = v.Top + float64(len(c.Points))*(barH+gap)
		v.H = v.Bottom + 30
		x := func(f float64) float64 { return round1(v.Left + (f-lo)/(hi-lo)*(v.Right-v.Left)) }
		v.Zero = x(0)
		for i, pt := range c.Points {
			top := v.Top + float64(i)*(barH+gap) + gap/2
			xv := x(pt.Value)
			b := barView{X: min(v.Zero, xv), Y: top, W: math.Abs(xv - v.Zero), H: barH,
				TextX: v.Left - 8, TextY: top + barH*0.7, Label: pt.Label, Short: shorten(pt.Label, 26),
				Value: formatNumber(pt.Value, lang), ValueX: max(v.Zero, xv) + 6, ValueY: top + barH*0.7}
			v.Bars = append(v.Bars, b)
		}
		for t := lo; t <= hi+step/2; t += step {
			v.XTicks = append(v.XTicks, chartTick{x(t), formatNumber(t, lang)})
		}
	}
	v.Title, v.Desc = c.words(p)
	return v
}

// words are the chart's title and its description in words: what it
// plots, its range, its extremes, and what it leaves out.
func (c *chartData) words(p page) (title, desc string) {
	sv := p.Lang != "en"
	pick := func(s, e string) string {
		if sv {
			return s
		}
		return e
	}
	x, y := c.Spec.XName, c.Spec.YName
	title = fmt.Sprintf(pick("%s per %s", "%s by %s"), y, x)
	lowest, highest := c.Points[0], c.Points[0]
	for _, pt := range c.Points {
		if pt.Value < lowest.Value {
			lowest = pt
		}
		if pt.Value > highest.Value {
			highest = pt
		}
	}
	var b strings.Builder
	if c.Spec.Kind == chartLine {
		fmt.Fprintf(&b, pick("Linjediagram över %s per %s, %d punkter från %s till %s. ", "Line chart of %s by %s, %d points from %s to %s. "),
			y, x, len(c.Points), c.Points[0].Label, c.Points[len(c.Points)-1].Label)
	} else {
		fmt.Fprintf(&b, pick("Stapeldiagram över %s per %s, %d staplar, störst först. ", "Bar chart of %s by %s, %d bars, largest first. "),
			y, x, len(c.Points))
	}
	fmt.Fprintf(&b, pick("Lägst %s (%s), högst %s (%s). ", "Lowest %s (%s), highest %s (%s). "),
		formatNumber(lowest.Value, p.Lang), lowest.Label, formatNumber(highest.Value, p.Lang), highest.Label)
	switch c.Spec.Combine {
	case "sum":
		b.WriteString(pick("Raderna med samma "+x+" är summerade. ", "Rows with the same "+x+" are added up. "))
	case "mean":
		b.WriteString(pick("Medelvärdet av raderna med samma "+x+". ", "The mean of the rows with the same "+x+". "))
	case "min":
		b.WriteString(pick("Det lägsta värdet bland raderna med samma "+x+". ", "The lowest value of the rows with the same "+x+". "))
	case "max":
		b.WriteString(pick("Det högsta värdet bland raderna med samma "+x+". ", "The highest value of the rows with the same "+x+". "))
	}
	if c.Groups > len(c.Points) {
		if c.Spec.Kind == chartLine {
			fmt.Fprintf(&b, pick("Visar de senaste %d av %d. ", "Shows the latest %d of %d. "), len(c.Points), c.Groups)
		} else {
			fmt.Fprintf(&b, pick("Visar de %d största av %d. ", "Shows the %d largest of %d. "), len(c.Points), c.Groups)
		}
	}
	if c.Skipped > 0 {
		fmt.Fprintf(&b, pick("%d rader utan värde (till exempel undertryckta celler) är utelämnade.", "%d rows without a value (for example suppressed cells) are left out."), c.Skipped)
	}
	return title, strings.TrimSpace(b.String())
}

// niceStep is a round step (1, 2 or 5 times a power of ten) near raw.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// formatNumber writes f with at most two decimals, with a decimal comma in
// Swedish.
func formatNumber(f float64, lang string) string {
	s := strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
	if s == "-0" {
		s = "0"
	}
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// shorten cuts s to n characters, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
