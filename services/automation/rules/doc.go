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
// Expressions are CEL. Every expression sees `event` (the trigger event as
// a map); a lookup key, the condition and the case id see only it, the
// outcomes also see each input by its name (the record, or an empty map
// when the projection has none). Beyond the standard library there are the
// strings extension and age_on(birth_date, date), whole years of age on a
// date. The reasons are a text/template (nothing escaped) over .event, the
// inputs by name and .fields; range, with and template are refused, so
// that every field printed can be checked.
//
// A decision's inputs are every field the rule can read (its expressions
// and its reasons, found at load), by name (event.kind,
// resident.municipality_code): the value when the schema does not mark the
// field x-personal-data, else only a reference to the record, subject/key
// (school.preschool-application/<application_id>). An input with neither
// was absent.
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
