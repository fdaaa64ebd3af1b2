package rules

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
	"cel.dev/cel-go/interpreter"
	"github.com/google/uuid"

	"github.com/vasteras/civicbus/schemas"
)

// evaluation is the evaluation of one event: lookups are shared by its
// rules, each (projection, key) fetched once.
type evaluation struct {
	engine  *Engine
	ctx     context.Context
	eventID string
	event   map[string]any
	now     time.Time
	fetched map[[2]string]fetched
	ref     *string // the event's reference, once made
}

type fetched struct {
	record map[string]any // empty when not found
	ref    string         // the record's reference, "" when none
	err    error
}

// decision is one rule's decision in the making.
type decision struct {
	c       *compiled
	event   map[string]any
	records map[string]fetched // the inputs fetched, by name
}

// ResolveName makes a decision the CEL activation: event and the inputs.
func (d *decision) ResolveName(name string) (any, bool) {
	if name == "event" {
		return d.event, true
	}
	f, ok := d.records[name]
	return f.record, ok
}

// Parent is nil: a decision is the whole activation.
func (d *decision) Parent() interpreter.Activation { return nil }

// decide evaluates one rule: ok false when its condition does not hold.
func (ev *evaluation) decide(c *compiled) (Decision, bool, error) {
	d := &decision{c: c, event: ev.event}
	if c.condition != nil {
		holds, err := evalBool(c.condition, d)
		if err != nil {
			return ev.refer(d, "", "villkoret för regeln kunde inte prövas", "trigger.condition")
		}
		if !holds {
			return Decision{}, false, nil
		}
	}
	caseID, err := ev.caseID(d)
	if err != nil {
		return Decision{}, false, err
	}
	for _, l := range c.lookups {
		if err := ev.lookup(d, l); err != nil {
			if ctxErr := ev.ctx.Err(); ctxErr != nil {
				return Decision{}, false, fmt.Errorf("rules: rule %s: %w", c.rule.ID.Value, ctxErr)
			}
			return ev.refer(d, caseID, "uppgifter från "+l.projection+" kunde inte hämtas", "inputs."+l.name)
		}
	}
	for i, o := range c.outcomes {
		holds, err := evalBool(o.when, d)
		if err != nil {
			return ev.refer(d, caseID, "ett villkor i regeln kunde inte prövas", fmt.Sprintf("outcomes[%d].when", i))
		}
		if holds {
			return ev.apply(d, caseID, o, fmt.Sprintf("outcomes[%d]", i))
		}
	}
	return ev.apply(d, caseID, c.otherwise, "otherwise")
}

// caseID evaluates the rule's case id; it must be a UUID.
func (ev *evaluation) caseID(d *decision) (string, error) {
	out, _, err := d.c.caseID.Eval(d)
	if err != nil {
		return "", fmt.Errorf("rules: rule %s: trigger.case_id: %s", d.c.rule.ID.Value, redactCEL(err))
	}
	s, ok := out.Value().(string)
	if _, perr := uuid.Parse(s); !ok || perr != nil || len(s) != 36 {
		return "", fmt.Errorf("rules: rule %s: trigger.case_id: not a UUID", d.c.rule.ID.Value)
	}
	return strings.ToLower(s), nil
}

// lookup fetches one input (once per evaluation) and binds it: the record,
// or an empty map when there is none.
func (ev *evaluation) lookup(d *decision, l compiledLookup) error {
	out, _, err := l.key.Eval(d)
	if err != nil {
		return errors.New(redactCEL(err))
	}
	key, ok := out.Value().(string)
	if !ok {
		return errors.New("key is not a string")
	}
	k := [2]string{l.projection, key}
	f, done := ev.fetched[k]
	if !done {
		f = ev.fetch(l, key)
		if ev.fetched == nil {
			ev.fetched = map[[2]string]fetched{}
		}
		ev.fetched[k] = f
	}
	if f.err != nil {
		return f.err
	}
	if d.records == nil {
		d.records = make(map[string]fetched, len(d.c.lookups))
	}
	d.records[l.name] = f
	return nil
}

// fetch gets one record from the lookups, bounded by the engine's timeout.
func (ev *evaluation) fetch(l compiledLookup, key string) fetched {
	if ev.engine.lookups == nil {
		return fetched{err: errors.New("no lookups configured")}
	}
	ctx, cancel := context.WithTimeout(ev.ctx, ev.engine.timeout)
	defer cancel()
	rec, found, err := ev.engine.lookups.Get(ctx, l.projection, key)
	if err != nil {
		return fetched{err: err}
	}
	if !found || rec == nil {
		return fetched{record: map[string]any{}}
	}
	return fetched{record: rec, ref: l.record.ref(rec)}
}

// apply makes the decision of an outcome that held: its fields and its
// motivering. A field or motivering that cannot be made refers the step.
func (ev *evaluation) apply(d *decision, caseID string, o compiledOutcome, where string) (Decision, bool, error) {
	var fields map[string]any
	for _, f := range o.set {
		out, _, err := f.prog.Eval(d)
		if err != nil {
			return ev.refer(d, caseID, "ett fält i beslutet kunde inte beräknas", where+".set."+f.name)
		}
		v, err := native(out)
		if err != nil {
			return ev.refer(d, caseID, "ett fält i beslutet kunde inte beräknas", where+".set."+f.name)
		}
		if fields == nil {
			fields = map[string]any{}
		}
		fields[f.name] = v
	}
	data := map[string]any{"event": ev.event, "fields": fields}
	for name, f := range d.records {
		data[name] = f.record
	}
	var b bytes.Buffer
	b.Grow(512)
	if err := o.reasons.Execute(&b, data); err != nil {
		return ev.refer(d, caseID, "motiveringen kunde inte skrivas", where+".reasons")
	}
	motivering := strings.TrimSpace(b.String())
	if motivering == "" || utf8.RuneCountInString(motivering) > maxMotivering {
		return ev.refer(d, caseID, "motiveringen blev tom eller för lång", where+".reasons")
	}
	rec := ev.record(d, caseID, o.outcome, o.result, motivering)
	rec.Fields = fields
	return rec, true, nil
}

// refer makes the referral of a rule that could not decide: why (in
// Swedish, for the motivering) and where. The cause is left out: a CEL or
// lookup error may quote a value. A missing case id (condition
// failed before it was known) is evaluated here, as the record needs it.
func (ev *evaluation) refer(d *decision, caseID, why, where string) (Decision, bool, error) {
	if caseID == "" {
		var err error
		if caseID, err = ev.caseID(d); err != nil {
			return Decision{}, false, err
		}
	}
	r := d.c.rule
	msg := fmt.Sprintf("Regeln %s version %d kunde inte avgöra steget: %s (%s). Steget lämnas till en handläggare.", r.ID.Value, r.Version, why, where)
	return ev.record(d, caseID, schemas.OutcomeReferred, "", msg), true, nil
}

// maxMotivering is the longest motivering a decision record holds.
const maxMotivering = 4000

// record builds the decision record. It shares nothing mutable with the
// rule: a caller may change the record.
func (ev *evaluation) record(d *decision, caseID string, outcome schemas.DecisionOutcome, result, motivering string) Decision {
	r := d.c.rule
	confidence := 1.0 // a rule is sure of what it decides
	return Decision{
		DecisionID:     DecisionID(r.ID.Value, r.Version, ev.eventID, caseID),
		CaseID:         caseID,
		CaseType:       r.CaseType.Value,
		StepID:         r.Step.Value,
		DecidedAt:      ev.now,
		DecidedBy:      schemas.Actor{Kind: schemas.ActorRule, ID: r.ID.Value, Version: strconv.Itoa(r.Version)},
		Automated:      true,
		Inputs:         ev.inputs(d),
		TriggerEventID: ev.eventID,
		DecisionContent: schemas.DecisionContent{
			Outcome:       outcome,
			Result:        result,
			Motivering:    motivering,
			LegalBasis:    slices.Clone(r.LegalBasis),
			DelegationRef: r.DelegationRef,
			Confidence:    &confidence,
		},
	}
}

// inputs lists every field the rule reads, by name in order: its value
// when it is not personal data, else a reference to the record it is in.
// An input with neither was absent (or its lookup was not made).
func (ev *evaluation) inputs(d *decision) []schemas.DecisionInput {
	out := make([]schemas.DecisionInput, 0, len(d.c.reads))
	for _, rd := range d.c.reads {
		in := schemas.DecisionInput{Name: rd.name}
		rec := ev.event
		if rd.root != "event" {
			rec = d.records[rd.root].record
		}
		if v, ok := at(rec, rd.path); ok {
			switch {
			case !rd.personal:
				in.Value = v
			case rd.root == "event":
				in.Ref = ev.eventRef(d.c)
			default:
				in.Ref = d.records[rd.root].ref
			}
		}
		out = append(out, in)
	}
	return out
}

// eventRef is the reference to the trigger event, made once.
func (ev *evaluation) eventRef(c *compiled) string {
	if ev.ref == nil {
		r := c.event.ref(ev.event)
		ev.ref = &r
	}
	return *ev.ref
}

// at finds the value at path in a record.
func at(rec map[string]any, path []string) (any, bool) {
	var v any = rec
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	return v, true
}

func evalBool(p cel.Program, act any) (bool, error) {
	out, _, err := p.Eval(act)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, errors.New("not a bool")
	}
	return bool(b), nil
}

// native converts a CEL value to JSON-able Go: string, int64, uint64,
// float64, bool, nil, []any or map[string]any.
func native(v ref.Val) (any, error) {
	switch x := v.(type) {
	case types.String, types.Int, types.Uint, types.Double, types.Bool:
		return x.Value(), nil
	case types.Null:
		return nil, nil
	case traits.Lister:
		var out []any
		for it := x.Iterator(); it.HasNext() == types.True; {
			e, err := native(it.Next())
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	case traits.Mapper:
		out := map[string]any{}
		for it := x.Iterator(); it.HasNext() == types.True; {
			k := it.Next()
			ks, ok := k.(types.String)
			if !ok {
				return nil, errors.New("a map key is not a string")
			}
			e, err := native(x.Get(k))
			if err != nil {
				return nil, err
			}
			out[string(ks)] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("a %s is not a JSON value", v.Type().TypeName())
}
