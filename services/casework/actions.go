package casework

import (
	"encoding/json"
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

// local appends a caseworker's own entry to c's timeline, with update run
// in the same transaction when given.
func (s *Service) local(r *http.Request, sess *session, c Case, kind, decisionID string, body map[string]any, update func(tx) error) error {
	body["case_id"] = c.ID
	js, err := json.Marshal(body)
	if err != nil {
		return err
	}
	id := uuid.NewString()
	_, err = s.store.applyOnce(r.Context(), id, "casework."+kind, func(t tx) error {
		if update != nil {
			if err := update(t); err != nil {
				return err
			}
		}
		return t.entry(Entry{ID: id, CaseID: c.ID, Kind: kind, At: time.Now().UTC(), ActorKind: string(schemas.ActorPerson),
			ActorID: sess.user.Username, DecisionID: decisionID, Body: js})
	})
	if err == nil {
		s.notifyApplied(r.Context(), c.ID, kind, id)
	}
	return err
}

func (s *Service) back(w http.ResponseWriter, r *http.Request, c Case) {
	http.Redirect(w, r, s.cfg.Prefix+"cases/"+c.ID, http.StatusSeeOther)
}

func (s *Service) handleConfirm(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.actionCase(w, r, sess, "confirm")
	if !ok {
		return
	}
	if _, ok := s.caseDecision(w, r, c); !ok {
		return
	}
	if err := s.local(r, sess, c, KindConfirmed, r.PostFormValue("decision_id"), map[string]any{}, nil); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "confirm", err)
		return
	}
	s.back(w, r, c)
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
	if err := s.local(r, sess, c, KindComment, "", map[string]any{"text": text}, nil); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "comment", err)
		return
	}
	s.back(w, r, c)
}

func (s *Service) handleAssign(w http.ResponseWriter, r *http.Request, sess *session) {
	c, ok := s.actionCase(w, r, sess, "assign")
	if !ok {
		return
	}
	to := s.cfg.Users[r.PostFormValue("assignee")]
	if to == nil || !to.Decides() || !to.Sees(c.Unit) {
		s.refuse(w, r, http.StatusBadRequest, "Ärendet kan bara tilldelas en handläggare på enheten.", "assignee not of the unit")
		return
	}
	err := s.local(r, sess, c, KindAssigned, "", map[string]any{"assignee": to.Username}, func(t tx) error {
		return t.exec(`UPDATE casework_cases SET assignee = ? WHERE case_id = ?`, to.Username, c.ID)
	})
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "assign", err)
		return
	}
	s.back(w, r, c)
}

// handleOverride amends a decision: a cases.decision-amended.v1 record
// pointing at it, with the person's reason, published through the checked
// publisher and then applied to the inbox under its own event id (so the
// copy the bus delivers back changes nothing).
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
	js, err := json.Marshal(a)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Något gick fel. Försök igen.", "override", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := message.NewMessage(a.DecisionID, js)
	m.Metadata.Set(bus.MetadataPartitionKey, c.ID)
	if err := s.pub.Publish(TopicDecisionAmended, m); err != nil {
		s.fail(w, r, http.StatusBadGateway, "Det ändrade beslutet kunde inte sparas. Försök igen.", "publish amendment", err)
		return
	}
	if _, err := s.Apply(r.Context(), TopicDecisionAmended, a.DecisionID, js); err != nil {
		s.fail(w, r, http.StatusInternalServerError, "Det ändrade beslutet är sparat men visas först om en stund.", "apply amendment", err)
		return
	}
	s.back(w, r, c)
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
