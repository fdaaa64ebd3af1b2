package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/vasteras/civicbus/bus/middleware"
	"github.com/vasteras/civicbus/schemas"
)

// The topics the inbox is projected from, and the one it publishes.
const (
	TopicCaseOpened      = "cases.case-opened.v1"
	TopicStepCompleted   = "cases.step-completed.v1"
	TopicDecision        = "cases.decision-recorded.v1"
	TopicDecisionAmended = "cases.decision-amended.v1"
	TopicCaseClosed      = "cases.case-closed.v1"
	TopicStepConfirmed   = "cases.step-confirmed.v1"
	TopicCommentAdded    = "cases.comment-added.v1"
	TopicCaseAssigned    = "cases.case-assigned.v1"
)

// Topics lists the topics the service consumes. It publishes the last
// four itself (a caseworker's override, confirmation, comment and
// assignment) and projects them like any other, so that every replica
// sees them.
var Topics = []string{TopicCaseOpened, TopicStepCompleted, TopicDecision, TopicDecisionAmended, TopicCaseClosed,
	TopicStepConfirmed, TopicCommentAdded, TopicCaseAssigned}

// appliers project one topic's event in a transaction.
var appliers = map[string]func(tx, string, []byte) error{
	TopicCaseOpened:      applyOpened,
	TopicStepCompleted:   applyStep,
	TopicDecision:        applyDecision,
	TopicDecisionAmended: applyAmended,
	TopicCaseClosed:      applyClosed,
	TopicStepConfirmed:   applyConfirmed,
	TopicCommentAdded:    applyComment,
	TopicCaseAssigned:    applyAssigned,
}

// Apply projects one event of topic, with CloudEvents id eventID, into the
// inbox, once, and then tells the live listeners of the case's unit: an event id already applied changes nothing and Apply
// returns false. A payload that is not the topic's JSON is a permanent
// error (dead-lettered by the router).
func (s *Service) Apply(ctx context.Context, topic, eventID string, payload []byte) (bool, error) {
	fn, ok := appliers[topic]
	if !ok {
		return false, fmt.Errorf("casework: topic %s is not projected", topic)
	}
	applied, err := s.store.applyOnce(ctx, eventID, topic, func(t tx) error { return fn(t, eventID, payload) })
	if applied {
		var ref struct {
			CaseID string `json:"case_id"`
		}
		_ = json.Unmarshal(payload, &ref)
		s.notifyApplied(ctx, ref.CaseID, topicKinds[topic], eventID)
	}
	return applied, err
}

// topicKinds are the timeline kinds of the topics' events.
var topicKinds = map[string]string{
	TopicCaseOpened:      KindOpened,
	TopicStepCompleted:   KindStep,
	TopicDecision:        KindDecision,
	TopicDecisionAmended: KindAmended,
	TopicCaseClosed:      KindClosed,
	TopicStepConfirmed:   KindConfirmed,
	TopicCommentAdded:    KindComment,
	TopicCaseAssigned:    KindAssigned,
}

// handle is the router's handler for topic.
func (s *Service) handle(topic string) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		_, err := s.Apply(msg.Context(), topic, msg.UUID, msg.Payload)
		var bad *badEvent
		if errors.As(err, &bad) {
			return middleware.Permanent(err)
		}
		return err
	}
}

// badEvent is a payload that cannot be decoded; it names the topic, never
// a value.
type badEvent struct{ topic string }

func (e *badEvent) Error() string { return "casework: the event is not a valid " + e.topic + " object" }

func decode(topic string, payload []byte, v any) error {
	if err := json.Unmarshal(payload, v); err != nil {
		return &badEvent{topic}
	}
	return nil
}

func actorOr(a *schemas.Actor) schemas.Actor {
	if a == nil {
		return schemas.Actor{Kind: schemas.ActorSystem, ID: "civicbus"}
	}
	return *a
}

func applyOpened(t tx, id string, payload []byte) error {
	var e schemas.CaseOpened
	if err := decode(TopicCaseOpened, payload, &e); err != nil {
		return err
	}
	if err := t.lockCase(e.CaseID); err != nil {
		return err
	}
	n, err := t.execN(`INSERT INTO casework_cases (case_id, case_type, org_unit_id, reference_number, subject_ref, deadline, opened_at, assignee)
VALUES (?, ?, ?, ?, ?, ?, ?, '') ON CONFLICT (case_id) DO NOTHING`,
		e.CaseID, e.CaseType, e.OrgUnitID, e.ReferenceNumber, e.SubjectRef, string(e.Deadline), ts(e.OpenedAt))
	if err != nil {
		return err
	}
	if err := t.exec(`INSERT INTO casework_unit_types (org_unit_id, case_type) VALUES (?, ?) ON CONFLICT DO NOTHING`, e.OrgUnitID, e.CaseType); err != nil {
		return err
	}
	if n > 0 { // decisions and an assignment projected before the opening count now
		if err := t.exec(`UPDATE casework_cases SET `+countsOf+`,
 assignee = COALESCE((SELECT a.assignee FROM casework_assignments a WHERE a.case_id = casework_cases.case_id), '') WHERE case_id = ?`, e.CaseID); err != nil {
			return err
		}
		if err := t.exec(ruleDecisionsOf+` AND d.case_id = ? ON CONFLICT (decision_id) DO NOTHING`, e.CaseID); err != nil {
			return err
		}
	}
	a := actorOr(e.OpenedBy)
	return t.entry(Entry{ID: id, CaseID: e.CaseID, Kind: KindOpened, At: e.OpenedAt, ActorKind: string(a.Kind), ActorID: a.ID, Version: a.Version, Body: payload})
}

func applyStep(t tx, id string, payload []byte) error {
	var e schemas.StepCompleted
	if err := decode(TopicStepCompleted, payload, &e); err != nil {
		return err
	}
	if err := t.lockCase(e.CaseID); err != nil {
		return err
	}
	if e.Automated {
		key := e.DecisionID
		if key == "" {
			key = "event:" + id
		}
		if err := t.automatedStep(e.CaseID, key); err != nil {
			return err
		}
	}
	a := e.CompletedBy
	return t.entry(Entry{ID: id, CaseID: e.CaseID, Kind: KindStep, At: e.CompletedAt, ActorKind: string(a.Kind), ActorID: a.ID,
		Version: a.Version, StepID: e.StepID, DecisionID: e.DecisionID, Automated: e.Automated, Body: payload})
}

func applyDecision(t tx, id string, payload []byte) error {
	var e schemas.DecisionRecorded
	if err := decode(TopicDecision, payload, &e); err != nil {
		return err
	}
	return t.decision(id, e.CaseID, e.StepID, e.DecisionID, "", KindDecision, e.DecidedAt, e.DecidedBy, e.Automated, string(e.Outcome), payload)
}

func applyAmended(t tx, id string, payload []byte) error {
	var e schemas.DecisionAmended
	if err := decode(TopicDecisionAmended, payload, &e); err != nil {
		return err
	}
	return t.decision(id, e.CaseID, e.StepID, e.DecisionID, e.AmendsDecisionID, KindAmended, e.AmendedAt, e.AmendedBy, false, string(e.Outcome), payload)
}

// decision appends a decision record and its timeline entry, and counts
// it on its case's row (a case not opened yet counts it when it is).
func (t tx) decision(eventID, caseID, step, decisionID, amends, kind string, at time.Time, a schemas.Actor, automated bool, outcome string, payload []byte) error {
	if err := t.lockCase(caseID); err != nil {
		return err
	}
	n, err := t.execN(`INSERT INTO casework_decisions (decision_id, case_id, step_id, amends_id, automated, actor, outcome, decided_at, record_json)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (decision_id) DO NOTHING`,
		decisionID, caseID, step, amends, b2i(automated), actorKey(a), outcome, ts(at), string(payload))
	if err != nil {
		return err
	}
	if n > 0 && outcome == string(schemas.OutcomeReferred) {
		if err := t.exec(`UPDATE casework_cases SET referred_steps = referred_steps + 1 WHERE case_id = ?`, caseID); err != nil {
			return err
		}
	}
	if n > 0 && automated {
		if err := t.automatedStep(caseID, decisionID); err != nil {
			return err
		}
	}
	if n > 0 && automated { // counted for the supervisor once its case is open
		if err := t.exec(ruleDecisionsOf+` AND d.decision_id = ? ON CONFLICT (decision_id) DO NOTHING`, decisionID); err != nil {
			return err
		}
	}
	if n > 0 && amends != "" { // the amended decision, if automated, is overridden
		if err := t.exec(`UPDATE casework_rule_decisions SET overridden = 1 WHERE decision_id = ?`, amends); err != nil {
			return err
		}
	}
	return t.entry(Entry{ID: eventID, CaseID: caseID, Kind: kind, At: at, ActorKind: string(a.Kind), ActorID: a.ID, Version: a.Version,
		StepID: step, DecisionID: decisionID, Automated: automated, Body: payload})
}

// automatedStep counts the automated step key of caseID on its row once,
// whether its decision record or its step-completed event says so first
// (a case not opened yet counts it when it is). The caller holds the
// case's lock.
func (t tx) automatedStep(caseID, key string) error {
	n, err := t.execN(`INSERT INTO casework_automated_steps (step_key, case_id) VALUES (?, ?) ON CONFLICT (step_key) DO NOTHING`, key, caseID)
	if err != nil || n == 0 {
		return err
	}
	return t.exec(`UPDATE casework_cases SET automated_steps = automated_steps + 1 WHERE case_id = ?`, caseID)
}

// actorKey names a rule or model with its version, or a person.
func actorKey(a schemas.Actor) string {
	if a.Version == "" {
		return string(a.Kind) + ":" + a.ID
	}
	return string(a.Kind) + ":" + a.ID + "@" + a.Version
}

func applyClosed(t tx, id string, payload []byte) error {
	var e schemas.CaseClosed
	if err := decode(TopicCaseClosed, payload, &e); err != nil {
		return err
	}
	if err := t.exec(`INSERT INTO casework_closures (case_id, resolution, closed_at) VALUES (?, ?, ?) ON CONFLICT (case_id) DO NOTHING`,
		e.CaseID, string(e.Resolution), ts(e.ClosedAt)); err != nil {
		return err
	}
	a := actorOr(e.ClosedBy)
	return t.entry(Entry{ID: id, CaseID: e.CaseID, Kind: KindClosed, At: e.ClosedAt, ActorKind: string(a.Kind), ActorID: a.ID,
		Version: a.Version, DecisionID: e.FinalDecisionID, Body: payload})
}

func applyConfirmed(t tx, id string, payload []byte) error {
	var e schemas.StepConfirmed
	if err := decode(TopicStepConfirmed, payload, &e); err != nil {
		return err
	}
	a := e.ConfirmedBy
	return t.entry(Entry{ID: id, CaseID: e.CaseID, Kind: KindConfirmed, At: e.ConfirmedAt, ActorKind: string(a.Kind), ActorID: a.ID,
		Version: a.Version, StepID: e.StepID, DecisionID: e.DecisionID, Body: payload})
}

func applyComment(t tx, id string, payload []byte) error {
	var e schemas.CommentAdded
	if err := decode(TopicCommentAdded, payload, &e); err != nil {
		return err
	}
	a := e.AddedBy
	return t.entry(Entry{ID: id, CaseID: e.CaseID, Kind: KindComment, At: e.AddedAt, ActorKind: string(a.Kind), ActorID: a.ID,
		Version: a.Version, Body: payload})
}

// applyAssigned keeps the latest assignment by time, whatever order the
// assignments arrive in, and puts it on the case row (or, for a case not
// opened yet, leaves it for the opening to take).
func applyAssigned(t tx, id string, payload []byte) error {
	var e schemas.CaseAssigned
	if err := decode(TopicCaseAssigned, payload, &e); err != nil {
		return err
	}
	if err := t.lockCase(e.CaseID); err != nil {
		return err
	}
	if err := t.exec(`INSERT INTO casework_assignments (case_id, assignee, assigned_at) VALUES (?, ?, ?)
ON CONFLICT (case_id) DO UPDATE SET assignee = excluded.assignee, assigned_at = excluded.assigned_at
WHERE casework_assignments.assigned_at < excluded.assigned_at`, e.CaseID, e.Assignee, ts(e.AssignedAt)); err != nil {
		return err
	}
	if err := t.exec(`UPDATE casework_cases SET assignee = (SELECT a.assignee FROM casework_assignments a WHERE a.case_id = casework_cases.case_id)
WHERE case_id = ?`, e.CaseID); err != nil {
		return err
	}
	a := e.AssignedBy
	return t.entry(Entry{ID: id, CaseID: e.CaseID, Kind: KindAssigned, At: e.AssignedAt, ActorKind: string(a.Kind), ActorID: a.ID,
		Version: a.Version, Body: payload})
}
