package anon

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Table is a column-oriented, dictionary-encoded table: each column keeps
// its distinct values once and one int32 code per row, so a million rows of
// nine columns take about 36 MB whatever the strings are. Build it with
// [NewTable] and [Table.Append], or [ReadCSV]. A Table is not safe for
// concurrent mutation; [Anonymize] only reads it.
type Table struct {
	names []string
	cols  []column
	rows  int
}

// column is one dictionary-encoded column.
type column struct {
	dict  []string         // code → value
	index map[string]int32 // value → code
	codes []int32          // row → code
}

// NewTable returns an empty table with the given column names, which must
// be distinct and non-empty.
func NewTable(names ...string) (*Table, error) {
	seen := map[string]bool{}
	for i, n := range names {
		if n == "" {
			return nil, fmt.Errorf("anon: column %d has no name", i+1)
		}
		if seen[n] {
			return nil, fmt.Errorf("anon: column %s appears twice", n)
		}
		seen[n] = true
	}
	t := &Table{names: append([]string(nil), names...), cols: make([]column, len(names))}
	for i := range t.cols {
		t.cols[i].index = map[string]int32{}
	}
	return t, nil
}

// Append adds one row; it must have one value per column. The slice is not
// retained.
func (t *Table) Append(row []string) error {
	if len(row) != len(t.cols) {
		return fmt.Errorf("anon: row %d has %d values, the table has %d columns", t.rows+1, len(row), len(t.cols))
	}
	for i, v := range row {
		c := &t.cols[i]
		code, ok := c.index[v]
		if !ok {
			code = int32(len(c.dict))
			v = strings.Clone(v) // do not pin the reader's line buffer
			c.dict = append(c.dict, v)
			c.index[v] = code
		}
		c.codes = append(c.codes, code)
	}
	t.rows++
	return nil
}

// Columns returns the column names in order.
func (t *Table) Columns() []string { return append([]string(nil), t.names...) }

// Len returns the number of rows.
func (t *Table) Len() int { return t.rows }

// Value returns the value at row (0-based) and column index col.
func (t *Table) Value(row, col int) string {
	c := &t.cols[col]
	return c.dict[c.codes[row]]
}

// column returns the index of the named column, or -1.
func (t *Table) column(name string) int {
	for i, n := range t.names {
		if n == name {
			return i
		}
	}
	return -1
}

// ReadCSV reads a CSV table whose first line names the columns, fields
// separated by sep (';' for ARX's files, ',' for most others). Values are
// dictionary-encoded as they are read; the file is never held in memory.
// Errors give the line number, never a value.
func ReadCSV(r io.Reader, sep rune) (*Table, error) {
	cr := csv.NewReader(r)
	cr.Comma = sep
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("anon: csv: empty input, no header line")
		}
		return nil, fmt.Errorf("anon: csv header: %w", err)
	}
	t, err := NewTable(header...)
	if err != nil {
		return nil, err
	}
	cr.FieldsPerRecord = len(header)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("anon: csv line %d: %w", pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("anon: csv: %w", err)
		}
		if err := t.Append(rec); err != nil {
			return nil, err
		}
	}
}
