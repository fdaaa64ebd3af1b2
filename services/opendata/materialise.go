package opendata

import (
	"fmt"
	"slices"
	"time"

	"github.com/vasteras/civicbus/services/opendata/dataset"
	"github.com/vasteras/civicbus/services/opendata/release"
)

// changeOf turns one event into the change it makes to a dataset: nil when
// the dataset's filter drops it. Errors name the column, never a value.
func changeOf(d *dataset.Loaded, topic, eventID string, event map[string]any) (*Change, error) {
	keep, key, row, err := d.Compiled.Row(topic, eventID, event)
	if err != nil || !keep {
		return nil, err
	}
	c := &Change{DatasetID: d.ID, EventID: eventID}
	if d.Shape.Kind == dataset.ShapeMicrodata {
		c.RowKey, c.Row = key, row
		return c, nil
	}
	cols := d.Compiled.Columns()
	for _, g := range d.Shape.GroupBy {
		v := row[slices.Index(cols, g)]
		if tb := d.Shape.TimeBucket; tb != nil && tb.Column == g && v != nil {
			if v, err = bucket(v.(string), tb.Unit); err != nil {
				return nil, fmt.Errorf("column %s: %w", g, err)
			}
		}
		c.Group = append(c.Group, v)
	}
	type num struct {
		col string
		v   float64
	}
	var nums []num
	for _, m := range d.Shape.Measures {
		if m.Column == "" || slices.ContainsFunc(nums, func(n num) bool { return n.col == m.Column }) {
			continue
		}
		var v float64
		switch x := row[slices.Index(cols, m.Column)].(type) {
		case int64:
			v = float64(x)
		case float64:
			v = x
		default: // a missing value counts in no sum
			continue
		}
		if b := d.Privacy.SumBound; d.Privacy.Epsilon > 0 && b > 0 {
			v = max(-b, min(b, v)) // the noise's sensitivity assumes it
		}
		nums = append(nums, num{m.Column, v})
	}
	c.Fold = func(a release.Agg) release.Agg {
		a.N++
		for _, n := range nums {
			if a.Sum == nil {
				a.Sum, a.Min, a.Max = map[string]float64{}, map[string]float64{}, map[string]float64{}
			}
			if _, seen := a.Min[n.col]; !seen || n.v < a.Min[n.col] {
				a.Min[n.col] = n.v
			}
			if _, seen := a.Max[n.col]; !seen || n.v > a.Max[n.col] {
				a.Max[n.col] = n.v
			}
			a.Sum[n.col] += n.v
		}
		return a
	}
	return c, nil
}

// bucket truncates a date (YYYY-MM-DD) to its time bucket: the day itself,
// the ISO week's Monday, the first of the month, quarter or year.
func bucket(date, unit string) (string, error) {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return "", fmt.Errorf("not a date")
	}
	switch unit {
	case "week":
		wd := (int(t.Weekday()) + 6) % 7 // Monday 0
		t = t.AddDate(0, 0, -wd)
	case "month":
		t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	case "quarter":
		t = time.Date(t.Year(), (t.Month()-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC)
	case "year":
		t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.Format(time.DateOnly), nil
}
