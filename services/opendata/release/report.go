package release

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/vasteras/civicbus/services/opendata/anon"
	"github.com/vasteras/civicbus/services/opendata/dataset"
	"github.com/vasteras/civicbus/services/opendata/privacy"
)

// newReport starts a version's privacy report with the policy it is made
// under.
func newReport(in Input) *privacy.Report {
	d := in.Def
	p := d.Privacy
	rep := &privacy.Report{
		DatasetID: d.ID, Version: strconv.Itoa(in.Version), CreatedAt: in.Now, Shape: d.Shape.Kind,
		Policy: privacy.PolicyReport{
			Dropped: slices.Clone(p.Drop), Pseudonymised: slices.Clone(p.Pseudonymise),
			Epsilon: p.Epsilon, SumBound: p.SumBound,
		},
	}
	if len(p.Pseudonymise) > 0 {
		rep.Policy.PseudonymLabel = pseudonymLabel(d.ID, in.Version)
	}
	if d.Shape.Kind == dataset.ShapeMicrodata {
		rep.Results.RecordsIn = len(in.Rows)
		if len(p.QuasiIdentifiers) > 0 {
			rep.Policy.K, rep.Policy.SuppressionBudget = p.K, p.MaxSuppression
		}
		if p.LDiversity != nil {
			rep.Policy.L, rep.Policy.LColumn = p.LDiversity.L, p.LDiversity.Column
		}
		for _, q := range p.QuasiIdentifiers {
			rep.Policy.Generalised = append(rep.Policy.Generalised, privacy.Hierarchy{Attribute: q.Column, Levels: levelNames(q.Hierarchy)})
		}
	} else {
		rep.Policy.SmallCellThreshold = p.SmallCells.Threshold
		rep.Results.CellsTotal = len(in.Cells)
		for _, c := range in.Cells {
			rep.Results.RecordsIn += int(c.Agg.N)
		}
	}
	return rep
}

// levelNames names a hierarchy's levels for people, level 0 first.
func levelNames(h dataset.Hierarchy) []string {
	switch h.Kind {
	case "interval":
		out := []string{"value"}
		for _, w := range h.Widths {
			out = append(out, fmt.Sprintf("bands of %g", w))
		}
		return append(out, "*")
	case "date":
		return []string{"day", "month", "year", "*"}
	case "mask":
		out := []string{"value"}
		for i := 1; i <= h.MaskLevels(); i++ {
			out = append(out, fmt.Sprintf("last %d characters hidden", i))
		}
		return append(out, "*")
	case "districts":
		return []string{"coordinate", "district", "area (when the file names areas)", "*"}
	default:
		return []string{"value", "levels of " + h.File}
	}
}

// fillKAnonymity records what the search chose and reached.
func fillKAnonymity(rep *privacy.Report, d *dataset.Loaded, res *anon.Result) {
	rep.Results.KReached = res.K
	rep.Results.RecordsSuppressed = res.Suppressed
	rep.Results.InformationLoss = res.Loss
	rep.Results.InformationLossMetric = "ARX Loss (generalised information loss, 0 = none, 1 = all)"
	for i, q := range d.Privacy.QuasiIdentifiers {
		lvl := res.Levels[i]
		names := levelNames(q.Hierarchy)
		name := fmt.Sprintf("level %d", lvl)
		if lvl < len(names) && q.Hierarchy.Kind != "csv" {
			name = names[lvl]
		}
		rep.Results.Generalisation = append(rep.Results.Generalisation, privacy.Level{Attribute: q.Column, Level: lvl, LevelName: name})
	}
}
