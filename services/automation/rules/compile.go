package rules

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"cel.dev/cel-go/cel"

	"github.com/vasteras/civicbus/schemas"
)

var (
	idRE     = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	varRE    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	reserved = []string{"event", "fields", "has", "size", "true", "false", "null", "in"}
)

// compiled is a rule version, checked and compiled. It is safe for
// concurrent use.
type compiled struct {
	rule      *Rule
	file      string
	event     *eventSchema
	condition cel.Program // nil: always
	caseID    cel.Program
	lookups   []compiledLookup
	outcomes  []compiledOutcome
	otherwise compiledOutcome
	reads     []read // every field the rule reads, sorted, for its inputs
}

type compiledLookup struct {
	name, projection string
	record           *eventSchema
	key              cel.Program
}

type compiledOutcome struct {
	when    cel.Program // nil: always (otherwise)
	outcome schemas.DecisionOutcome
	result  string
	set     []setField
	reasons *template.Template
}

type setField struct {
	name string
	prog cel.Program
}

// read is one field a rule reads: from event or a lookup, and whether it
// is personal data (then recorded by reference only).
type read struct {
	root, name string // name is root.path
	path       []string
	personal   bool
}

func newRead(root string, path []string, personal bool) read {
	return read{root: root, name: root + "." + strings.Join(path, "."), path: path, personal: personal}
}

// compiler collects the problems of one rule as it compiles it.
type compiler struct {
	c    *compiled
	env  *cel.Env
	vars map[string]*eventSchema // event and the lookups, by name
	ps   Problems
}

func (k *compiler) problem(line int, format string, args ...any) {
	k.ps = append(k.ps, Problem{File: k.c.file, Line: line, Rule: k.c.rule.ID.Value, Msg: fmt.Sprintf(format, args...)})
}

// compileRule checks r (from file) against its case type and the catalog
// and compiles it.
func compileRule(r *Rule, file string, ct *CaseType) (*compiled, Problems) {
	k := &compiler{c: &compiled{rule: r, file: file}, vars: map[string]*eventSchema{}}
	k.header(ct)
	cat, err := catalog()
	if err != nil {
		k.problem(0, "%v", err)
		return nil, k.ps
	}
	ev, ok := cat[r.Trigger.Event.Value]
	if !ok {
		k.problem(r.Trigger.Event.Line, "trigger.event %q is not an event type of the catalog", r.Trigger.Event.Value)
		return nil, k.ps
	}
	k.c.event, k.vars["event"] = ev, ev
	base, err := baseEnv()
	if err != nil {
		k.problem(0, "cel: %v", err)
		return nil, k.ps
	}
	k.env = base
	k.lookups(cat)
	k.c.condition = k.expr(r.Trigger.Condition, "trigger.condition", cel.BoolType, false, "event")
	caseID := r.Trigger.CaseID
	if caseID.Value == "" {
		caseID = Text{Value: "event.case_id", Line: r.Trigger.Event.Line}
	}
	k.c.caseID = k.expr(caseID, "trigger.case_id", cel.StringType, false, "event")
	for i := range r.Outcomes {
		k.c.outcomes = append(k.c.outcomes, k.outcome(&r.Outcomes[i], fmt.Sprintf("outcomes[%d]", i), ct))
	}
	k.c.otherwise = k.outcome(&r.Otherwise, "otherwise", ct)
	if len(k.ps) > 0 {
		return nil, k.ps
	}
	slices.SortFunc(k.c.reads, func(a, b read) int { return strings.Compare(a.name, b.name) })
	k.c.reads = slices.CompactFunc(k.c.reads, func(a, b read) bool { return a.name == b.name })
	return k.c, nil
}

// header checks what needs no compiling: ids, version, step, legal basis.
func (k *compiler) header(ct *CaseType) {
	r := k.c.rule
	line := r.ID.Line
	if !idRE.MatchString(r.ID.Value) {
		k.problem(line, "id must be lower-case kebab case")
	}
	if r.Version < 1 {
		k.problem(line, "version must be 1 or more")
	}
	if len(r.LegalBasis) == 0 || slices.Contains(r.LegalBasis, "") {
		k.problem(line, "legal_basis must name at least one provision, none empty")
	}
	if len(r.Outcomes) == 0 {
		k.problem(line, "outcomes must list at least one outcome; otherwise only refers")
	}
	if r.DelegationRef == "" {
		k.problem(line, "delegation_ref is required: the point of the delegation order the rule decides under")
	}
	if ct == nil {
		k.problem(r.CaseType.Line, "case_type %q is not a loaded case type", r.CaseType.Value)
		return
	}
	i := slices.IndexFunc(ct.Steps, func(s Step) bool { return s.ID.Value == r.Step.Value })
	if i < 0 {
		k.problem(r.Step.Line, "step %q is not a step of case type %s", r.Step.Value, ct.ID.Value)
	} else if a := ct.Steps[i].Automation; a != AutomationDecide && a != AutomationPropose {
		k.problem(r.Step.Line, "step %q may not be automated (automation: %s)", r.Step.Value, a)
	}
}

func (k *compiler) lookups(cat map[string]*eventSchema) {
	var opts []cel.EnvOption
	names := slices.Sorted(maps.Keys(k.c.rule.Inputs))
	for _, name := range names {
		l := k.c.rule.Inputs[name]
		line := l.Key.Line
		switch {
		case !varRE.MatchString(name) || slices.Contains(reserved, name):
			k.problem(line, "input name %q must be a lower-case identifier other than %s", name, strings.Join(reserved, ", "))
			continue
		case l.Projection == "":
			k.problem(line, "inputs.%s.projection is required", name)
		}
		rec, ok := cat[l.Record.Value]
		if !ok {
			k.problem(l.Record.Line, "inputs.%s.record %q is not an event type of the catalog", name, l.Record.Value)
			continue
		}
		k.vars[name] = rec
		opts = append(opts, cel.Variable(name, cel.MapType(cel.StringType, cel.DynType)))
		key := k.expr(l.Key, "inputs."+name+".key", cel.StringType, false, "event")
		k.c.lookups = append(k.c.lookups, compiledLookup{name: name, projection: l.Projection, record: rec, key: key})
	}
	env, err := k.env.Extend(opts...)
	if err != nil {
		k.problem(k.c.rule.ID.Line, "cel: %v", err)
		return
	}
	k.env = env
}

// expr compiles one CEL expression of type want that may read roots (all
// variables when none are given), checking every field it reads against
// the schemas. refusePersonal refuses personal fields.
func (k *compiler) expr(t Text, where string, want *cel.Type, refusePersonal bool, roots ...string) cel.Program {
	if t.Value == "" {
		return nil
	}
	ast, iss := k.env.Compile(t.Value)
	if iss.Err() != nil {
		k.problem(t.Line, "%s: %v", where, iss.Err())
		return nil
	}
	if !ast.OutputType().IsAssignableType(want) && ast.OutputType() != cel.DynType {
		k.problem(t.Line, "%s: gives %s, want %s", where, ast.OutputType(), want)
	}
	all := slices.Sorted(maps.Keys(k.vars))
	rs := reads(ast.NativeRep(), all)
	for _, root := range slices.Sorted(maps.Keys(rs)) {
		paths := rs[root]
		if len(roots) > 0 && !slices.Contains(roots, root) {
			k.problem(t.Line, "%s: reads %s, but may read only %s", where, root, strings.Join(roots, ", "))
			continue
		}
		for _, p := range paths {
			k.field(t.Line, where, root, p, refusePersonal)
		}
	}
	p, err := k.env.Program(ast)
	if err != nil {
		k.problem(t.Line, "%s: %v", where, err)
		return nil
	}
	return p
}

// field checks one field path read from root and notes it as an input.
func (k *compiler) field(line int, where, root string, path []string, refusePersonal bool) {
	if len(path) == 0 {
		k.problem(line, "%s: reads %s as a whole; read its fields one by one (%s.name) so each is checked", where, root, root)
		return
	}
	personal, problem := k.vars[root].field(path)
	switch {
	case problem != "":
		k.problem(line, "%s: %s.%s: %s", where, root, strings.Join(path, "."), problem)
	case personal != "" && refusePersonal:
		k.problem(line, "%s: reads %s.%s, which is personal data (%s)", where, root, strings.Join(path, "."), personal)
	default:
		k.c.reads = append(k.c.reads, newRead(root, path, personal != ""))
	}
}
