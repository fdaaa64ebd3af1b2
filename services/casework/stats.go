package casework

import (
	"context"
	"fmt"
)

// RuleStats is how one rule or model (at one version) fared in the cases
// a supervisor sees.
type RuleStats struct {
	Actor      string  `json:"actor"` // kind:id@version
	Automated  int     `json:"automated"`
	Referred   int     `json:"referred"`
	Overridden int     `json:"overridden"`
	Rate       float64 `json:"override_rate"` // overridden / automated
}

// stats counts, per rule or model, its automated decisions, those referred
// to a person and those a person amended, in the cases of f's units.
func (s *store) stats(ctx context.Context, f Filter) ([]RuleStats, error) {
	q := `SELECT d.actor, COUNT(*),
 SUM(CASE WHEN d.outcome = 'referred' THEN 1 ELSE 0 END),
 SUM(CASE WHEN EXISTS (SELECT 1 FROM casework_decisions a WHERE a.amends_id = d.decision_id) THEN 1 ELSE 0 END)
FROM casework_decisions d JOIN casework_cases c ON c.case_id = d.case_id WHERE d.automated = 1`
	var args []any
	if !f.AllUnits {
		if len(f.Units) == 0 {
			return nil, nil
		}
		cond, unitArgs := unitsIn(f.Units)
		q, args = q+" AND "+cond, unitArgs
	}
	rows, err := s.db.QueryContext(ctx, s.db.Q(q+" GROUP BY d.actor ORDER BY d.actor"), args...)
	if err != nil {
		return nil, fmt.Errorf("casework: statistics: %w", err)
	}
	defer rows.Close()
	var out []RuleStats
	for rows.Next() {
		var r RuleStats
		if err := rows.Scan(&r.Actor, &r.Automated, &r.Referred, &r.Overridden); err != nil {
			return nil, err
		}
		if r.Automated > 0 {
			r.Rate = float64(r.Overridden) / float64(r.Automated)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
