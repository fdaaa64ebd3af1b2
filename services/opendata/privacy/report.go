package privacy

import (
	"encoding/json"
	"slices"
	"time"
)

// ReportVersion is the version of the Report format: a change that renames
// or removes a field, or changes one's meaning, raises it.
const ReportVersion = 1

// Report is the machine-readable privacy report published with every
// version of a dataset: what the policy asked, what anonymisation achieved
// and what the scanner saw. Field names are stable snake_case; lists are
// [] and never null when empty.
type Report struct {
	ReportVersion int       `json:"report_version"`
	DatasetID     string    `json:"dataset_id"`
	Version       string    `json:"version"`
	CreatedAt     time.Time `json:"created_at"`
	// Shape is "microdata" (a row per person or event) or "aggregate"
	// (counts and sums per group).
	Shape   string       `json:"shape"`
	Policy  PolicyReport `json:"policy"`
	Results Results      `json:"results"`
	Scan    ScanOutcome  `json:"scan"`
}

// PolicyReport is what the dataset's policy asked for.
type PolicyReport struct {
	// Dropped are columns never published.
	Dropped []string `json:"dropped"`
	// Pseudonymised are columns replaced by keyed hashes, the key
	// rotated per PseudonymLabel.
	Pseudonymised  []string `json:"pseudonymised"`
	PseudonymLabel string   `json:"pseudonym_label,omitempty"`
	// Generalised are the quasi-identifiers with their hierarchy levels,
	// from the original value (level 0) to the most general.
	Generalised []Hierarchy `json:"generalised"`
	// K is the k of k-anonymity asked for (0: none).
	K int `json:"k"`
	// L and LColumn: distinct l-diversity of LColumn asked for (0: none).
	L       int    `json:"l"`
	LColumn string `json:"l_column,omitempty"`
	// SuppressionBudget is the largest share of records that may be
	// suppressed to reach K.
	SuppressionBudget float64 `json:"suppression_budget"`
	// SmallCellThreshold: aggregate cells counting fewer are suppressed
	// (0: not an aggregate).
	SmallCellThreshold int `json:"small_cell_threshold"`
	// Epsilon is the differential-privacy budget of the version (0: no
	// noise) and SumBound the clamp of one contribution to a sum.
	Epsilon  float64 `json:"epsilon"`
	SumBound float64 `json:"sum_bound,omitempty"`
}

// Hierarchy is a quasi-identifier and the names of its generalisation
// levels, level 0 first (e.g. "age": ["year", "5-year band", "10-year
// band", "*"]).
type Hierarchy struct {
	Attribute string   `json:"attribute"`
	Levels    []string `json:"levels"`
}

// Level is the generalisation level chosen for an attribute.
type Level struct {
	Attribute string `json:"attribute"`
	Level     int    `json:"level"`
	LevelName string `json:"level_name"`
}

// Results is what anonymisation achieved.
type Results struct {
	// KReached is the smallest equivalence class of the published
	// microdata (0 for an aggregate).
	KReached          int `json:"k_reached"`
	RecordsIn         int `json:"records_in"`
	RecordsOut        int `json:"records_out"`
	RecordsSuppressed int `json:"records_suppressed"`
	// Cells* describe an aggregate's small-cell suppression over the full
	// table it protects: every combination of the groups' categories (one
	// missing from the data counts 0) and every total along each
	// dimension, up to the grand total. That table is larger than the
	// published one (a single group of three dimensions is 8 entries:
	// itself, 3 + 3 subtotals and the grand total), so these are not
	// numbers of published rows: RecordsOut and RowsHidden are.
	CellsTotal               int `json:"cells_total"`
	CellsSuppressedPrimary   int `json:"cells_suppressed_primary"`
	CellsSuppressedSecondary int `json:"cells_suppressed_secondary"`
	// RowsHidden is, for an aggregate, how many of the published rows
	// (RecordsOut, one per group with data) have their figures hidden
	// (null) by small-cell suppression, small or hiding a small one alike.
	RowsHidden     int     `json:"rows_hidden"`
	Generalisation []Level `json:"generalisation"`
	// InformationLoss is in [0, 1] under InformationLossMetric (e.g.
	// "loss" or "discernibility", normalised).
	InformationLoss       float64 `json:"information_loss"`
	InformationLossMetric string  `json:"information_loss_metric,omitempty"`
	EpsilonSpent          float64 `json:"epsilon_spent"`
	EpsilonLedger         []Spend `json:"epsilon_ledger"`
}

// MarshalJSON writes the report with its version set and every empty list
// as [].
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	r.ReportVersion = ReportVersion
	r.Policy.Dropped = nonNil(r.Policy.Dropped)
	r.Policy.Pseudonymised = nonNil(r.Policy.Pseudonymised)
	r.Policy.Generalised = nonNil(slices.Clone(r.Policy.Generalised))
	for i, h := range r.Policy.Generalised {
		r.Policy.Generalised[i].Levels = nonNil(h.Levels)
	}
	r.Results.Generalisation = nonNil(r.Results.Generalisation)
	r.Results.EpsilonLedger = nonNil(r.Results.EpsilonLedger)
	r.Scan.ColumnsScanned = nonNil(r.Scan.ColumnsScanned)
	r.Scan.Findings = nonNil(r.Scan.Findings)
	return json.Marshal(plain(r))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// RecordSuppression fills in the small-cell part of the report from res.
func (r *Report) RecordSuppression(res Result) {
	r.Policy.SmallCellThreshold = res.Threshold
	r.Results.CellsTotal = len(res.Entries)
	r.Results.CellsSuppressedPrimary = res.Primary
	r.Results.CellsSuppressedSecondary = res.Secondary
}

// RecordBudget fills in the differential-privacy part of the report from
// the version's budget.
func (r *Report) RecordBudget(b *Budget) {
	r.Policy.Epsilon = b.Epsilon()
	r.Results.EpsilonSpent = b.Spent()
	r.Results.EpsilonLedger = b.Ledger()
}
