package release

// Agg is an aggregate cell's running figures: the rows counted and, per
// numeric column, the sum, minimum and maximum.
type Agg struct {
	N   int64              `json:"n"`
	Sum map[string]float64 `json:"sum,omitempty"`
	Min map[string]float64 `json:"min,omitempty"`
	Max map[string]float64 `json:"max,omitempty"`
}

// Cell is one group of an aggregate (its group_by values, in order) and its
// figures.
type Cell struct {
	Group []any
	Agg   Agg
}
