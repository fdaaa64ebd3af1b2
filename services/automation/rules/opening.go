package rules

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"github.com/google/uuid"

	"github.com/vasteras/civicbus/schemas"
)

// Opening says which event opens a case of a case type (its `opened_by`):
// for a case no other system opens, such as a citizen's snow report. The
// automation service publishes cases.case-opened.v1 for it, once per case
// id, before the decisions of the same event.
type Opening struct {
	// Event is the topic of the event type that opens the case.
	Event Text `yaml:"event"`
	// Condition is a CEL expression over event; empty means always.
	Condition Text `yaml:"condition"`
	// CaseID is a CEL expression giving the case's UUID; it must give the
	// id the case type's rules give (their trigger.case_id).
	CaseID Text `yaml:"case_id"`
	// Subject is a CEL expression giving the reference of the record the
	// case is about (subject/key, e.g. "roads.fault-report/" +
	// event.report_id); it may not read personal data.
	Subject Text `yaml:"subject"`
	// OrgUnit is the unit whose inbox gets the case.
	OrgUnit string `yaml:"org_unit"`
}

// compiledOpening is a case type's opening, compiled.
type compiledOpening struct {
	ct                         *CaseType
	condition, caseID, subject cel.Program
	deadlineDays               int
}

var orgUnitRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// compileOpening checks and compiles a case type's opened_by.
func compileOpening(ct *CaseType, file string) (*compiledOpening, Problems) {
	o := ct.OpenedBy
	// The rule compiler does the type checks; its problems are re-worded
	// as the case type's.
	k := &compiler{c: &compiled{rule: &Rule{ID: ct.ID}, file: file}, vars: map[string]*eventSchema{}}
	cat, err := catalog()
	if err != nil {
		return nil, Problems{{File: file, Msg: err.Error()}}
	}
	ev, ok := cat[o.Event.Value]
	if !ok {
		k.problem(o.Event.Line, "opened_by.event %q is not an event type of the catalog", o.Event.Value)
	} else {
		k.c.event, k.vars["event"] = ev, ev
		if k.env, err = baseEnv(); err != nil {
			k.problem(0, "cel: %v", err)
		}
	}
	out := &compiledOpening{ct: ct}
	if k.env != nil {
		out.condition = k.expr(o.Condition, "opened_by.condition", cel.BoolType, false, "event")
		if o.CaseID.Value == "" {
			k.problem(o.Event.Line, "opened_by.case_id is required")
		}
		out.caseID = k.expr(o.CaseID, "opened_by.case_id", cel.StringType, false, "event")
		out.subject = k.expr(o.Subject, "opened_by.subject", cel.StringType, true, "event")
	}
	if !orgUnitRE.MatchString(o.OrgUnit) {
		k.problem(o.Event.Line, "opened_by.org_unit is required: the unit whose inbox gets the case")
	}
	for _, s := range ct.Steps {
		out.deadlineDays = max(out.deadlineDays, s.DeadlineDays)
	}
	for i := range k.ps {
		k.ps[i].Rule = ""
		k.ps[i].Msg = "case type " + ct.ID.Value + ": " + k.ps[i].Msg
	}
	if len(k.ps) > 0 {
		return nil, k.ps
	}
	return out, nil
}

var subjectRE = regexp.MustCompile(`^[a-z]+\.[a-z0-9-]+/[A-Za-z0-9._:-]+$`)

// Openings returns the cases an event of topic opens, at now: one
// cases.case-opened.v1 per case type whose opened_by it meets. The error,
// for a case id that is not a UUID or a subject that is not a reference,
// names the case type and never a value.
func (e *Engine) Openings(topic string, event map[string]any, now time.Time) ([]schemas.CaseOpened, error) {
	var out []schemas.CaseOpened
	for _, o := range e.openings[topic] {
		d := &decision{event: event}
		if o.condition != nil {
			ok, err := evalBool(o.condition, d)
			if err != nil || !ok {
				continue // a condition that cannot be evaluated opens nothing
			}
		}
		id, err := evalString(o.caseID, d)
		if _, perr := uuid.Parse(id); err != nil || perr != nil || len(id) != 36 {
			return nil, fmt.Errorf("rules: case type %s: opened_by.case_id: not a UUID", o.ct.ID.Value)
		}
		c := schemas.CaseOpened{
			CaseID: strings.ToLower(id), CaseType: o.ct.ID.Value, CaseTypeVersion: o.ct.Version, OpenedAt: now,
			OrgUnitID: o.ct.OpenedBy.OrgUnit,
		}
		if o.subject != nil {
			ref, err := evalString(o.subject, d)
			if err != nil || !subjectRE.MatchString(ref) || len(ref) > 200 {
				return nil, fmt.Errorf("rules: case type %s: opened_by.subject: not a reference subject/key", o.ct.ID.Value)
			}
			c.SubjectRef = ref
		}
		if o.deadlineDays > 0 {
			c.Deadline = schemas.DateOf(now.AddDate(0, 0, o.deadlineDays))
		}
		out = append(out, c)
	}
	return out, nil
}

func evalString(p cel.Program, d *decision) (string, error) {
	out, _, err := p.Eval(d)
	if err != nil {
		return "", err
	}
	s, ok := out.Value().(string)
	if !ok {
		return "", fmt.Errorf("not a string")
	}
	return s, nil
}
