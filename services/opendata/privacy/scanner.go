package privacy

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
)

// Finding is an identifier found where none may be published. It is an
// error: the publication it comes from must stop.
//
// A Finding names the dataset, the column, the row and the kind of
// identifier, and never holds or prints the value.
type Finding struct {
	Dataset string `json:"dataset"`
	Column  string `json:"column"`
	// Row is the 0-based row index, or -1 when the value was checked alone.
	Row  int  `json:"row"`
	Kind Kind `json:"kind"`
}

// Error says where the identifier is and what kind it is, never what it is.
func (f *Finding) Error() string {
	where := fmt.Sprintf("dataset %q column %q", f.Dataset, f.Column)
	if f.Row >= 0 {
		where += fmt.Sprintf(" row %d", f.Row)
	}
	if f.Kind == KindDirectIdentifier {
		return "privacy: " + where + ": the column is a direct identifier and has a value; publication stopped"
	}
	return fmt.Sprintf("privacy: %s: a value looks like %s; publication stopped", where, kindPhrase[f.Kind])
}

var kindPhrase = map[Kind]string{
	KindPersonnummer:        "a personnummer",
	KindSamordningsnummer:   "a samordningsnummer",
	KindOrganisationsnummer: "an organisationsnummer",
	KindEmail:               "an e-mail address",
	KindPhone:               "a phone number",
}

// ScannerOptions configure a Scanner.
type ScannerOptions struct {
	// Dataset names the dataset in every Finding.
	Dataset string
	// DirectIdentifiers are columns that may hold no value at all: any
	// non-blank value of theirs is a Finding (a placeholder such as "-" or
	// "NULL" too: the scanner cannot tell it from data).
	DirectIdentifiers []string
	// Allow lists, per column, kinds that column may publish: a preschool's
	// switchboard number (KindPhone), a functional mailbox (KindEmail), a
	// company's organisationsnummer. Personnummer, samordningsnummer and
	// direct identifiers cannot be allowed. An allowed kind hides nothing
	// else in the same value (an e-mail address beside an allowed phone
	// number is a Finding), and a bare ten-digit phone number that also
	// reads as a personnummer (valid date and check digit) is a
	// personnummer.
	Allow map[string][]Kind
}

// Scanner checks values before publication and fails closed: whatever
// looks like a personal identifier is a Finding, also inside free text
// ("ring 070-123 45 67"). It is safe for concurrent use.
type Scanner struct {
	dataset string
	direct  map[string]bool
	allow   map[string][]Kind
}

// NewScanner returns a Scanner, or an error when opts allow what may never
// be allowed.
func NewScanner(opts ScannerOptions) (*Scanner, error) {
	s := &Scanner{dataset: opts.Dataset, direct: map[string]bool{}, allow: map[string][]Kind{}}
	for _, c := range opts.DirectIdentifiers {
		s.direct[c] = true
	}
	var errs []error
	for _, col := range slices.Sorted(maps.Keys(opts.Allow)) {
		kinds := opts.Allow[col]
		for _, k := range kinds {
			switch k {
			case KindOrganisationsnummer, KindEmail, KindPhone:
			default:
				errs = append(errs, fmt.Errorf("privacy: column %q: kind %q cannot be allowed", col, k))
			}
		}
		s.allow[col] = slices.Clone(kinds)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// Check returns a Finding when value, in column, may not be published, and
// nil when it may. The Finding's Row is -1.
func (s *Scanner) Check(column, value string) *Finding {
	if s.direct[column] {
		if strings.TrimSpace(value) == "" {
			return nil
		}
		return &Finding{Dataset: s.dataset, Column: column, Row: -1, Kind: KindDirectIdentifier}
	}
	for _, k := range detectAll(value) {
		if !slices.Contains(s.allow[column], k) {
			return &Finding{Dataset: s.dataset, Column: column, Row: -1, Kind: k}
		}
	}
	return nil
}

// ScanOutcome is what a scan of a table found; it goes into the Report.
type ScanOutcome struct {
	ColumnsScanned []string `json:"columns_scanned"`
	RowsScanned    int      `json:"rows_scanned"`
	// Findings hold at most one Finding per column and kind: the first.
	Findings []Finding `json:"findings"`
	Passed   bool      `json:"passed"`
}

// Err returns the findings joined, or nil when the scan passed.
func (o ScanOutcome) Err() error {
	errs := make([]error, len(o.Findings))
	for i := range o.Findings {
		errs[i] = &o.Findings[i]
	}
	return errors.Join(errs...)
}

// TableScan scans a table row by row. It is not safe for concurrent use.
type TableScan struct {
	s       *Scanner
	columns []string
	out     ScanOutcome
	seen    map[Finding]bool
}

// Table starts a scan of a table with these columns, in the order each
// row's values come in.
func (s *Scanner) Table(columns []string) *TableScan {
	return &TableScan{s: s, columns: slices.Clone(columns), seen: map[Finding]bool{}}
}

// Row scans the next row and returns its first Finding, or nil. A row with
// more values than columns is a Finding of kind direct_identifier on a
// column named "#<index>": unnamed data is never published unchecked.
func (t *TableScan) Row(values []string) *Finding {
	row := t.out.RowsScanned
	t.out.RowsScanned++
	var first *Finding
	for i, v := range values {
		var f *Finding
		if i < len(t.columns) {
			f = t.s.Check(t.columns[i], v)
		} else if v != "" {
			f = &Finding{Dataset: t.s.dataset, Column: fmt.Sprintf("#%d", i), Row: -1, Kind: KindDirectIdentifier}
		}
		if f == nil {
			continue
		}
		f.Row = row
		if first == nil {
			first = f
		}
		key := Finding{Column: f.Column, Kind: f.Kind}
		if !t.seen[key] {
			t.seen[key] = true
			t.out.Findings = append(t.out.Findings, *f)
		}
	}
	return first
}

// Outcome returns what the scan found so far.
func (t *TableScan) Outcome() ScanOutcome {
	o := t.out
	o.ColumnsScanned = slices.Clone(t.columns)
	o.Findings = slices.Clone(t.out.Findings)
	o.Passed = len(o.Findings) == 0
	return o
}

// ScanRows scans every row (values in the order of columns) and returns the
// outcome and, when anything was found, its Err.
func (s *Scanner) ScanRows(columns []string, rows iter.Seq[[]string]) (ScanOutcome, error) {
	t := s.Table(columns)
	for r := range rows {
		t.Row(r)
	}
	o := t.Outcome()
	return o, o.Err()
}
