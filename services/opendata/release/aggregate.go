package release

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/vasteras/civicbus/services/opendata/dataset"
	"github.com/vasteras/civicbus/services/opendata/privacy"
)

// aggregate makes the rows of an aggregate: the group's values and each
// measure, with small cells (and the cells that would give them away)
// suppressed — their measures are null — and, when the policy sets an
// epsilon, Laplace noise on counts and sums. A table whose every row would
// be suppressed is refused (ErrRefused), not published empty of figures.
func aggregate(in Input, rep *privacy.Report) (*Output, error) {
	d := in.Def
	p := d.Privacy
	cols := append([]string(nil), d.Shape.GroupBy...)
	for _, m := range d.Shape.Measures {
		cols = append(cols, m.Name)
	}
	// Noise first, and small cells judged on the noisy figures: judged on
	// the true ones, which cells are hidden would tell which are small.
	var noisy *noised
	if p.Epsilon > 0 {
		var err error
		if noisy, err = addNoise(in, rep); err != nil {
			return nil, err
		}
	}
	suppressed := make([]bool, len(in.Cells))
	if p.SmallCells.Threshold > 1 && len(in.Cells) > 0 {
		var err error
		if suppressed, err = smallCells(d, in.Cells, noisy, rep); err != nil {
			return nil, err
		}
		hidden := 0
		for _, h := range suppressed {
			if h {
				hidden++
			}
		}
		rep.Results.RowsHidden = hidden
		// Fail closed: a version whose every row is hidden shows no figure,
		// and publishing it would tell that every group is small (for a
		// table of one row, that its count is 1 to threshold-1). Nothing
		// is published until a group reaches the threshold.
		if hidden == len(in.Cells) {
			return nil, fmt.Errorf("%w: %w: dataset %s: small-cell suppression hides the figures of every row (%d of %d): a version showing no figure says nothing and would tell that every group counts fewer than %d; nothing is published until a group reaches it",
				ErrRefused, ErrEveryRowHidden, d.Name, hidden, len(in.Cells), p.SmallCells.Threshold)
		}
	}
	out := &Output{Columns: cols, Rows: make([][]any, 0, len(in.Cells))}
	for i, c := range in.Cells {
		row := append(make([]any, 0, len(cols)), c.Group...)
		for _, m := range d.Shape.Measures {
			if suppressed[i] {
				row = append(row, nil)
				continue
			}
			row = append(row, measure(m, c.Agg, noisy, i))
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// noised holds the noisy counts of every cell and the noisy sums of every
// summed column.
type noised struct {
	counts []int64
	sums   map[string][]float64
}

// addNoise draws Laplace noise for the counts and for each summed column,
// the version's epsilon split evenly between them. Each event's value was
// clamped to sum_bound when it was folded into its cell, so a cell's sum
// is passed on as n contributions of sum/n, each within the bound.
func addNoise(in Input, rep *privacy.Report) (*noised, error) {
	d := in.Def
	p := d.Privacy
	var sumCols []string
	for _, m := range d.Shape.Measures {
		if (m.Fn == "sum" || m.Fn == "mean") && !slices.Contains(sumCols, m.Column) {
			sumCols = append(sumCols, m.Column)
		}
	}
	budget, err := privacy.NewBudget(p.Epsilon)
	if err != nil {
		return nil, fmt.Errorf("%w: dataset %s: %w", ErrRefused, d.Name, err)
	}
	var n *privacy.Noise
	if in.NoiseSeed != 0 {
		n = privacy.NewSeededNoise(budget, uint64(in.NoiseSeed))
	} else {
		n = privacy.NewNoise(budget)
	}
	share := p.Epsilon / float64(1+len(sumCols))
	per := p.PerPerson()
	counts := make([]int64, len(in.Cells))
	for i, c := range in.Cells {
		counts[i] = c.Agg.N
	}
	out := &noised{sums: map[string][]float64{}}
	if out.counts, err = n.Counts("counts", counts, per, share); err != nil {
		return nil, fmt.Errorf("%w: dataset %s: %w", ErrRefused, d.Name, err)
	}
	for _, col := range sumCols {
		contrib := make([][]float64, len(in.Cells))
		for i, c := range in.Cells {
			if c.Agg.N > 0 {
				contrib[i] = slices.Repeat([]float64{c.Agg.Sum[col] / float64(c.Agg.N)}, int(c.Agg.N))
			}
		}
		if out.sums[col], err = n.Sums("sum of "+col, contrib, p.SumBound, per, share); err != nil {
			return nil, fmt.Errorf("%w: dataset %s: %w", ErrRefused, d.Name, err)
		}
	}
	rep.RecordBudget(budget)
	return out, nil
}

// measure is one measure of cell i; nil when the cell has no value for it.
func measure(m dataset.Measure, a Agg, noisy *noised, i int) any {
	switch m.Fn {
	case "count":
		if noisy != nil {
			return noisy.counts[i]
		}
		return a.N
	case "sum", "mean":
		sum, ok := a.Sum[m.Column]
		if !ok {
			return nil
		}
		n := a.N
		if noisy != nil {
			sum, n = noisy.sums[m.Column][i], max(noisy.counts[i], 1)
		}
		if m.Fn == "mean" {
			return round(sum / float64(n))
		}
		return round(sum)
	case "min":
		if v, ok := a.Min[m.Column]; ok {
			return round(v)
		}
	case "max":
		if v, ok := a.Max[m.Column]; ok {
			return round(v)
		}
	}
	return nil
}

// round keeps six decimals, so sums of decimals do not publish float noise
// such as 0.30000000000000004; whole numbers come out as integers.
func round(f float64) any {
	r := math.Round(f*1e6) / 1e6
	if r == math.Trunc(r) && math.Abs(r) < 1<<53 {
		return int64(r)
	}
	return r
}

// smallCells marks the cells to suppress: those counting fewer persons than
// the threshold, and more where needed so that none of them can be computed
// from the totals of the others.
func smallCells(d *dataset.Loaded, cells []Cell, noisy *noised, rep *privacy.Report) ([]bool, error) {
	p := d.Privacy
	var m dataset.Measure
	for _, x := range d.Shape.Measures {
		if x.Name == p.SmallCells.Measure {
			m = x
		}
	}
	in := make([]privacy.Cell, len(cells))
	for i, c := range cells {
		keys := make([]string, len(c.Group))
		for j, v := range c.Group {
			keys[j] = text(v)
		}
		n := c.Agg.N
		switch {
		case m.Fn == "sum" && noisy != nil:
			n = int64(math.Round(noisy.sums[m.Column][i]))
		case m.Fn == "sum":
			n = int64(math.Round(c.Agg.Sum[m.Column]))
		case noisy != nil:
			n = noisy.counts[i]
		}
		in[i] = privacy.Cell{Keys: keys, Count: n}
	}
	res, err := privacy.SuppressSmallCells(in, d.Shape.GroupBy, p.SmallCells.Threshold)
	if err != nil {
		return nil, fmt.Errorf("%w: dataset %s: small-cell suppression: %w", ErrRefused, d.Name, err)
	}
	status := make(map[string]bool, len(res.Entries))
	for _, e := range res.Entries {
		status[strings.Join(e.Keys, "\x00")] = e.Suppressed()
	}
	out := make([]bool, len(cells))
	for i, c := range in {
		out[i] = status[strings.Join(c.Keys, "\x00")]
	}
	rep.RecordSuppression(res)
	return out, nil
}
