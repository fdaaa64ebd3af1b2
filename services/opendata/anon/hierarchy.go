package anon

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Hierarchy generalises the values of one attribute in levels 0..Height():
// level 0 is the original value, each higher level a coarser value, and in
// a proper hierarchy two values equal at level i are equal at level i+1 (a
// tree). A Hierarchy is immutable and safe for concurrent use.
//
// A hierarchy is either materialised (read from a CSV file: its domain is
// the file's rows, and a value not in the file is an error) or functional
// (built from functions: its domain is the values found in the data, and
// the tree property is checked on them).
type Hierarchy struct {
	height int

	// Materialised: original value → its values at levels 1..height,
	// and per level the number of original values under each value.
	table  map[string][]string
	leaves []map[string]int // index level-1

	// Functional: one function per level 1..height.
	funcs []func(string) (string, error)
}

// Height returns the highest level; the hierarchy has Height()+1 levels.
func (h *Hierarchy) Height() int { return h.height }

// ReadHierarchyCSV reads a hierarchy in ARX's CSV format: ';'-separated, one
// row per original value, column i its level-i generalisation (the last
// column is usually "*"). Every row must have the same number of columns,
// each original value must appear once, and a value at level i must map to
// the same value at level i+1 on every row. Errors give the line number,
// never a value.
func ReadHierarchyCSV(r io.Reader) (*Hierarchy, error) {
	cr := csv.NewReader(r)
	cr.Comma = ';'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	h := &Hierarchy{table: map[string][]string{}}
	var parents []map[string]string // per level 1..height-1: value → parent
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("anon: hierarchy line %d: %w", line, err)
		}
		if line == 1 {
			h.height = len(rec) - 1
			h.leaves = make([]map[string]int, h.height)
			parents = make([]map[string]string, h.height)
			for i := range h.leaves {
				h.leaves[i] = map[string]int{}
				parents[i] = map[string]string{}
			}
		}
		if err := h.addRow(rec, parents, line); err != nil {
			return nil, err
		}
	}
	if len(h.table) == 0 {
		return nil, errors.New("anon: hierarchy has no rows")
	}
	return h, nil
}

// addRow adds one CSV row, checking its width, uniqueness and the tree
// property against the rows before it.
func (h *Hierarchy) addRow(rec []string, parents []map[string]string, line int) error {
	if len(rec) != h.height+1 {
		return fmt.Errorf("anon: hierarchy line %d has %d columns, line 1 has %d", line, len(rec), h.height+1)
	}
	if _, dup := h.table[rec[0]]; dup {
		return fmt.Errorf("anon: hierarchy line %d repeats an original value of an earlier line", line)
	}
	for lvl := 1; lvl < h.height; lvl++ {
		p, seen := parents[lvl][rec[lvl]]
		if seen && p != rec[lvl+1] {
			return fmt.Errorf("anon: hierarchy line %d is not a tree: its level-%d value has a different level-%d value on an earlier line", line, lvl, lvl+1)
		}
		parents[lvl][rec[lvl]] = rec[lvl+1]
	}
	gen := make([]string, h.height)
	copy(gen, rec[1:])
	h.table[rec[0]] = gen
	for lvl, v := range gen {
		h.leaves[lvl][v]++
	}
	return nil
}

// LoadHierarchyFile reads a hierarchy CSV file with [ReadHierarchyCSV].
func LoadHierarchyFile(path string) (*Hierarchy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("anon: %w", err)
	}
	defer f.Close()
	h, err := ReadHierarchyCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return h, nil
}

// LoadARXHierarchies reads one hierarchy per attribute name from
// dir/<prefix><name>.csv, the layout ARX's examples use (prefix
// "adult_hierarchy_" for the Adult data).
func LoadARXHierarchies(dir, prefix string, names []string) (map[string]*Hierarchy, error) {
	out := make(map[string]*Hierarchy, len(names))
	for _, name := range names {
		h, err := LoadHierarchyFile(filepath.Join(dir, prefix+name+".csv"))
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
		out[name] = h
	}
	return out, nil
}
