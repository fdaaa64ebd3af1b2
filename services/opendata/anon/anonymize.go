package anon

import (
	"encoding/csv"
	"fmt"
	"io"
	"iter"
)

// Result is the outcome of [Anonymize]: the chosen generalisation, its
// figures, and the anonymised rows (read with [Result.Rows] or
// [Result.WriteCSV], generated on the fly from the input table, which must
// not change meanwhile).
type Result struct {
	// Levels is the chosen level of each quasi-identifier, in policy order.
	Levels []int
	// Suppressed is the number of records left out.
	Suppressed int
	// K is the size of the smallest class kept (at least the policy's K).
	K int
	// Classes is the number of equivalence classes kept.
	Classes int
	// Loss is ARX's Loss of the output, in [0,1] (see the package doc).
	Loss float64
	// AttributeLoss is each quasi-identifier's loss, in policy order.
	AttributeLoss []float64
	// NodesChecked is the number of nodes whose classes were grouped.
	NodesChecked int
	// NodesTotal is the number of nodes in the lattice.
	NodesTotal int

	t        *Table
	attrs    []*attr
	qiOf     []int // column → quasi-identifier index, or -1
	rowTuple []int32
	keep     []bool // per distinct input tuple
}

// Anonymize returns the generalisation of t's quasi-identifiers with the
// lowest Loss among those meeting the policy (k-anonymity, and distinct
// l-diversity when p.L > 1) after suppressing the records of failing
// classes, at most p.MaxSuppression of them. It returns an error wrapping
// [ErrUnreachable] when no generalisation does, and other errors for an
// invalid policy or a value its hierarchy cannot generalise; no error
// contains a data value.
func Anonymize(t *Table, p Policy) (*Result, error) {
	p.setDefaults()
	if err := p.Validate(t); err != nil {
		return nil, err
	}
	if t.rows == 0 {
		return nil, fmt.Errorf("anon: the table has no rows")
	}
	attrs := make([]*attr, len(p.QuasiIdentifiers))
	for i, a := range p.QuasiIdentifiers {
		at, err := prepareAttr(t, a)
		if err != nil {
			return nil, err
		}
		attrs[i] = at
	}
	sens, sensValues := -1, 0
	if p.L > 1 {
		sens = t.column(p.Sensitive)
		sensValues = len(t.cols[sens].dict)
	}
	sensOff, err := pack(attrs, sensValues)
	if err != nil {
		return nil, err
	}
	var sensMask uint64
	if sens >= 0 {
		sensMask = ^uint64(0) << sensOff
	}
	base, rowTuple := distinctTuples(t, attrs, sens, sensOff)
	s := newSearch(p, attrs, base, t.rows, sensMask)
	best, err := s.run()
	if err != nil {
		return nil, err
	}
	return s.result(best, t, rowTuple), nil
}

// result builds the Result for the chosen node, marking which distinct
// input tuples are kept.
func (s *search) result(best *eval, t *Table, rowTuple []int32) *Result {
	r := &Result{
		Levels: best.levels, Suppressed: int(best.outliers), K: best.minClass, Classes: best.classes,
		Loss: best.loss, AttributeLoss: best.attrLoss, NodesChecked: s.checked, NodesTotal: s.total,
		t: t, attrs: s.attrs, rowTuple: rowTuple, qiOf: make([]int, len(t.names)),
	}
	for c := range r.qiOf {
		r.qiOf[c] = -1
	}
	for i, a := range s.attrs {
		r.qiOf[a.col] = i
	}
	assign := make([]int32, s.base.len())
	cls := s.rollup(s.base, best.levels, assign)
	qi, distinct := cls, []int32(nil)
	if s.sensMask != 0 {
		second := make([]int32, cls.len())
		qi, distinct = s.merge(cls, second)
		for b, c := range assign {
			assign[b] = second[c]
		}
	}
	r.keep = make([]bool, s.base.len())
	for b, c := range assign {
		r.keep[b] = !s.fails(qi, distinct, int(c))
	}
	return r
}

// Header returns the output's column names (those of the input).
func (r *Result) Header() []string { return r.t.Columns() }

// Len returns the number of output rows (input rows minus suppressed).
func (r *Result) Len() int { return r.t.rows - r.Suppressed }

// Rows yields the output rows in input order, quasi-identifiers
// generalised, suppressed records left out. The yielded slice is reused:
// copy it to keep it.
func (r *Result) Rows() iter.Seq[[]string] {
	return func(yield func([]string) bool) {
		row := make([]string, len(r.t.cols))
		for x := 0; x < r.t.rows; x++ {
			if !r.keep[r.rowTuple[x]] {
				continue
			}
			for c := range row {
				code := r.t.cols[c].codes[x]
				if i := r.qiOf[c]; i >= 0 {
					a, lvl := r.attrs[i], r.Levels[i]
					row[c] = a.labels[lvl][a.gen[lvl][code]]
				} else {
					row[c] = r.t.cols[c].dict[code]
				}
			}
			if !yield(row) {
				return
			}
		}
	}
}

// WriteCSV writes the header and the output rows as CSV separated by sep.
func (r *Result) WriteCSV(w io.Writer, sep rune) error {
	cw := csv.NewWriter(w)
	cw.Comma = sep
	if err := cw.Write(r.Header()); err != nil {
		return fmt.Errorf("anon: write csv: %w", err)
	}
	for row := range r.Rows() {
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("anon: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("anon: write csv: %w", err)
	}
	return nil
}
