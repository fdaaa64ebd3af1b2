package schemas

import "time"

// Casework, generic over case types (ärendetyper): a case is opened, its
// steps are completed by rules, models or people, each decision is recorded
// append-only, a person's override is a new record that amends an earlier
// one, and the case is closed. A case type is a string id defined in the
// automation's YAML (e.g. preschool-placement). Personal data is never
// copied into these events: the case points at the record it is about.

// ActorKind says what kind of actor did something in a case.
type ActorKind string

// The actor kinds: an automated rule, an automated model, a person (a
// caseworker, handläggare), or the platform itself.
const (
	ActorRule   ActorKind = "rule"
	ActorModel  ActorKind = "model"
	ActorPerson ActorKind = "person"
	ActorSystem ActorKind = "system"
)

// EnumValues lists every ActorKind value, in schema order.
func (ActorKind) EnumValues() []string {
	return enumValues(ActorRule, ActorModel, ActorPerson, ActorSystem)
}

// Actor is who or what did something: a rule or model with its version, or
// a person by their staff id.
type Actor struct {
	// Kind is the kind of actor.
	Kind ActorKind `json:"kind" jsonschema:"title=Kind" jsonschema_description:"rule or model (automated), person (a caseworker, handläggare) or system."`
	// ID is the rule's or model's id, or the person's staff id.
	ID string `json:"id" jsonschema:"title=Id,pattern=^[A-Za-z0-9._:@-]+$,minLength=1,maxLength=128,example=preschool-residency-check,example=staff-4821" jsonschema_description:"Id of the rule or model, or the staff id of the person (personal data of the employee)." jsonschema_extras:"x-personal-data=pseudonymous"`
	// Version is the rule's or model's version.
	Version string `json:"version,omitempty" jsonschema:"title=Version,minLength=1,maxLength=64,example=3,example=1.2.0" jsonschema_description:"Version of the rule or model; must be sent for kind rule and model, so that every automated step can be traced to the exact logic that made it."`
}

// CaseOpened says that a case was opened (ärende öppnat).
//
// Subject cases.case-opened; key case_id.
type CaseOpened struct {
	// CaseID is the case's id.
	CaseID string `json:"case_id" jsonschema:"title=Case id,format=uuid,example=9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b" jsonschema_description:"UUID of the case; the key of every event about it."`
	// CaseType is the case type's id.
	CaseType string `json:"case_type" jsonschema:"title=Case type,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=preschool-placement,example=snow-clearing-report,example=meal-order,example=care-alarm" jsonschema_description:"Id of the case type (ärendetyp), as defined in the automation's case-type YAML."`
	// CaseTypeVersion is the version of the case-type definition.
	CaseTypeVersion int `json:"case_type_version,omitempty" jsonschema:"title=Case type version,minimum=1,example=2" jsonschema_description:"Version of the case-type definition the case follows."`
	// OpenedAt is when the case was opened.
	OpenedAt time.Time `json:"opened_at" jsonschema:"title=Opened at,example=2024-03-04T19:42:11+01:00" jsonschema_description:"When the case was opened (RFC 3339)."`
	// OrgUnitID is the unit whose inbox holds the case.
	OrgUnitID string `json:"org_unit_id" jsonschema:"title=Organisational unit,pattern=^[A-Za-z0-9._-]+$,minLength=1,maxLength=64,example=forskoleplacering" jsonschema_description:"Id of the organisational unit whose caseworkers handle the case (enhet); it decides who may see it."`
	// ReferenceNumber is the case's registration number.
	ReferenceNumber string `json:"reference_number,omitempty" jsonschema:"title=Reference number,maxLength=64,example=BUN 2024/00123" jsonschema_description:"Registration number in the municipality's records (diarienummer)."`
	// SubjectRef points at the record the case is about.
	SubjectRef string `json:"subject_ref,omitempty" jsonschema:"title=Subject reference,pattern=^[a-z]+\\.[a-z0-9-]+/[A-Za-z0-9._:-]+$,maxLength=200,example=school.preschool-application/0b8e2f4c-3d1a-4f6e-9a57-2c1d8e9f0a13" jsonschema_description:"The record the case is about, as event subject, slash, key: a reference, never a copy of personal data." jsonschema_extras:"x-personal-data=pseudonymous"`
	// Deadline is when the case must be decided.
	Deadline Date `json:"deadline,omitempty" jsonschema:"title=Deadline,format=date,example=2024-07-04" jsonschema_description:"Date by which the case must be decided, e.g. four months after a preschool application."`
	// OpenedBy is who or what opened the case.
	OpenedBy *Actor `json:"opened_by,omitempty" jsonschema:"title=Opened by" jsonschema_description:"Who or what opened the case; absent when an incoming event opened it."`
}

// StepCompleted says that a step of a case was completed (handläggningssteg
// klart), by a rule, a model or a person. An automated completion always
// has a decision record.
//
// Subject cases.step-completed; key case_id, step_id, completed_at.
type StepCompleted struct {
	// CaseID is the case's id.
	CaseID string `json:"case_id" jsonschema:"title=Case id,format=uuid,example=9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b" jsonschema_description:"UUID of the case."`
	// CaseType is the case type's id.
	CaseType string `json:"case_type" jsonschema:"title=Case type,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=preschool-placement" jsonschema_description:"Id of the case type (ärendetyp)."`
	// StepID is the step's id within the case type.
	StepID string `json:"step_id" jsonschema:"title=Step id,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=residency-check" jsonschema_description:"Id of the step (handläggningssteg) within the case type."`
	// CompletedAt is when the step was completed.
	CompletedAt time.Time `json:"completed_at" jsonschema:"title=Completed at,example=2024-03-04T19:42:12+01:00" jsonschema_description:"When the step was completed (RFC 3339). A step reopened by an override and completed again gets a new event."`
	// CompletedBy is who or what completed the step.
	CompletedBy Actor `json:"completed_by" jsonschema:"title=Completed by" jsonschema_description:"Rule or model (with version) or person who completed the step."`
	// Automated is true when no person took part.
	Automated bool `json:"automated" jsonschema:"title=Automated" jsonschema_description:"True when the step was completed automatically, without a person (automatiserat beslut, förvaltningslagen 28 §)."`
	// DecisionID is the decision record behind the completion.
	DecisionID string `json:"decision_id,omitempty" jsonschema:"title=Decision id,format=uuid" jsonschema_description:"The cases.decision-recorded event behind the completion; always sent when automated is true."`
}

// DecisionOutcome says what a decision did to its step.
type DecisionOutcome string

// The outcomes: the step is completed, or it is referred to a person because
// the rule or model was not sure or not allowed to decide.
const (
	OutcomeCompleted DecisionOutcome = "completed"
	OutcomeReferred  DecisionOutcome = "referred"
)

// EnumValues lists every DecisionOutcome value, in schema order.
func (DecisionOutcome) EnumValues() []string { return enumValues(OutcomeCompleted, OutcomeReferred) }

// DecisionInput is one input a decision read. Personal data is given by
// reference, not copied.
type DecisionInput struct {
	// Name is the input's name in the rule or model.
	Name string `json:"name" jsonschema:"title=Name,pattern=^[a-z][a-z0-9_.-]*$,maxLength=128,example=child.age_months" jsonschema_description:"Name of the input as the rule or model reads it."`
	// Value is the value read, when it is not personal data.
	Value any `json:"value,omitempty" jsonschema:"title=Value" jsonschema_description:"The value read, as JSON, when it is not personal data; otherwise left out and given by ref."`
	// Ref points at the record the value was read from.
	Ref string `json:"ref,omitempty" jsonschema:"title=Reference,pattern=^[a-z]+\\.[a-z0-9-]+/[A-Za-z0-9._:-]+$,maxLength=200,example=population.resident-moved-in/navet-2024-000123456" jsonschema_description:"The record the value was read from, as event subject, slash, key." jsonschema_extras:"x-personal-data=pseudonymous"`
}
