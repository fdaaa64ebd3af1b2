package casework

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
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

// ruleDay is one rule's or model's automated decisions of one day (UTC)
// in the units asked for.
type ruleDay struct {
	actor                          string
	day                            time.Time
	automated, referred, overrides int
}

// ruleDays reads, per rule or model and day, its automated decisions in
// f's units, how many were referred and how many a person has amended,
// from the rows the projection keeps (casework_rule_decisions).
func (s *store) ruleDays(ctx context.Context, f Filter) ([]ruleDay, error) {
	q := `SELECT actor, day, COUNT(*), SUM(referred), SUM(overridden) FROM casework_rule_decisions`
	var args []any
	if !f.AllUnits {
		if len(f.Units) == 0 {
			return nil, nil
		}
		cond, unitArgs := unitsIn("org_unit_id", f.Units)
		q, args = q+" WHERE "+cond, unitArgs
	}
	rows, err := s.query(ctx, q+" GROUP BY actor, day", args...)
	if err != nil {
		return nil, fmt.Errorf("casework: statistics: %w", err)
	}
	defer rows.Close()
	var out []ruleDay
	for rows.Next() {
		var r ruleDay
		var day string
		if err := rows.Scan(&r.actor, &day, &r.automated, &r.referred, &r.overrides); err != nil {
			return nil, err
		}
		if r.day, err = time.Parse(time.DateOnly, day); err != nil {
			continue
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// stats sums the days per rule or model: its automated decisions, those
// referred to a person and those a person amended, by actor.
func stats(days []ruleDay) []RuleStats {
	by := map[string]*RuleStats{}
	for _, d := range days {
		r := by[d.actor]
		if r == nil {
			r = &RuleStats{Actor: d.actor}
			by[d.actor] = r
		}
		r.Automated += d.automated
		r.Referred += d.referred
		r.Overridden += d.overrides
	}
	out := make([]RuleStats, 0, len(by))
	for _, r := range by {
		if r.Automated > 0 {
			r.Rate = float64(r.Overridden) / float64(r.Automated)
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b RuleStats) int { return strings.Compare(a.Actor, b.Actor) })
	return out
}
