package schemas

import "time"

// A caseworker's own entries in a case that are not decisions: confirming
// a decision (for a care alarm, acknowledging it), commenting, assigning
// the case. They travel on the bus like the decisions, so every replica of
// the casework service and the audit see the same case.

// StepConfirmed says that a person confirmed a decision record of a step:
// they checked it and let it stand (for a care-alarm case: acknowledged
// the alarm). It changes no decision.
//
// Subject cases.step-confirmed; key confirmation_id.
type StepConfirmed struct {
	// ConfirmationID is this confirmation's id.
	ConfirmationID string `json:"confirmation_id" jsonschema:"title=Confirmation id,format=uuid,example=7d0e4b1c-8a2f-4c3d-9e5b-6f7a8b9c0d1e" jsonschema_description:"UUID of this confirmation; the event's id and key."`
	// CaseID is the case.
	CaseID string `json:"case_id" jsonschema:"title=Case id,format=uuid,example=9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b" jsonschema_description:"UUID of the case."`
	// CaseType is the case type's id.
	CaseType string `json:"case_type" jsonschema:"title=Case type,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=preschool-placement,example=care-alarm" jsonschema_description:"Id of the case type (ärendetyp)."`
	// StepID is the step whose decision was confirmed.
	StepID string `json:"step_id,omitempty" jsonschema:"title=Step id,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=residency-check" jsonschema_description:"Id of the step whose decision was confirmed."`
	// DecisionID is the decision record confirmed.
	DecisionID string `json:"decision_id" jsonschema:"title=Decision id,format=uuid,example=3e7d2a91-6c4b-4a0f-8b1e-9d8c7b6a5f40" jsonschema_description:"UUID of the decision record (recorded or amended) that was confirmed."`
	// ConfirmedAt is when.
	ConfirmedAt time.Time `json:"confirmed_at" jsonschema:"title=Confirmed at,example=2024-03-05T09:12:00+01:00" jsonschema_description:"When the decision was confirmed (RFC 3339)."`
	// ConfirmedBy is the person.
	ConfirmedBy Actor `json:"confirmed_by" jsonschema:"title=Confirmed by" jsonschema_description:"The person who confirmed the decision."`
}

// CommentAdded is a caseworker's comment on a case. The text is free text
// and may name people: it is personal data and never published.
//
// Subject cases.comment-added; key comment_id.
type CommentAdded struct {
	// CommentID is this comment's id.
	CommentID string `json:"comment_id" jsonschema:"title=Comment id,format=uuid,example=2b9c6d3e-1f4a-4b5c-8d7e-0a1b2c3d4e5f" jsonschema_description:"UUID of the comment; the event's id and key."`
	// CaseID is the case.
	CaseID string `json:"case_id" jsonschema:"title=Case id,format=uuid,example=9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b" jsonschema_description:"UUID of the case."`
	// CaseType is the case type's id.
	CaseType string `json:"case_type" jsonschema:"title=Case type,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=preschool-placement" jsonschema_description:"Id of the case type (ärendetyp)."`
	// AddedAt is when.
	AddedAt time.Time `json:"added_at" jsonschema:"title=Added at,example=2024-03-05T09:15:00+01:00" jsonschema_description:"When the comment was written (RFC 3339)."`
	// AddedBy is the person.
	AddedBy Actor `json:"added_by" jsonschema:"title=Added by" jsonschema_description:"The person who wrote the comment."`
	// Text is the comment.
	Text string `json:"text" jsonschema:"title=Text,minLength=1,maxLength=2000,example=Vårdnadshavaren har ringt och kompletterat ansökan." jsonschema_description:"The comment, as written. Free text may contain names or other personal data: never published." jsonschema_extras:"x-personal-data=free-text"`
}

// CaseAssigned says that a case was assigned to a caseworker; the latest
// assignment (by assigned_at) holds.
//
// Subject cases.case-assigned; key assignment_id.
type CaseAssigned struct {
	// AssignmentID is this assignment's id.
	AssignmentID string `json:"assignment_id" jsonschema:"title=Assignment id,format=uuid,example=5c8d9e0f-3a4b-4c5d-8e6f-7a8b9c0d1e2f" jsonschema_description:"UUID of the assignment; the event's id and key."`
	// CaseID is the case.
	CaseID string `json:"case_id" jsonschema:"title=Case id,format=uuid,example=9a4c1e27-5b3d-4f08-8e6a-1c2d3e4f5a6b" jsonschema_description:"UUID of the case."`
	// CaseType is the case type's id.
	CaseType string `json:"case_type" jsonschema:"title=Case type,pattern=^[a-z][a-z0-9-]*$,maxLength=64,example=preschool-placement" jsonschema_description:"Id of the case type (ärendetyp)."`
	// AssignedAt is when.
	AssignedAt time.Time `json:"assigned_at" jsonschema:"title=Assigned at,example=2024-03-05T09:00:00+01:00" jsonschema_description:"When the case was assigned (RFC 3339)."`
	// AssignedBy is who assigned it.
	AssignedBy Actor `json:"assigned_by" jsonschema:"title=Assigned by" jsonschema_description:"The person who assigned the case."`
	// Assignee is the caseworker's staff id.
	Assignee string `json:"assignee" jsonschema:"title=Assignee,pattern=^[A-Za-z0-9._:@-]+$,minLength=1,maxLength=128,example=staff-4821" jsonschema_description:"Staff id of the caseworker the case is assigned to (personal data of the employee)." jsonschema_extras:"x-personal-data=pseudonymous"`
}
