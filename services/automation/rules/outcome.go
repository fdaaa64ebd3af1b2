package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"

	"cel.dev/cel-go/cel"

	"github.com/vasteras/civicbus/schemas"
)

// outcome compiles one outcome (where is outcomes[i] or otherwise).
func (k *compiler) outcome(o *Outcome, where string, ct *CaseType) compiledOutcome {
	line := o.Outcome.Line
	if line == 0 {
		line = k.c.rule.ID.Line
	}
	out := compiledOutcome{result: o.Result, outcome: schemas.DecisionOutcome(o.Outcome.Value)}
	if where == "otherwise" {
		if o.When.Value != "" || (o.Outcome.Value != "" && out.outcome != schemas.OutcomeReferred) {
			k.problem(line, "otherwise has no when and always refers (outcome: referred)")
		}
		out.outcome = schemas.OutcomeReferred
	} else {
		if o.When.Value == "" {
			k.problem(line, "%s.when is required", where)
		}
		out.when = k.expr(o.When, where+".when", cel.BoolType, false)
	}
	switch {
	case out.outcome != schemas.OutcomeCompleted && out.outcome != schemas.OutcomeReferred:
		k.problem(line, "%s.outcome must be completed or referred", where)
	case out.outcome == schemas.OutcomeCompleted && ct != nil && k.automation(ct) != AutomationDecide:
		k.problem(line, "%s.outcome completed: step %q may only be proposed; a person confirms (use referred)", where, k.c.rule.Step.Value)
	}
	if o.Result != "" && !idRE.MatchString(o.Result) {
		k.problem(line, "%s.result must be lower-case kebab case", where)
	}
	for _, name := range slices.Sorted(maps.Keys(o.Set)) {
		if !varRE.MatchString(name) {
			k.problem(o.Set[name].Line, "%s.set: field name %q must be a lower-case identifier", where, name)
			continue
		}
		p := k.expr(o.Set[name], where+".set."+name, cel.DynType, true)
		out.set = append(out.set, setField{name: name, prog: p})
	}
	out.reasons = k.reasons(o, where)
	return out
}

func (k *compiler) automation(ct *CaseType) Automation {
	for _, s := range ct.Steps {
		if s.ID.Value == k.c.rule.Step.Value {
			return s.Automation
		}
	}
	return AutomationNone
}

// reasons parses the motivering template and checks every field it prints:
// it must exist and must not be personal data.
func (k *compiler) reasons(o *Outcome, where string) *template.Template {
	t := o.Reasons
	if strings.TrimSpace(t.Value) == "" {
		k.problem(max(t.Line, k.c.rule.ID.Line), "%s.reasons is required: the motivering in Swedish", where)
		return nil
	}
	tmpl, err := template.New(where).Option("missingkey=error").Parse(t.Value)
	if err != nil {
		k.problem(t.Line, "%s.reasons: %v", where, err)
		return nil
	}
	check := func(n parse.Node, chain []string) {
		if len(chain) == 0 {
			k.problem(t.Line, "%s.reasons: prints the whole data; print fields (.event.name)", where)
			return
		}
		root, path := chain[0], chain[1:]
		switch {
		case root == "fields":
			if len(path) != 1 || o.Set[path[0]].Value == "" {
				k.problem(t.Line, "%s.reasons: .%s is not a field this outcome sets", where, strings.Join(chain, "."))
			}
		case k.vars[root] != nil:
			if len(path) == 0 {
				k.problem(t.Line, "%s.reasons: prints .%s as a whole; print its fields one by one", where, root)
				return
			}
			personal, problem := k.vars[root].field(path)
			switch {
			case problem != "":
				k.problem(t.Line, "%s.reasons: .%s: %s", where, strings.Join(chain, "."), problem)
			case personal != "":
				k.problem(t.Line, "%s.reasons: prints .%s, which is personal data (%s): keep identifiers out of the motivering", where, strings.Join(chain, "."), personal)
			default:
				k.c.reads = append(k.c.reads, newRead(root, path, false))
			}
		default:
			k.problem(t.Line, "%s.reasons: .%s is not event, fields or an input", where, root)
		}
	}
	if msg := walkTemplate(tmpl.Tree.Root, check); msg != "" {
		k.problem(t.Line, "%s.reasons: %s", where, msg)
	}
	return tmpl
}

// walkTemplate calls check on every field chain the template reads from
// its data (.a.b or $.a.b). Constructs that change dot (range, with,
// template) are refused, since what they read could not be checked.
func walkTemplate(n parse.Node, check func(parse.Node, []string)) string {
	var msg string
	var walk func(parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.FieldNode:
			check(n, n.Ident)
		case *parse.VariableNode:
			if n.Ident[0] == "$" {
				check(n, n.Ident[1:])
			}
		case *parse.DotNode:
			check(n, nil)
		case *parse.ChainNode:
			msg = "a chained field ((x).y) cannot be checked; write .a.b"
		case *parse.RangeNode, *parse.WithNode, *parse.TemplateNode, *parse.BreakNode, *parse.ContinueNode:
			msg = fmt.Sprintf("%s is not allowed: write fields as .event.name", n)
		}
	}
	walk(n)
	return msg
}
