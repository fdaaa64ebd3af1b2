package rules

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/vasteras/civicbus/schemas"
)

// Decision is a decision record, exactly the cases.decision-recorded.v1
// event.
type Decision = schemas.DecisionRecorded

// DefaultLookupTimeout bounds each lookup unless [Engine.WithLookups] sets
// another.
const DefaultLookupTimeout = 2 * time.Second

// Lookups gives rules the records of projections of bus data (such as the
// population register), by key.
type Lookups interface {
	// Get returns the record of projection under key, found false when
	// there is none. It must return when ctx is done (the engine gives each
	// lookup a deadline). An error or a timeout refers the step to a
	// person; it never completes it. Get must be safe for concurrent use
	// and its error must not quote the key.
	Get(ctx context.Context, projection, key string) (record map[string]any, found bool, err error)
}

// MapLookups is an in-memory projection store: projection, then key, then
// the record. Tests and rule tests use it.
type MapLookups map[string]map[string]map[string]any

// Get returns the record of projection under key.
func (m MapLookups) Get(_ context.Context, projection, key string) (map[string]any, bool, error) {
	r, ok := m[projection][key]
	return r, ok, nil
}

// Engine holds the loaded case types and rules, every version, and
// evaluates the active ones. It is safe for concurrent use.
type Engine struct {
	caseTypes map[string]*CaseType
	versions  map[string][]*compiled        // by rule id, by version ascending
	byEvent   map[string][]*compiled        // the evaluating version of each rule, by trigger topic
	openings  map[string][]*compiledOpening // case types' opened_by, by topic
	settings  map[string]*ModelSettings     // by model
	lookups   Lookups
	timeout   time.Duration
}

// WithLookups returns an engine sharing e's rules that reads its inputs
// from l, each lookup bounded by timeout (DefaultLookupTimeout when 0).
// Without lookups, every rule that has inputs refers its step.
func (e *Engine) WithLookups(l Lookups, timeout time.Duration) *Engine {
	c := *e
	c.lookups, c.timeout = l, timeout
	if timeout <= 0 {
		c.timeout = DefaultLookupTimeout
	}
	return &c
}

// CaseType returns a loaded case type.
func (e *Engine) CaseType(id string) (*CaseType, bool) {
	ct, ok := e.caseTypes[id]
	return ct, ok
}

// Rule returns a loaded rule at a version, active or not, so that a
// recorded decision can be traced to the exact rule that made it. The rule
// is the engine's own: read it, never change it.
func (e *Engine) Rule(id string, version int) (*Rule, bool) {
	for _, c := range e.versions[id] {
		if c.rule.Version == version {
			return c.rule, true
		}
	}
	return nil, false
}

// Evaluating returns the version of rule id that evaluates (its highest
// active one), 0 when none does.
func (e *Engine) Evaluating(id string) int {
	for _, rs := range e.byEvent {
		for _, c := range rs {
			if c.rule.ID.Value == id {
				return c.rule.Version
			}
		}
	}
	return 0
}

// Evaluate runs the rules triggered by an event of topic (its Kafka topic,
// e.g. school.preschool-application.v1) with CloudEvents id eventID, and
// returns one decision per rule whose condition holds, in rule id order,
// decided at now. A rule that is not sure refers its step: no outcome
// held, a lookup failed or timed out, or evaluation failed. The error is
// for an event no decision can be recorded for (no case id) or a done ctx;
// it names the rule and the expression, never a value.
func (e *Engine) Evaluate(ctx context.Context, topic, eventID string, event map[string]any, now time.Time) ([]Decision, error) {
	rs := e.byEvent[topic]
	if len(rs) == 0 {
		return nil, nil
	}
	ev := &evaluation{engine: e, ctx: ctx, eventID: eventID, event: event, now: now}
	out := make([]Decision, 0, len(rs))
	for _, c := range rs {
		d, ok, err := ev.decide(c)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// decisionNamespace is the UUIDv5 namespace of decision ids.
var decisionNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte(schemas.SchemaID("cases.decision-recorded", 1)))

// DecisionID is the id of the decision of rule id at version on the event
// eventID about caseID: the same inputs always give the same id, so a
// redelivered event is recognised.
func DecisionID(ruleID string, version int, eventID, caseID string) string {
	return uuid.NewSHA1(decisionNamespace, fmt.Appendf(nil, "%s\x00%d\x00%s\x00%s", ruleID, version, eventID, caseID)).String()
}
