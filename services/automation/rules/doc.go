// Package rules is the automation's rules engine: case types and rules
// written in YAML, type-checked against the event catalog when loaded, and
// evaluated on case events into decision records
// (cases.decision-recorded.v1, see DESIGN.md "Automated steps, lawfully").
//
// A directory of YAML files holds three kinds of document, told apart by
// their `kind`: case-type (steps, the role that may do each, whether and
// how a step may be automated, deadlines), rule (trigger, inputs, outcomes,
// Swedish reasons, legal basis, delegation) and rule-test (given events
// and lookup fixtures, expected decisions). [Load] reads and checks the
// first two; [RunTests] runs the third; [Check] is Load for the CLI.
//
// Contracts:
//   - A rule that does not compile, reads a field its event or lookup
//     record does not have, names an unknown event type or step, or prints
//     personal data in its reasons is refused at load, with file:line and
//     the rule id.
//   - Nothing is completed without a decision record, and a decision
//     records the rule id and version, every input it read (personal data
//     by reference, never copied), the reasons, legal basis and delegation.
//   - A rule that is not sure refers the step to a person: no outcome
//     matched, a lookup failed or timed out, or evaluation failed.
//   - A decision's id is a UUIDv5 of rule id, version, trigger event id and
//     case id, so a redelivered event yields the same record.
package rules
