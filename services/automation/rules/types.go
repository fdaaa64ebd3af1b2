package rules

import (
	"gopkg.in/yaml.v3"
)

// Document kinds, the `kind` of every YAML file in a rules directory.
const (
	KindCaseType = "case-type"
	KindRule     = "rule"
	KindTest     = "rule-test"
)

// Text is a YAML scalar with the line it was written on, so that every
// problem found later (a CEL error, a missing field) can name its line.
type Text struct {
	Value string
	Line  int
}

// UnmarshalYAML keeps the scalar's value and line.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	t.Line = n.Line
	return n.Decode(&t.Value)
}

// Automation says what automation may do with a step.
type Automation string

// The automation levels: none (only a person), propose (a rule may set
// fields and a result, but always refers the step to a person who
// confirms) and decide (a rule may complete the step).
const (
	AutomationNone    Automation = "none"
	AutomationPropose Automation = "propose"
	AutomationDecide  Automation = "decide"
)

// CaseType is a kind of case (ärendetyp) and its steps.
type CaseType struct {
	Kind    string `yaml:"kind"`
	ID      Text   `yaml:"id"`
	Version int    `yaml:"version"`
	Title   string `yaml:"title"`
	Steps   []Step `yaml:"steps"`
	// OpenedBy, when set, is the event that opens a case of this type;
	// without it another system opens the cases.
	OpenedBy *Opening `yaml:"opened_by"`
}

// Step is one step of a case (handläggningssteg).
type Step struct {
	ID Text `yaml:"id"`
	// Title names the step in Swedish.
	Title string `yaml:"title"`
	// Role is the role that may do the step by hand (e.g. handläggare).
	Role string `yaml:"role"`
	// Automation is what a rule may do with the step; none when empty.
	Automation Automation `yaml:"automation"`
	// DeadlineDays is how many days after the case opened the step is due;
	// 0 for none.
	DeadlineDays int `yaml:"deadline_days"`
}

// Rule is one automated decision rule, at one version.
type Rule struct {
	Kind string `yaml:"kind"`
	ID   Text   `yaml:"id"`
	// Version is the rule's version; a change to a rule is a new version,
	// loaded next to the old one.
	Version int `yaml:"version"`
	// Active says whether the version may evaluate; of the active versions
	// of a rule, only the highest does.
	Active   bool    `yaml:"active"`
	CaseType Text    `yaml:"case_type"`
	Step     Text    `yaml:"step"`
	Trigger  Trigger `yaml:"trigger"`
	// Inputs are the named lookups in projections the rule may read; each
	// is a CEL variable of that name.
	Inputs map[string]Lookup `yaml:"inputs"`
	// Outcomes are tried in order; the first whose `when` holds decides.
	Outcomes []Outcome `yaml:"outcomes"`
	// Otherwise is the referral when no outcome holds; its outcome is
	// always referred.
	Otherwise     Outcome  `yaml:"otherwise"`
	LegalBasis    []string `yaml:"legal_basis"`
	DelegationRef string   `yaml:"delegation_ref"`
}

// Trigger is what sets a rule off.
type Trigger struct {
	// Event is the topic of the event type, e.g. school.preschool-application.v1.
	Event Text `yaml:"event"`
	// Condition is a CEL expression over event; the rule decides only when
	// it holds. Empty means always.
	Condition Text `yaml:"condition"`
	// CaseID is a CEL expression giving the case's UUID; event.case_id when
	// empty.
	CaseID Text `yaml:"case_id"`
}

// Lookup is a named input: a record of a projection of bus data, found by
// a key computed from the event.
type Lookup struct {
	// Projection names the projection, e.g. population-register.
	Projection string `yaml:"projection"`
	// Record is the topic of the event type the projection's records have,
	// e.g. population.resident-moved-in.v1; it types the rule's reads.
	Record Text `yaml:"record"`
	// Key is a CEL expression over event giving the record's key.
	Key Text `yaml:"key"`
}

// Outcome is what a rule decides when its `when` holds.
type Outcome struct {
	// When is a CEL expression over event and the inputs; empty in
	// otherwise.
	When Text `yaml:"when"`
	// Outcome is completed or referred.
	Outcome Text `yaml:"outcome"`
	// Result is the decision's result code, defined by the case type.
	Result string `yaml:"result"`
	// Set are case fields the decision sets, each a CEL expression; they
	// may not read personal data.
	Set map[string]Text `yaml:"set"`
	// Reasons is the motivering, a Swedish text/template over .event, the
	// inputs by name and .fields (the fields set); it may not print
	// personal data.
	Reasons Text `yaml:"reasons"`
}
