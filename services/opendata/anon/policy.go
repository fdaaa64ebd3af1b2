package anon

import (
	"errors"
	"fmt"
)

// Attribute is a quasi-identifier: a column and the hierarchy that
// generalises it.
type Attribute struct {
	Name      string
	Hierarchy *Hierarchy
}

// Policy says how anonymous the output must be.
type Policy struct {
	// K is the smallest class size allowed in the output; 0 means 5.
	K int
	// MaxSuppression is the fraction of records (0..1) that may be left
	// out because their class stays smaller than K; at most
	// floor(MaxSuppression × rows) records are suppressed, as in ARX.
	MaxSuppression float64
	// QuasiIdentifiers are the attributes to generalise, in order.
	QuasiIdentifiers []Attribute
	// Sensitive names a column that each class must hold at least L
	// distinct values of (distinct l-diversity); unused when L ≤ 1.
	Sensitive string
	// L is the number of distinct sensitive values each class needs.
	L int
}

// maxLatticeNodes bounds the lattice size the exact search accepts.
const maxLatticeNodes = 1 << 22

// setDefaults fills in the defaults.
func (p *Policy) setDefaults() {
	if p.K == 0 {
		p.K = 5
	}
}

// Validate returns every problem with p against t, joined.
func (p *Policy) Validate(t *Table) error {
	var errs []error
	if p.K < 1 {
		errs = append(errs, fmt.Errorf("k must be at least 1, got %d", p.K))
	}
	if p.MaxSuppression < 0 || p.MaxSuppression > 1 {
		errs = append(errs, fmt.Errorf("max suppression must be a fraction in [0,1], got %g", p.MaxSuppression))
	}
	if len(p.QuasiIdentifiers) == 0 {
		errs = append(errs, errors.New("no quasi-identifiers"))
	}
	seen := map[string]bool{}
	nodes := 1
	for _, a := range p.QuasiIdentifiers {
		if seen[a.Name] {
			errs = append(errs, fmt.Errorf("quasi-identifier %s appears twice", a.Name))
		}
		seen[a.Name] = true
		if a.Hierarchy != nil {
			nodes *= a.Hierarchy.height + 1
			if nodes > maxLatticeNodes {
				errs = append(errs, fmt.Errorf("the lattice has more than %d nodes; use fewer quasi-identifiers or shallower hierarchies", maxLatticeNodes))
				nodes = 1
			}
		}
	}
	if p.L > 1 {
		if p.Sensitive == "" {
			errs = append(errs, fmt.Errorf("l = %d needs a sensitive column", p.L))
		} else if t.column(p.Sensitive) < 0 {
			errs = append(errs, fmt.Errorf("sensitive column %s is not in the table", p.Sensitive))
		} else if seen[p.Sensitive] {
			errs = append(errs, fmt.Errorf("sensitive column %s is also a quasi-identifier", p.Sensitive))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("anon: policy: %w", err)
	}
	return nil
}
