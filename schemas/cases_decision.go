package schemas

import "time"

// Decision records (beslut) and the closing of a case. Records are
// append-only: a correction is a DecisionAmended that points at the record
// it amends, never an edit or a delete (see DESIGN.md, "Automated steps,
// lawfully").

// DecisionContent is what every decision record states, first-hand or
// amended: the outcome, the reasons in Swedish, the legal basis and the
// delegation. It is embedded, so its properties appear at the top level.
type DecisionContent struct {
	// Outcome says what the decision did to its step.
	Outcome DecisionOutcome `json:"outcome" jsonschema:"title=Outcome" jsonschema_description:"completed (the step is done) or referred (sent to a person: the rule or model was not sure, or not allowed to decide)."`
	// Result is the decision's result as a code.
	Result string `json:"result,omitempty" jsonschema:"title=Result,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=residency-confirmed,example=placement-proposed" jsonschema_description:"What was decided, as a code defined by the case type (e.g. residency-confirmed, placement-proposed, rejected)."`
	// Fields are the case fields the decision set.
	Fields map[string]any `json:"fields,omitempty" jsonschema:"title=Fields" jsonschema_description:"Case fields the decision set, by name (e.g. proposed_unit_id). Personal data is given by reference, never copied."`
	// Motivering is the reasons, in plain Swedish.
	Motivering string `json:"motivering" jsonschema:"title=Reasons,minLength=1,maxLength=4000,example=Barnet är folkbokfört i Västerås kommun sedan 2024-08-01 och fyller 1 år före önskat startdatum." jsonschema_description:"The reasons for the decision in plain Swedish (motivering, förvaltningslagen 32 §), as the applicant will read them."`
	// LegalBasis lists the provisions the decision rests on.
	LegalBasis []string `json:"legal_basis" jsonschema:"title=Legal basis,minItems=1,minLength=1,maxLength=200,example=Skollagen (2010:800) 8 kap. 14 §,example=Förvaltningslagen (2017:900) 28 §" jsonschema_description:"The provisions the decision rests on (rättslig grund), e.g. Skollagen (2010:800) 8 kap. 14 §; for an automated decision also förvaltningslagen 28 §."`
	// DelegationRef is the delegation the decision is made under.
	DelegationRef string `json:"delegation_ref" jsonschema:"title=Delegation reference,minLength=1,maxLength=200,example=BUN delegationsordning 2024 punkt 3.4" jsonschema_description:"The point in the nämnd's delegation order (delegationsordning) the decision is made under; for an automated decision the delegation to an automated decision function (kommunallagen 6 kap. 37 §)."`
	// Confidence is the rule's or model's confidence.
	Confidence *float64 `json:"confidence,omitempty" jsonschema:"title=Confidence,minimum=0,maximum=1,example=0.97" jsonschema_description:"Confidence of the model or rule in the outcome, 0-1; below the configured threshold the outcome is referred."`
}

// DecisionRecorded is the record of one decision on a case step (beslut):
// which rule, model or person decided, which version, on which inputs, with
// what outcome, reasons, legal basis and delegation, and when.
//
// Subject cases.decision-recorded; key decision_id.
type DecisionRecorded struct {
	// DecisionID is the record's id.
	DecisionID string `json:"decision_id" jsonschema:"title=Decision id,format=uuid,example=3e7d2a91-6c4b-4a0f-8b1e-9d8c7b6a5f40" jsonschema_description:"UUID of this decision record; the event's key."`
	// CaseID is the case decided on.
	CaseID string `json:"case_id" jsonschema:"title=Case id,format=uuid,example=9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b" jsonschema_description:"UUID of the case."`
	// CaseType is the case type's id.
	CaseType string `json:"case_type" jsonschema:"title=Case type,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=preschool-placement" jsonschema_description:"Id of the case type (ärendetyp)."`
	// StepID is the step decided.
	StepID string `json:"step_id" jsonschema:"title=Step id,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=residency-check" jsonschema_description:"Id of the step (handläggningssteg) the decision is about."`
	// DecidedAt is when the decision was made.
	DecidedAt time.Time `json:"decided_at" jsonschema:"title=Decided at,example=2024-03-04T19:42:12+01:00" jsonschema_description:"When the decision was made (RFC 3339)."`
	// DecidedBy is the rule, model or person who decided.
	DecidedBy Actor `json:"decided_by" jsonschema:"title=Decided by" jsonschema_description:"The rule or model, with its version, or the person who decided."`
	// Automated is true when no person took part.
	Automated bool `json:"automated" jsonschema:"title=Automated" jsonschema_description:"True for an automated decision (automatiserat beslut, förvaltningslagen 28 §)."`
	// Inputs lists what the decision read.
	Inputs []DecisionInput `json:"inputs" jsonschema:"title=Inputs" jsonschema_description:"Every input the rule or model read, in order (beslutsunderlag); an empty list when there were none, never null."`
	// TriggerEventID is the event that set off the decision.
	TriggerEventID string `json:"trigger_event_id,omitempty" jsonschema:"title=Trigger event id,minLength=1,maxLength=200" jsonschema_description:"CloudEvents id of the event that set off the decision, so that a redelivered event is recognised and never decided twice."`
	DecisionContent
}

// DecisionAmended is a person's correction of an earlier decision record
// (ändrat beslut, omprövning). It points at the record it amends and
// states the new decision in full; the amended record stays as it was.
//
// Subject cases.decision-amended; key decision_id.
type DecisionAmended struct {
	// DecisionID is this record's id.
	DecisionID string `json:"decision_id" jsonschema:"title=Decision id,format=uuid,example=c41f8e0a-2b7d-4e95-a6c3-5d4e3f2a1b09" jsonschema_description:"UUID of this amending record; the event's key."`
	// AmendsDecisionID is the record amended.
	AmendsDecisionID string `json:"amends_decision_id" jsonschema:"title=Amends decision id,format=uuid,example=3e7d2a91-6c4b-4a0f-8b1e-9d8c7b6a5f40" jsonschema_description:"UUID of the decision record this one amends (a cases.decision-recorded or an earlier cases.decision-amended)."`
	// CaseID is the case.
	CaseID string `json:"case_id" jsonschema:"title=Case id,format=uuid,example=9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b" jsonschema_description:"UUID of the case."`
	// CaseType is the case type's id.
	CaseType string `json:"case_type" jsonschema:"title=Case type,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=preschool-placement" jsonschema_description:"Id of the case type (ärendetyp)."`
	// StepID is the step whose decision is amended.
	StepID string `json:"step_id" jsonschema:"title=Step id,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=placement-proposal" jsonschema_description:"Id of the step whose decision is amended."`
	// AmendedAt is when the amendment was made.
	AmendedAt time.Time `json:"amended_at" jsonschema:"title=Amended at,example=2024-03-06T10:15:00+01:00" jsonschema_description:"When the amendment was made (RFC 3339)."`
	// AmendedBy is the person who amended the decision.
	AmendedBy Actor `json:"amended_by" jsonschema:"title=Amended by" jsonschema_description:"Who amended the decision: normally a person (a caseworker overriding an automated step)."`
	// Reason says in Swedish why the earlier decision was amended.
	Reason string `json:"reason" jsonschema:"title=Reason for amendment,minLength=1,maxLength=4000,example=Vårdnadshavaren har intyg om syskonförtur till Haga förskola." jsonschema_description:"Why the earlier decision was amended, in plain Swedish (skäl för ändring); required for every override."`
	DecisionContent
}

// CaseResolution is how a case ended.
type CaseResolution string

// The resolutions.
const (
	ResolutionGranted       CaseResolution = "granted"
	ResolutionPartlyGranted CaseResolution = "partly-granted"
	ResolutionRejected      CaseResolution = "rejected"
	ResolutionWithdrawn     CaseResolution = "withdrawn"
	ResolutionDismissed     CaseResolution = "dismissed"
	ResolutionCompleted     CaseResolution = "completed"
)

// EnumValues lists every CaseResolution value, in schema order.
func (CaseResolution) EnumValues() []string {
	return enumValues(ResolutionGranted, ResolutionPartlyGranted, ResolutionRejected,
		ResolutionWithdrawn, ResolutionDismissed, ResolutionCompleted)
}

// CaseClosed says that a case was closed (ärende avslutat).
//
// Subject cases.case-closed; key case_id.
type CaseClosed struct {
	// CaseID is the case's id.
	CaseID string `json:"case_id" jsonschema:"title=Case id,format=uuid,example=9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b" jsonschema_description:"UUID of the case."`
	// CaseType is the case type's id.
	CaseType string `json:"case_type" jsonschema:"title=Case type,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=preschool-placement" jsonschema_description:"Id of the case type (ärendetyp)."`
	// ClosedAt is when the case was closed.
	ClosedAt time.Time `json:"closed_at" jsonschema:"title=Closed at,example=2024-03-08T14:02:00+01:00" jsonschema_description:"When the case was closed (RFC 3339)."`
	// Resolution is how the case ended.
	Resolution CaseResolution `json:"resolution" jsonschema:"title=Resolution" jsonschema_description:"How the case ended: granted (bifall), partly-granted (delvis bifall), rejected (avslag), withdrawn (återkallat), dismissed (avvisat or avskrivet) or completed (for cases that are not applications, e.g. an alarm handled)."`
	// ClosedBy is who or what closed the case.
	ClosedBy *Actor `json:"closed_by,omitempty" jsonschema:"title=Closed by" jsonschema_description:"Who or what closed the case."`
	// FinalDecisionID is the decision the case ended with.
	FinalDecisionID string `json:"final_decision_id,omitempty" jsonschema:"title=Final decision id,format=uuid" jsonschema_description:"The decision record (recorded or amended) that the case ended with."`
}
