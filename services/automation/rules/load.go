package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a rules directory: where (file and line)
// and, when it is about a rule, the rule's id.
type Problem struct {
	File string
	Line int
	Rule string
	Msg  string
}

func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Rule != "" {
		b.WriteString("rule " + p.Rule + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found; it is the error [Load] returns.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Check loads dir as [Load] does and returns every problem (a [Problems]),
// or nil: what `civicbus rules check` prints.
func Check(dir string) error {
	_, err := Load(dir)
	return err
}

// Load reads every *.yaml and *.yml file under dir (recursively; names
// starting with "." are skipped), checks the case types and rules and
// compiles the rules. rule-test documents are left to [RunTests]. The
// error, when not nil, is [Problems] and lists every problem of every file.
// The engine has no lookups: see [Engine.WithLookups].
func Load(dir string) (*Engine, error) {
	docs, ps := readDir(dir)
	e := &Engine{caseTypes: map[string]*CaseType{}, versions: map[string][]*compiled{}, byEvent: map[string][]*compiled{},
		openings: map[string][]*compiledOpening{}, settings: map[string]*ModelSettings{}, timeout: DefaultLookupTimeout}
	for _, d := range docs {
		if ct, ok := d.v.(*CaseType); ok {
			ps = append(ps, e.addCaseType(ct, d.file)...)
			if ct.OpenedBy != nil {
				o, ops := compileOpening(ct, d.file)
				ps = append(ps, ops...)
				if o != nil {
					e.openings[ct.OpenedBy.Event.Value] = append(e.openings[ct.OpenedBy.Event.Value], o)
				}
			}
		}
	}
	for _, d := range docs {
		if m, ok := d.v.(*ModelSettings); ok {
			ps = append(ps, e.addSettings(m, d.file)...)
		}
	}
	for _, d := range docs {
		if r, ok := d.v.(*Rule); ok {
			c, rps := compileRule(r, d.file, e.caseTypes[r.CaseType.Value])
			ps = append(ps, rps...)
			if c != nil {
				ps = append(ps, e.addRule(c)...)
			}
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	e.index()
	return e, nil
}

// doc is one decoded YAML document: a *CaseType, *Rule or *ruleTest.
type doc struct {
	file string
	v    any
}

func readDir(dir string) ([]doc, Problems) {
	var docs []doc
	var ps Problems
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && path != dir {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); d.IsDir() || (ext != ".yaml" && ext != ".yml") {
			return nil
		}
		v, fps := readFile(path)
		ps = append(ps, fps...)
		if v != nil {
			docs = append(docs, doc{file: path, v: v})
		}
		return nil
	})
	if err != nil {
		ps = append(ps, Problem{File: dir, Msg: err.Error()})
	}
	return docs, ps
}

// readFile decodes one file strictly (unknown keys are problems) into the
// type its kind names.
func readFile(file string) (any, Problems) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, Problems{{File: file, Msg: err.Error()}}
	}
	var head struct {
		Kind Text `yaml:"kind"`
		ID   Text `yaml:"id"`
	}
	if err := yaml.Unmarshal(data, &head); err != nil {
		return nil, yamlProblems(file, err)
	}
	var v any
	switch head.Kind.Value {
	case KindCaseType:
		v = new(CaseType)
	case KindRule:
		v = new(Rule)
	case KindTest:
		v = new(ruleTest)
	case KindModelSettings:
		v = new(ModelSettings)
	default:
		return nil, Problems{{File: file, Line: head.Kind.Line, Msg: fmt.Sprintf("kind must be %s, %s, %s or %s", KindCaseType, KindRule, KindTest, KindModelSettings)}}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		ps := yamlProblems(file, err)
		if head.Kind.Value == KindRule {
			for i := range ps {
				ps[i].Rule = head.ID.Value
			}
		}
		return nil, ps
	}
	return v, nil
}

var yamlLineRE = regexp.MustCompile(`line (\d+): (.*)$`)

func yamlProblems(file string, err error) Problems {
	var te *yaml.TypeError
	lines := []string{err.Error()}
	if errors.As(err, &te) {
		lines = te.Errors
	}
	var ps Problems
	for _, l := range lines {
		p := Problem{File: file, Msg: strings.TrimPrefix(l, "yaml: ")}
		if m := yamlLineRE.FindStringSubmatch(l); m != nil {
			p.Line, _ = strconv.Atoi(m[1])
			p.Msg = m[2]
		}
		ps = append(ps, p)
	}
	return ps
}

// addCaseType checks ct and adds it.
func (e *Engine) addCaseType(ct *CaseType, file string) Problems {
	var ps Problems
	bad := func(line int, format string, args ...any) {
		ps = append(ps, Problem{File: file, Line: line, Msg: "case type " + ct.ID.Value + ": " + fmt.Sprintf(format, args...)})
	}
	if !idRE.MatchString(ct.ID.Value) {
		bad(ct.ID.Line, "id must be lower-case kebab case")
	}
	if _, dup := e.caseTypes[ct.ID.Value]; dup {
		bad(ct.ID.Line, "loaded twice")
	}
	if len(ct.Steps) == 0 {
		bad(ct.ID.Line, "has no steps")
	}
	seen := map[string]bool{}
	for i := range ct.Steps {
		s := &ct.Steps[i]
		if s.Automation == "" {
			s.Automation = AutomationNone
		}
		switch {
		case !idRE.MatchString(s.ID.Value) || seen[s.ID.Value]:
			bad(s.ID.Line, "step id %q must be lower-case kebab case and unique", s.ID.Value)
		case s.Role == "":
			bad(s.ID.Line, "step %s: role is required", s.ID.Value)
		case !slices.Contains([]Automation{AutomationNone, AutomationPropose, AutomationDecide}, s.Automation):
			bad(s.ID.Line, "step %s: automation must be none, propose or decide", s.ID.Value)
		case s.DeadlineDays < 0:
			bad(s.ID.Line, "step %s: deadline_days must not be negative", s.ID.Value)
		}
		seen[s.ID.Value] = true
	}
	e.caseTypes[ct.ID.Value] = ct
	return ps
}

// addRule adds a compiled rule version; one id and version twice is a
// problem (a change is a new version).
func (e *Engine) addRule(c *compiled) Problems {
	id := c.rule.ID.Value
	for _, o := range e.versions[id] {
		if o.rule.Version == c.rule.Version {
			return Problems{{File: c.file, Line: c.rule.ID.Line, Rule: id,
				Msg: fmt.Sprintf("version %d is also in %s: a change to a rule is a new version", c.rule.Version, o.file)}}
		}
	}
	e.versions[id] = append(e.versions[id], c)
	return nil
}

// index sorts every rule's versions and indexes the highest active one by
// its trigger's event type.
func (e *Engine) index() {
	for _, vs := range e.versions {
		slices.SortFunc(vs, func(a, b *compiled) int { return a.rule.Version - b.rule.Version })
		for i := len(vs) - 1; i >= 0; i-- {
			if vs[i].rule.Active {
				t := vs[i].rule.Trigger.Event.Value
				e.byEvent[t] = append(e.byEvent[t], vs[i])
				break
			}
		}
	}
	for _, rs := range e.byEvent { // a stable order of decisions
		slices.SortFunc(rs, func(a, b *compiled) int { return strings.Compare(a.rule.ID.Value, b.rule.ID.Value) })
	}
}
