package casework

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/vasteras/civicbus/bus"
	"github.com/vasteras/civicbus/schemas"
)

// Limits on what a caseworker writes.
const (
	MaxComment = 2000 // characters of a comment
	MaxReason  = 4000 // characters of an override's reason or motivering (the schema's limit)
)

var resultCode = regexp.MustCompile(`^[a-z][a-z0-9-]{0,63}$`)

// actionCase opens the case of a POST for a user who may act on it.
func (s *Service) actionCase(w http.ResponseWriter, r *http.Request, sess *session, action string) (Case, bool) {
	c, ok := s.openCase(w, r, sess, action)
	if !ok {
		return c, false
	}
	if !sess.user.Decides() {
		s.refuse(w, r, http.StatusForbidden, "Din roll får inte fatta beslut i ärenden.", "action by a role that does not decide")
		return c, false
	}
	return c, true
}

// caseDecision reads the form's decision_id, which must be a record of c.
func (s *Service) caseDecision(w http.ResponseWriter, r *http.Request, c Case) (json.RawMessage, bool) {
	id := r.PostFormValue("decision_id")
	caseID, rec, err := s.store.decision(r.Context(), id)
	if err != nil || caseID != c.ID {
		s.refuse(w, r, http.StatusBadRequest, "Beslutet finns inte i det här ärendet.", "decision not of the case")
		return nil, false
	}
	return rec, true
}

// record publishes a caseworker's entry — a confirmation, a comment, an
// assignment or an amendment — on topic through the checked publisher,
// keyed by the case, and then applies it to the inbox under its own event
// id, so that the copy the bus delivers back changes nothing here and a
// second replica applies it once from the bus. An entry that breaks its
// contract is refused by the publisher and stored nowhere.
func (s *Service) record(r *http.Request, topic, eventID, caseID string, event any) error {
	js, err := json.Marshal(event)
	if err != nil {
		return err
	}
	m := message.NewMessage(eventID, js)
	m.Metadata.Set(bus.MetadataPartitionKey, caseID)
	if err := s.pub.Publish(topic, m); err != nil {
		return &publishError{err}
	}
	_, err = s.Apply(r.Context(), topic, eventID, js)
	return err
}

// publishError is an entry the bus did not take.
type publishError struct{ err error }

func (e *publishError) Error() string { return "casework: publish: " + e.err.Error() }
func (e *publishError) Unwrap() error { return e.err }

// recordOrFail records an entry and answers a failure: a 502 when the bus
// did not take it (nothing is stored: try again), a 500 when it is
// published but not yet in this replica's inbox.
func (s *Service) recordOrFail(w http.ResponseWriter, r *http.Request, what, topic, eventID, caseID string, event any) bool {
	err := s.record(r, topic, eventID, caseID, event)
	var pe *publishError
	switch {
	case errors.As(err, &pe):
		s.fail(w, r, http.StatusBadGateway, "Det gick inte att spara. Försök igen.", "publish "+what, err)
		return false
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, "Det är sparat men visas först om en stund.", "apply "+what, err)
		return false
	}
	return true
}

func (s *Service) back(w http.ResponseWriter, r *http.Request, c Case) {
	http.Redirect(w, r, s.cfg.Prefix+"cases/"+c.ID, http.StatusSeeOther)
}

// handleConfirm confirms a decision of the case: a
// cases.step-confirmed.v1 event. For a care-alarm case, confirming the
// alarm step's decision is acknowledging the alarm.
func (s *Service) handleConfirm(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.actionCase(w, r, sess, "confirm")
	if !ok {
		return
	}
	rec, ok := s.caseDecision(w, r, c)
	if !ok {
		return
	}
	var d struct {
		DecisionID string `json:"decision_id"`
		StepID     string `json:"step_id"`
	}
	_ = json.Unmarshal(rec, &d)
	e := schemas.StepConfirmed{ConfirmationID: uuid.NewString(), CaseID: c.ID, CaseType: c.Type, StepID: d.StepID, DecisionID: d.DecisionID,
		ConfirmedAt: time.Now().UTC(), ConfirmedBy: schemas.Actor{Kind: schemas.ActorPerson, ID: sess.user.Username}}
	if s.recordOrFail(w, r, "confirmation", TopicStepConfirmed, e.ConfirmationID, c.ID, e) {
		s.back(w, r, c)
	}
}

func (s *Service) handleComment(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.actionCase(w, r, sess, "comment")
	if !ok {
		return
	}
	text := strings.TrimSpace(r.PostFormValue("text"))
	switch n := utf8.RuneCountInString(text); {
	case !utf8.ValidString(text) || n == 0:
		s.refuse(w, r, http.StatusBadRequest, "Kommentaren är tom.", "empty comment")
		return
	case n > MaxComment:
		s.refuse(w, r, http.StatusBadRequest, "Kommentaren är för lång: högst 2000 tecken.", "comment too long")
		return
	}
	e := schemas.CommentAdded{CommentID: uuid.NewString(), CaseID: c.ID, CaseType: c.Type, AddedAt: time.Now().UTC(),
		AddedBy: schemas.Actor{Kind: schemas.ActorPerson, ID: sess.user.Username}, Text: text}
	if s.recordOrFail(w, r, "comment", TopicCommentAdded, e.CommentID, c.ID, e) {
		s.back(w, r, c)
	}
}

func (s *Service) handleAssign(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.actionCase(w, r, sess, "assign")
	if !ok {
		return
	}
	to, err := s.user(r.Context(), r.PostFormValue("assignee"))
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "read users", err)
		return
	}
	if to == nil || !to.Decides() || !to.Sees(c.Unit) {
		s.refuse(w, r, http.StatusBadRequest, "Ärendet kan bara tilldelas en handläggare på enheten.", "assignee not of the unit")
		return
	}
	e := schemas.CaseAssigned{AssignmentID: uuid.NewString(), CaseID: c.ID, CaseType: c.Type, AssignedAt: time.Now().UTC(),
		AssignedBy: schemas.Actor{Kind: schemas.ActorPerson, ID: sess.user.Username}, Assignee: to.Username}
	if s.recordOrFail(w, r, "assignment", TopicCaseAssigned, e.AssignmentID, c.ID, e) {
		s.back(w, r, c)
	}
}

// handleOverride amends a decision: a cases.decision-amended.v1 record
// pointing at it, with the person's reason, recorded like every entry.
func (s *Service) handleOverride(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.actionCase(w, r, sess, "override")
	if !ok {
		return
	}
	rec, ok := s.caseDecision(w, r, c)
	if !ok {
		return
	}
	a, msg := s.amendment(r, sess, c, rec)
	if msg != "" {
		s.refuse(w, r, http.StatusBadRequest, msg, "override form incomplete or invalid")
		return
	}
	if s.recordOrFail(w, r, "amendment", TopicDecisionAmended, a.DecisionID, c.ID, a) {
		s.back(w, r, c)
	}
}

// amendment builds the amending record from the form and the amended
// record, or returns what is wrong with the form, in Swedish.
func (s *Service) amendment(r *http.Request, sess *session, c Case, rec json.RawMessage) (schemas.DecisionAmended, string) {
	var old struct {
		DecisionID string `json:"decision_id"`
		StepID     string `json:"step_id"`
		schemas.DecisionContent
	}
	_ = json.Unmarshal(rec, &old)
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	motivering := strings.TrimSpace(r.PostFormValue("motivering"))
	if motivering == "" {
		motivering = reason
	}
	outcome := schemas.DecisionOutcome(r.PostFormValue("outcome"))
	result := r.PostFormValue("result")
	switch {
	case reason == "":
		return schemas.DecisionAmended{}, "Skäl för ändringen måste anges."
	case utf8.RuneCountInString(reason) > MaxReason || utf8.RuneCountInString(motivering) > MaxReason:
		return schemas.DecisionAmended{}, "Skälet eller motiveringen är för lång: högst 4000 tecken."
	case outcome != schemas.OutcomeCompleted && outcome != schemas.OutcomeReferred:
		return schemas.DecisionAmended{}, "Välj utfall: klart eller till handläggare."
	case result != "" && !resultCode.MatchString(result):
		return schemas.DecisionAmended{}, "Resultatkoden får bara innehålla små bokstäver, siffror och bindestreck."
	}
	return schemas.DecisionAmended{
		DecisionID: uuid.NewString(), AmendsDecisionID: old.DecisionID, CaseID: c.ID, CaseType: c.Type, StepID: old.StepID,
		AmendedAt: time.Now().UTC(), AmendedBy: schemas.Actor{Kind: schemas.ActorPerson, ID: sess.user.Username}, Reason: reason,
		DecisionContent: schemas.DecisionContent{Outcome: outcome, Result: result, Motivering: motivering,
			LegalBasis: old.LegalBasis, DelegationRef: old.DelegationRef},
	}, ""
}
