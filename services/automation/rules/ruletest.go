package rules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/vasteras/civicbus/schemas"
	"github.com/vasteras/civicbus/schemas/validate"
)

// ruleTest is a rule-test document: cases of given events and lookup
// fixtures, each with the decisions expected.
type ruleTest struct {
	Kind    string     `yaml:"kind"`
	Name    string     `yaml:"name"`
	Lookups MapLookups `yaml:"lookups"`
	// Failing lists projections whose lookups fail in every case.
	Failing []string   `yaml:"failing"`
	Cases   []testCase `yaml:"cases"`
}

type testCase struct {
	Name    Text       `yaml:"name"`
	Now     time.Time  `yaml:"now"`
	Lookups MapLookups `yaml:"lookups"`
	Failing []string   `yaml:"failing"`
	Given   struct {
		Topic string         `yaml:"topic"`
		ID    string         `yaml:"id"`
		Event map[string]any `yaml:"event"`
	} `yaml:"given"`
	// Expect lists every decision the event must give, no more.
	Expect []expectation `yaml:"expect"`
}

// expectation is one decision expected. Rule, outcome and result are
// always compared (an omitted result expects none); version, step and
// fields only when given.
type expectation struct {
	Rule               string         `yaml:"rule"`
	Version            int            `yaml:"version"`
	Step               string         `yaml:"step"`
	Outcome            string         `yaml:"outcome"`
	Result             string         `yaml:"result"`
	Fields             map[string]any `yaml:"fields"`
	MotiveringContains []string       `yaml:"motivering_contains"`
	// InputRefs lists inputs that must be given by reference, not value.
	InputRefs []string `yaml:"input_refs"`
}

// Report is the outcome of [RunTests]: one result per test case.
type Report struct {
	Results []Result
}

// Result is one test case: passed when Failures is empty.
type Result struct {
	File, Name string
	Line       int
	Failures   []string
}

// Failed counts the cases that failed.
func (r Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		if len(res.Failures) > 0 {
			n++
		}
	}
	return n
}

// String lists every case, PASS or FAIL with its failures, and a summary.
func (r Report) String() string {
	var b strings.Builder
	for _, res := range r.Results {
		status := "PASS"
		if len(res.Failures) > 0 {
			status = "FAIL"
		}
		fmt.Fprintf(&b, "%s %s:%d %s\n", status, res.File, res.Line, res.Name)
		for _, f := range res.Failures {
			fmt.Fprintf(&b, "    %s\n", f)
		}
	}
	fmt.Fprintf(&b, "%d cases, %d failed\n", len(r.Results), r.Failed())
	return b.String()
}

// RunTests loads the rules of dir and runs its rule-test documents: each
// case's event (checked against its schema) through the engine with the
// case's lookup fixtures, comparing the decisions (each checked against
// cases.decision-recorded.v1) with those expected. The error is for rules
// or tests that do not load; a failing case is in the Report.
func RunTests(dir string) (Report, error) {
	e, err := Load(dir)
	if err != nil {
		return Report{}, err
	}
	docs, ps := readDir(dir)
	if len(ps) > 0 {
		return Report{}, ps
	}
	v, err := catalogValidator()
	if err != nil {
		return Report{}, err
	}
	var rep Report
	for _, d := range docs {
		t, ok := d.v.(*ruleTest)
		if !ok {
			continue
		}
		for _, c := range t.Cases {
			res := Result{File: d.file, Name: c.Name.Value, Line: c.Name.Line}
			res.Failures = runCase(e, v, t, &c)
			rep.Results = append(rep.Results, res)
		}
	}
	return rep, nil
}

func runCase(e *Engine, v *validate.Validator, t *ruleTest, c *testCase) []string {
	var fails []string
	if ev, ok := lookupTopic(c.Given.Topic); !ok {
		return []string{fmt.Sprintf("given.topic %q is not an event type of the catalog", c.Given.Topic)}
	} else if err := validateValue(v, ev.SchemaID(), c.Given.Event); err != nil {
		fails = append(fails, "given.event does not match its schema: "+err.Error())
	}
	lk := fixtures{lookups: merge(t.Lookups, c.Lookups), failing: append(slices.Clone(t.Failing), c.Failing...)}
	ds, err := e.WithLookups(lk, 0).Evaluate(context.Background(), c.Given.Topic, c.Given.ID, c.Given.Event, c.Now)
	if err != nil {
		return append(fails, err.Error())
	}
	got := map[string]Decision{}
	for _, d := range ds {
		got[d.DecidedBy.ID] = d
		if err := validateValue(v, schemas.SchemaID("cases.decision-recorded", 1), d); err != nil {
			fails = append(fails, fmt.Sprintf("rule %s: the decision does not match cases.decision-recorded.v1: %v", d.DecidedBy.ID, err))
		}
	}
	for _, x := range c.Expect {
		d, ok := got[x.Rule]
		if !ok {
			fails = append(fails, fmt.Sprintf("rule %s: no decision", x.Rule))
			continue
		}
		delete(got, x.Rule)
		fails = append(fails, x.compare(d)...)
	}
	for id, d := range got {
		fails = append(fails, fmt.Sprintf("rule %s: unexpected decision (%s, %s)", id, d.StepID, d.Outcome))
	}
	return fails
}

// compare lists how d differs from what x expects.
func (x expectation) compare(d Decision) []string {
	var fails []string
	diff := func(what string, want, got any) {
		fails = append(fails, fmt.Sprintf("rule %s: %s: want %v, got %v", x.Rule, what, want, got))
	}
	if x.Version != 0 && d.DecidedBy.Version != fmt.Sprint(x.Version) {
		diff("version", x.Version, d.DecidedBy.Version)
	}
	if x.Step != "" && x.Step != d.StepID {
		diff("step", x.Step, d.StepID)
	}
	if x.Outcome != string(d.Outcome) {
		diff("outcome", x.Outcome, d.Outcome)
	}
	if x.Result != d.Result {
		diff("result", x.Result, d.Result)
	}
	if x.Fields != nil && !sameJSON(x.Fields, d.Fields) {
		diff("fields", x.Fields, d.Fields)
	}
	for _, s := range x.MotiveringContains {
		if !strings.Contains(d.Motivering, s) {
			fails = append(fails, fmt.Sprintf("rule %s: motivering %q does not contain %q", x.Rule, d.Motivering, s))
		}
	}
	for _, name := range x.InputRefs {
		i := slices.IndexFunc(d.Inputs, func(in schemas.DecisionInput) bool { return in.Name == name })
		if i < 0 || d.Inputs[i].Ref == "" || d.Inputs[i].Value != nil {
			fails = append(fails, fmt.Sprintf("rule %s: input %s is not given by reference only", x.Rule, name))
		}
	}
	return fails
}

// fixtures are a rule test's lookups: records, and projections that fail.
type fixtures struct {
	lookups MapLookups
	failing []string
}

func (f fixtures) Get(ctx context.Context, projection, key string) (map[string]any, bool, error) {
	if slices.Contains(f.failing, projection) {
		return nil, false, errors.New("projection unavailable (rule-test fixture)")
	}
	return f.lookups.Get(ctx, projection, key)
}

func merge(a, b MapLookups) MapLookups {
	out := MapLookups{}
	for _, m := range []MapLookups{a, b} {
		for p, recs := range m {
			if out[p] == nil {
				out[p] = map[string]map[string]any{}
			}
			for k, r := range recs {
				out[p][k] = r
			}
		}
	}
	return out
}

func lookupTopic(topic string) (schemas.Event, bool) {
	cat, err := catalog()
	if err != nil || cat[topic] == nil {
		return schemas.Event{}, false
	}
	return cat[topic].event, true
}

func catalogValidator() (*validate.Validator, error) {
	v, err := validate.New(validate.Config{})
	if err != nil {
		return nil, err
	}
	for _, e := range schemas.Events() {
		b, err := e.Schema()
		if err != nil {
			return nil, err
		}
		if err := v.Add(e.SchemaID(), b); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// validateValue validates a Go value as its JSON.
func validateValue(v *validate.Validator, id string, x any) error {
	b, err := json.Marshal(x)
	if err != nil {
		return err
	}
	return v.Validate(id, b)
}

func sameJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		return false
	}
	var va, vb any
	_ = json.Unmarshal(ja, &va)
	_ = json.Unmarshal(jb, &vb)
	return reflect.DeepEqual(va, vb)
}
