package privacy

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
)

// ErrBudgetExceeded is returned (wrapped) when a release would spend more
// epsilon than its Budget holds.
var ErrBudgetExceeded = errors.New("privacy: epsilon budget exceeded")

// budgetSlack absorbs floating-point error when a budget is split into
// parts that add up to it (0.1 + 0.2 spending a budget of 0.3).
const budgetSlack = 1e-9

// Spend is one use of a Budget.
type Spend struct {
	What    string  `json:"what"`
	Epsilon float64 `json:"epsilon"`
}

// Budget is the epsilon of one dataset version and what has been spent of
// it: every noisy statistic released from the version spends part of it
// (sequential composition), and spending past it is an error. It is safe
// for concurrent use.
type Budget struct {
	mu      sync.Mutex
	epsilon float64
	ledger  []Spend
}

// NewBudget returns a Budget of epsilon, which must be positive and finite.
func NewBudget(epsilon float64) (*Budget, error) {
	if err := checkEpsilon(epsilon); err != nil {
		return nil, err
	}
	return &Budget{epsilon: epsilon}, nil
}

func checkEpsilon(e float64) error {
	if !(e > 0) || math.IsInf(e, 0) {
		return fmt.Errorf("privacy: epsilon %v: must be positive and finite", e)
	}
	return nil
}

// Spend records that what spends epsilon, or returns an error wrapping
// ErrBudgetExceeded (and records nothing) when that is more than remains.
func (b *Budget) Spend(what string, epsilon float64) error {
	if err := checkEpsilon(epsilon); err != nil {
		return fmt.Errorf("privacy: %s: %w", what, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if spent := b.spent(); spent+epsilon > b.epsilon*(1+budgetSlack) {
		return fmt.Errorf("%w: %s asks %g, %g of %g remains", ErrBudgetExceeded, what, epsilon, b.epsilon-spent, b.epsilon)
	}
	b.ledger = append(b.ledger, Spend{What: what, Epsilon: epsilon})
	return nil
}

func (b *Budget) spent() float64 {
	s := 0.0
	for _, l := range b.ledger {
		s += l.Epsilon
	}
	return s
}

// Epsilon returns the whole budget.
func (b *Budget) Epsilon() float64 { return b.epsilon }

// Spent returns the epsilon spent so far.
func (b *Budget) Spent() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.spent()
}

// Ledger returns every Spend so far, in order.
func (b *Budget) Ledger() []Spend {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.ledger)
}
