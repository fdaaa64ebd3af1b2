// Package release turns a dataset's current data into a version fit to
// publish, by the dataset's privacy policy, and says how in its privacy
// report. It is the open-data service's business rule, apart from its
// adapters: no SQL, no bus, no HTTP.
//
// A release fails closed. Microdata is k-anonymised over its declared
// quasi-identifiers (services/opendata/anon) — a policy that cannot reach k
// within the suppression budget refuses the release; aggregates have their
// small cells suppressed with secondary suppression, and optionally Laplace
// noise; pseudonymised columns are keyed hashes under a key rotated per
// version. Then every value is scanned for personal identifiers
// (services/opendata/privacy): one hit refuses the release, naming the
// dataset and the column, never the value.
package release

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/vasteras/civicbus/services/opendata/anon"
	"github.com/vasteras/civicbus/services/opendata/dataset"
	"github.com/vasteras/civicbus/services/opendata/privacy"
)

// Input is what a release is made from.
type Input struct {
	Def     *dataset.Loaded
	Version int
	// Rows are a microdata dataset's rows, values in column order and
	// typed as the columns declare (string, int64, float64, bool, date
	// string, or nil).
	Rows [][]any
	// Cells are an aggregate dataset's groups and figures.
	Cells []Cell
	// Key is the pseudonymisation secret; required when the policy
	// pseudonymises.
	Key []byte
	// Now is the release time.
	Now time.Time
	// NoiseSeed, when not 0, makes the noise reproducible (tests only):
	// production noise comes from crypto/rand.
	NoiseSeed int64
}

// Output is a release: the columns, the rows, and the privacy report.
type Output struct {
	Columns []string
	Rows    [][]any
	Report  *privacy.Report
	// TemporalStart and TemporalEnd are the first and last dates of the
	// data, when it has a date column.
	TemporalStart, TemporalEnd string
}

// ErrRefused wraps every reason a release is refused for privacy.
var ErrRefused = errors.New("release refused")

// ErrEveryRowHidden is the refusal (with ErrRefused) of an aggregate whose
// every row small-cell suppression would hide: a normal state of a young
// or small dataset, which waits for more events rather than being wrong.
var ErrEveryRowHidden = errors.New("every row would be hidden")

// Build makes a release of in.Def's data.
func Build(in Input) (*Output, error) {
	d := in.Def
	rep := newReport(in)
	var out *Output
	var err error
	if d.Shape.Kind == dataset.ShapeMicrodata {
		out, err = microdata(in, rep)
	} else {
		out, err = aggregate(in, rep)
	}
	if err != nil {
		return nil, err
	}
	out.Report = rep
	if err := scan(d, out, rep); err != nil {
		return nil, err
	}
	out.TemporalStart, out.TemporalEnd = temporal(d, out)
	rep.Results.RecordsOut = len(out.Rows)
	return out, nil
}

// columnIndex is the position of each column of the definition.
func columnIndex(d *dataset.Loaded) map[string]int {
	m := map[string]int{}
	for i, c := range d.Shape.Columns {
		m[c.Name] = i
	}
	return m
}

func microdata(in Input, rep *privacy.Report) (*Output, error) {
	d := in.Def
	idx := columnIndex(d)
	var keep []int // the published columns
	for i, c := range d.Shape.Columns {
		if !slices.Contains(d.Privacy.Drop, c.Name) {
			keep = append(keep, i)
		}
	}
	rows := make([][]any, len(in.Rows))
	for r, row := range in.Rows {
		rows[r] = slices.Clone(row)
	}
	if len(d.Privacy.Pseudonymise) > 0 {
		ps, err := privacy.NewPseudonymizer(in.Key, pseudonymLabel(d.ID, in.Version))
		if err != nil {
			return nil, fmt.Errorf("%w: dataset %s: pseudonymisation: %w", ErrRefused, d.Name, err)
		}
		for _, c := range d.Privacy.Pseudonymise {
			i := idx[c]
			for _, row := range rows {
				if row[i] != nil {
					row[i] = ps.Pseudonym(text(row[i]))
				}
			}
		}
	}
	cols := make([]string, len(keep))
	for j, i := range keep {
		cols[j] = d.Shape.Columns[i].Name
	}
	project := func(row []any) []any {
		out := make([]any, len(keep))
		for j, i := range keep {
			out[j] = row[i]
		}
		return out
	}
	if len(d.Privacy.QuasiIdentifiers) == 0 {
		out := &Output{Columns: cols, Rows: make([][]any, len(rows))}
		for r, row := range rows {
			out.Rows[r] = project(row)
		}
		return out, nil
	}
	// A row missing a quasi-identifier has no place in the hierarchies:
	// it is left out, and counted as suppressed.
	complete := rows[:0:0]
	missing := 0
	for _, row := range rows {
		if slices.ContainsFunc(d.Privacy.QuasiIdentifiers, func(q dataset.QuasiIdentifier) bool { return row[idx[q.Column]] == nil }) {
			missing++
			continue
		}
		complete = append(complete, row)
	}
	generalised, err := kAnonymise(d, cols, complete, project, rep)
	rep.Results.RecordsSuppressed += missing
	if err != nil {
		return nil, err
	}
	return &Output{Columns: cols, Rows: generalised}, nil
}

// pseudonymLabel is the rotation label of a version's pseudonyms: the same
// key gives unlinkable pseudonyms in every version.
func pseudonymLabel(datasetID string, version int) string {
	return fmt.Sprintf("%s/v%d", datasetID, version)
}

// kAnonymise generalises the quasi-identifiers of the projected rows until
// every combination is shared by k rows, suppressing at most the budget.
func kAnonymise(d *dataset.Loaded, cols []string, rows [][]any, project func([]any) []any, rep *privacy.Report) ([][]any, error) {
	p := d.Privacy
	t, err := anon.NewTable(cols...)
	if err != nil {
		return nil, err
	}
	rec := make([]string, len(cols))
	for _, row := range rows {
		for j, v := range project(row) {
			rec[j] = text(v)
		}
		if err := t.Append(rec); err != nil {
			return nil, err
		}
	}
	pol := anon.Policy{K: p.K, MaxSuppression: p.MaxSuppression}
	for i, q := range p.QuasiIdentifiers {
		h, err := hierarchy(d, q.Hierarchy)
		if err != nil {
			return nil, fmt.Errorf("privacy.quasi_identifiers[%d]: %w", i, err)
		}
		pol.QuasiIdentifiers = append(pol.QuasiIdentifiers, anon.Attribute{Name: q.Column, Hierarchy: h})
	}
	if l := p.LDiversity; l != nil {
		pol.Sensitive, pol.L = l.Column, l.L
	}
	res, err := anon.Anonymize(t, pol)
	if err != nil {
		return nil, fmt.Errorf("%w: dataset %s: %w", ErrRefused, d.Name, err)
	}
	fillKAnonymity(rep, d, res)
	types := make([]string, len(cols))
	for j, c := range cols {
		types[j] = d.Shape.Columns[columnIndex(d)[c]].Type
		if slices.ContainsFunc(p.QuasiIdentifiers, func(q dataset.QuasiIdentifier) bool { return q.Column == c }) {
			types[j] = "string" // generalised: a band, a month, a masked code
		}
	}
	out := make([][]any, 0, res.Len())
	for row := range res.Rows() {
		typed := make([]any, len(row))
		for j, v := range row {
			typed[j] = retype(v, types[j])
		}
		out = append(out, typed)
	}
	return out, nil
}

// hierarchy builds a quasi-identifier's hierarchy from its declaration.
func hierarchy(d *dataset.Loaded, h dataset.Hierarchy) (*anon.Hierarchy, error) {
	switch h.Kind {
	case "interval":
		widths := make([]int, len(h.Widths))
		for i, w := range h.Widths {
			widths[i] = int(w)
		}
		return anon.IntervalHierarchy(widths...)
	case "date":
		return anon.DateHierarchy(), nil
	case "mask":
		return anon.MaskHierarchy(h.MaskLevels())
	case "districts":
		return districtHierarchy(filepath.Join(filepath.Dir(d.File), h.File))
	default:
		return anon.LoadHierarchyFile(filepath.Join(filepath.Dir(d.File), h.File))
	}
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default:
		return fmt.Sprint(x)
	}
}

// retype turns a value that went through the string table back into its
// column's type; an empty string is a missing value.
func retype(s, typ string) any {
	if s == "" {
		return nil
	}
	switch typ {
	case "integer":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case "number":
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case "boolean":
		if b, err := strconv.ParseBool(s); err == nil {
			return b
		}
	}
	return s
}

// scan fails the release when any published value looks like a personal
// identifier. Pseudonymised columns are not scanned: every value in them
// is a hash the release made.
func scan(d *dataset.Loaded, out *Output, rep *privacy.Report) error {
	s, err := privacy.NewScanner(privacy.ScannerOptions{Dataset: d.Name})
	if err != nil {
		return err
	}
	var scanned []int
	var names []string
	for i, c := range out.Columns {
		if !slices.Contains(d.Privacy.Pseudonymise, c) {
			scanned = append(scanned, i)
			names = append(names, c)
		}
	}
	o, err := s.ScanRows(names, func(yield func([]string) bool) {
		rec := make([]string, len(scanned))
		for _, row := range out.Rows {
			for j, i := range scanned {
				rec[j] = text(row[i])
			}
			if !yield(rec) {
				return
			}
		}
	})
	rep.Scan = o
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return nil
}

// temporal is the first and last date of the data: the dates of the
// definition when it fixes them, else the range of its first date column.
func temporal(d *dataset.Loaded, out *Output) (string, string) {
	if d.Temporal.Start != "" {
		return d.Temporal.Start, d.Temporal.End
	}
	col := -1
	for i, c := range out.Columns {
		j, ok := columnIndex(d)[c]
		if ok && d.Shape.Columns[j].Type == "date" {
			col = i
			break
		}
	}
	if col < 0 {
		return "", ""
	}
	var first, last string
	for _, r := range out.Rows {
		s, ok := r[col].(string)
		if !ok || len(s) != 10 {
			continue
		}
		if first == "" || s < first {
			first = s
		}
		if s > last {
			last = s
		}
	}
	return first, last
}
