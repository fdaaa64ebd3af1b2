package automation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/vasteras/civicbus/schemas"
)

// DefaultModelTimeout bounds a model's answer for one step unless the
// step sets another.
const DefaultModelTimeout = 5 * time.Second

// ModelStep is a case step a model may do: what the decision record will
// say about it whatever the model answers. The contract of [DecideByModel]:
//   - the step is completed only when the model answered in time, without
//     an error, with a confidence at or above Threshold, a result and a
//     motivering, and AutomationAllowed is true;
//   - otherwise the step is referred to a person, with a motivering saying
//     why (timed out, failed, unsure, not allowed to decide), never
//     completed;
//   - either way exactly one decision record is made: nothing is completed
//     without one.
type ModelStep struct {
	CaseID, CaseType, StepID string
	// Model is the model's id and version.
	ModelID, ModelVersion string
	// Threshold is the lowest confidence that may complete the step.
	Threshold float64
	// Timeout bounds the model's answer; DefaultModelTimeout when 0.
	Timeout time.Duration
	// AutomationAllowed is false for a step only a person may complete
	// (automation none or propose in its case type): the model's answer is
	// then recorded as a referral that carries it.
	AutomationAllowed bool
	// TriggerEventID is the event that set the step off; with the case,
	// step and model it makes the decision id.
	TriggerEventID string
	// Inputs are what the model read, personal data by reference.
	Inputs        []schemas.DecisionInput
	LegalBasis    []string
	DelegationRef string
}

// ModelAnswer is a model's answer for a step.
type ModelAnswer struct {
	// Result is the result code (e.g. alarm-raised, order-proposed).
	Result string
	// Fields are case fields the answer sets; no personal data.
	Fields map[string]any
	// Confidence is the model's confidence in [0,1].
	Confidence float64
	// Motivering explains the answer in Swedish, without identifiers.
	Motivering string
}

// DecideByModel runs model for step, bounded by the step's timeout, and
// returns its decision record, decided at now (see [ModelStep]). A model
// that does not return when its context ends is left behind: the step is
// referred at the deadline.
func DecideByModel(ctx context.Context, step ModelStep, now time.Time, model func(context.Context) (ModelAnswer, error)) schemas.DecisionRecorded {
	timeout := step.Timeout
	if timeout <= 0 {
		timeout = DefaultModelTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answered struct {
		a   ModelAnswer
		err error
	}
	ch := make(chan answered, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- answered{err: fmt.Errorf("the model panicked: %v", p)}
			}
		}()
		a, err := model(ctx)
		ch <- answered{a, err}
	}()
	var got answered
	select {
	case got = <-ch:
	case <-ctx.Done():
		got.err = ctx.Err()
	}
	d := schemas.DecisionRecorded{
		DecisionID: ModelDecisionID(step), CaseID: step.CaseID, CaseType: step.CaseType, StepID: step.StepID,
		DecidedAt: now, DecidedBy: schemas.Actor{Kind: schemas.ActorModel, ID: step.ModelID, Version: step.ModelVersion},
		Automated: true, Inputs: step.Inputs, TriggerEventID: step.TriggerEventID,
		DecisionContent: schemas.DecisionContent{
			Outcome: schemas.OutcomeReferred, LegalBasis: step.LegalBasis, DelegationRef: step.DelegationRef,
		},
	}
	if d.Inputs == nil {
		d.Inputs = []schemas.DecisionInput{}
	}
	switch {
	case got.err != nil && (errors.Is(got.err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded)):
		d.Motivering = fmt.Sprintf("Modellen %s svarade inte inom %s. En person gör steget.", step.ModelID, timeout)
		return d
	case got.err != nil:
		// The error is not quoted: it may carry what the model read.
		d.Motivering = fmt.Sprintf("Modellen %s kunde inte ge något svar. En person gör steget.", step.ModelID)
		return d
	}
	a := got.a
	conf := min(max(a.Confidence, 0), 1)
	d.Confidence, d.Result, d.Fields = &conf, a.Result, a.Fields
	d.Motivering = a.Motivering
	switch {
	case a.Motivering == "" || a.Result == "":
		d.Motivering = fmt.Sprintf("Modellen %s gav inget fullständigt svar (resultat och motivering). En person gör steget.", step.ModelID)
	case !(a.Confidence >= step.Threshold): // NaN refers too
		d.Motivering = fmt.Sprintf("%s Modellens säkerhet %.2f är under gränsen %.2f, så en person bedömer steget.", a.Motivering, conf, step.Threshold)
	case !step.AutomationAllowed:
		d.Motivering = a.Motivering + " Steget får bara göras av en person."
	default:
		d.Outcome = schemas.OutcomeCompleted
	}
	if len(d.Motivering) > 4000 {
		d.Motivering = d.Motivering[:3990] + " …"
	}
	return d
}

// modelDecisionNamespace is the UUIDv5 namespace of model decisions' ids.
var modelDecisionNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte(schemas.SchemaID("cases.decision-recorded", 1)+"#model"))

// ModelDecisionID is the id of a model's decision on a step: the same
// case, step, model version and trigger event always give the same id, so
// a redelivered event is recognised.
func ModelDecisionID(step ModelStep) string {
	return uuid.NewSHA1(modelDecisionNamespace, fmt.Appendf(nil, "%s\x00%s\x00%s\x00%s\x00%s",
		step.ModelID, step.ModelVersion, step.StepID, step.TriggerEventID, step.CaseID)).String()
}

// caseNamespace is the UUIDv5 namespace of the ids of cases the service
// opens.
var caseNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte(schemas.SchemaID("cases.case-opened", 1)))

// CaseID is the id of the case of caseType the service opens about key
// (an alarm id, a kitchen and day, an area and forecast): one case per
// key, however often its trigger is delivered.
func CaseID(caseType, key string) string {
	return uuid.NewSHA1(caseNamespace, []byte(caseType+"\x00"+key)).String()
}
